import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sharedKafka } from '../harness/context.js';
import { repoRoot } from '../harness/paths.js';
import { randomTopic } from '../harness/topics.js';

/**
 * `npm start` end to end, small: the real CLI as a child process against the shared broker
 * (KAFKA_BROKERS), kinesalite inside the child, fresh topics per run. Asserts the verdict and
 * the figures it printed, and that Ctrl-C stops it cleanly.
 */

const kafka = sharedKafka();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start -- --quiet --json …`: one Node process, as `npm start` runs it (no tsx parent). */
function start(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/start.ts', '--quiet', '--json', ...args],
    {
      cwd: repoRoot(),
      env: { ...process.env, KAFKA_BROKERS: kafka.brokers.join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Run>((resolve) => {
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

function result(run: Run) {
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as {
      pass: boolean;
      verdict: string[];
      figures: Record<string, number>;
    };
  } catch {
    throw new Error(`no JSON result (exit ${run.code}); stderr:\n${run.stderr}`);
  }
}

describe('npm start', () => {
  it('puts 2,000 spans on 2 shards, runs them through the handler and verifies every one', async () => {
    const { done } = start([
      '--spans',
      '2000',
      '--shards',
      '2',
      '--kpl',
      'mixed',
      '--invalid',
      '0.05',
      '--topic',
      randomTopic('local-spans'),
      '--dlq-topic',
      randomTopic('local-dlq'),
    ]);

    const run = await done;
    const { pass, verdict, figures } = result(run);

    expect(run.code, run.stderr).toBe(0);
    expect(pass).toBe(true);
    expect(verdict.filter((line) => line.startsWith('FAIL'))).toStrictEqual([]);
    expect(figures.spansPut).toBeGreaterThanOrEqual(2000);
    expect(figures.lettersStored).toBeGreaterThan(0);
    expect((figures.spansStored ?? 0) + (figures.lettersStored ?? 0)).toBeGreaterThanOrEqual(
      figures.spansPut ?? Number.POSITIVE_INFINITY,
    );
    expect(figures.recordsDiscarded).toBe(0);
  });

  it('says so when the dead-letter topic is turned off, and still checks every span', async () => {
    const { done } = start([
      '--spans',
      '500',
      '--shards',
      '1',
      '--topic',
      randomTopic('local-spans'),
      '--dlq-topic',
      'none',
    ]);

    const run = await done;
    const { pass, verdict } = result(run);

    expect(run.code, run.stderr).toBe(0);
    expect(pass).toBe(true);
    expect(verdict.some((line) => line.includes('dead-letter topic not configured'))).toBe(true);
    expect(verdict.some((line) => /valid spans in local-spans/.test(line))).toBe(true);
  });

  // Each moment is reached by waiting for the line the CLI prints when it gets there, never by
  // sleeping: the signal must land in that phase however slow the machine is.
  it.each([
    ['during set-up', 'starting kinesalite'],
    ['while spans are put and handled', 'putting'],
  ])(
    'stops cleanly on Ctrl-C %s: exit 130, a result, and an "interrupted" verdict',
    async (_moment, marker) => {
      const { child, done } = start([
        '--spans',
        '10000000',
        '--rate',
        '2000',
        '--shards',
        '1',
        '--topic',
        randomTopic('local-spans'),
        '--dlq-topic',
        randomTopic('local-dlq'),
      ]);
      await printed(child, marker);

      child.kill('SIGINT');
      const run = await done;
      const { pass, verdict } = result(run);

      expect(run.code, run.stderr).toBe(130);
      expect(pass).toBe(false);
      expect(
        verdict.some((line) => line.includes('interrupted')),
        verdict.join('\n'),
      ).toBe(true);
    },
  );
});

/** Resolves once the child has written `text` to stderr. */
function printed(child: ChildProcess, text: string): Promise<void> {
  let seen = '';
  return new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`exited (${code}) before printing "${text}":\n${seen}`)),
    );
  });
}
