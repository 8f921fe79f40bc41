import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { type SaslCredentials, scramFormatArgs } from './config.js';
import { existingCdsArgs, jvmArgs } from './jvm.js';

const execFileAsync = promisify(execFile);

/**
 * Writes `meta.properties` and the bootstrap metadata (SCRAM users included). Every node of
 * one cluster must be formatted with the same `id`; a single node gets a fresh one.
 */
export async function formatStorage(
  libs: string,
  version: string,
  configFile: string,
  scram: SaslCredentials | undefined,
  cwd: string,
  id: string = clusterId(),
): Promise<void> {
  const args = [
    ...existingCdsArgs(libs),
    ...jvmArgs(libs, version, { logLevel: 'WARN' }),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    id,
    '-c',
    configFile,
    ...scramFormatArgs(scram),
  ];
  try {
    await execFileAsync('java', args, { cwd, timeout: 60_000 });
  } catch (err) {
    // The command line is long and says nothing; the tool's own output says what is wrong.
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    throw new Error(
      `kafka-storage format failed for Kafka ${version} (exit ${e.code}, config ${configFile}):\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
}

/** A Kafka `Uuid` string: 16 random bytes, URL-safe base64 without padding. */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka never issues ids starting with '-' since they read as a CLI flag.
    if (!id.startsWith('-')) return id;
  }
}
