import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import type { Moto } from '../harness/moto.js';
import { repoRoot } from '../harness/paths.js';

/** The region the replay tests' S3 (moto's server) and the CLI use. */
export const REPLAY_REGION = 'us-east-1';

/** What one `npm run replay` printed, and its exit code. */
export interface ReplayRun {
  code: number;
  stdout: string;
  stderr: string;
}

const run = promisify(execFile);

/**
 * Runs `npm run replay -- <args>` from the repository root, as an operator does, with every AWS
 * endpoint on loopback: S3 at moto's server, dummy credentials, no shared config or credentials
 * file, no EC2 metadata lookup. The Invoke API is whatever `--endpoint` the args name.
 */
export async function replayCli(moto: Moto, args: readonly string[]): Promise<ReplayRun> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'replay', '--', ...args], {
      cwd: repoRoot(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_REGION: REPLAY_REGION,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_CONFIG_FILE: os.devNull,
        AWS_SHARED_CREDENTIALS_FILE: os.devNull,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_S3: moto.endpoint,
      },
      // Only a hang is cut: the test's own timeout is longer.
      timeout: 170_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The tests' own S3 client for moto's server: buckets made, objects put and read back. */
export function motoS3(moto: Moto): S3Client {
  return new S3Client({
    region: REPLAY_REGION,
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}
