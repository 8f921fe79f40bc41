import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFacts } from '../../lambda/kafka/msk-iam.js';
import { sharedKafka } from '../harness/context.js';
import { kafkaConfig } from '../harness/kafka/clients.js';
import { type AuthDecision, BrokerIam, type IamIdentity } from '../harness/kafka/msk-iam.js';
import { freePort } from '../harness/ports.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { type CredentialsEndpoint, credentialsEndpoint } from '../helpers/container-credentials.js';
import { encodeSpan, kinesisEvent } from '../helpers/factories.js';
import { type LambdaContainer, startContainer } from '../helpers/lambda-container.js';

/**
 * MSK IAM, the default authentication, against a real broker. The shared broker's IAM listener
 * checks every token as Amazon MSK does and ends each session when the test says, or when the
 * token or the credentials behind it expire (test/harness/kafka/msk-iam.ts). Every case runs the
 * real handler, with its default settings, in warm Lambda containers of its own: one process
 * each, invocation after invocation, with its own credential chain filled with dummy keys. The
 * signer presigns locally, and every AWS endpoint points at a closed port on loopback, so a
 * mistake cannot leave the machine.
 */

const kafka = sharedKafka();
const iam = BrokerIam.of(kafka);
const REGION = iam.region;
const SPANS_PER_INVOCATION = 20;

const containers: LambdaContainer[] = [];
const endpoints: CredentialsEndpoint[] = [];
let sandbox: string;
let nowhere: string;

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(os.tmpdir(), 'msk-iam-'));
  nowhere = `http://127.0.0.1:${await freePort()}`;
});

afterAll(async () => {
  await Promise.all(containers.map((c) => c.stop()));
  await Promise.all(endpoints.map((e) => e.close()));
  if (sandbox) await rm(sandbox, { recursive: true, force: true });
});

/** The role's credentials as Lambda puts them in the environment. */
function environmentCredentials(identity: IamIdentity): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: identity.accessKeyId,
    AWS_SECRET_ACCESS_KEY: identity.secretAccessKey,
    AWS_SESSION_TOKEN: identity.sessionToken ?? '',
  };
}

/**
 * A container of the function: the IAM listener, the harness CA, a topic of the test's, and
 * nothing else but the credential chain. KAFKA_SASL_MECHANISM and KAFKA_SSL keep their defaults
 * (aws-msk-iam, TLS), as does every Kafka setting.
 */
async function container(
  topic: string,
  credentials: Record<string, string>,
  region = REGION,
): Promise<LambdaContainer> {
  const started = await startContainer({
    KAFKA_BROKERS: need(kafka.listeners.iam, 'an MSK IAM listener'),
    KAFKA_SSL_CA_FILE: need(kafka.caPem, 'a CA'),
    KAFKA_TOPIC: topic,
    AWS_REGION: region,
    ...credentials,
    // Nothing may reach AWS or read this machine's AWS configuration.
    AWS_ENDPOINT_URL: nowhere,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(sandbox, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(sandbox, 'no-credentials'),
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  containers.push(started);
  return started;
}

/** A topic of the test's own. */
async function topicFor(label: string): Promise<string> {
  const topic = randomTopic(label);
  await createTopic(kafka.brokers, topic, 3);
  return topic;
}

/** Spans with traceIds unique to the call, as one Kinesis event. */
function spans(label: string, count = SPANS_PER_INVOCATION) {
  const traceIds = Array.from({ length: count }, (_, i) => `${label}-${i}`);
  return { traceIds, event: kinesisEvent(traceIds.map((traceId) => encodeSpan({ traceId }))) };
}

/**
 * Steady traffic through one container: an invocation of fresh spans after another (a short pause
 * between, as a batching window gives), until `done` says so after an invocation.
 */
async function invokeUntil(
  target: LambdaContainer,
  label: string,
  done: () => Promise<boolean>,
): Promise<{ traceIds: string[]; responses: KinesisStreamBatchResponse[] }> {
  const traceIds: string[] = [];
  const responses: KinesisStreamBatchResponse[] = [];
  do {
    const batch = spans(`${label}-${responses.length}`);
    responses.push(await target.invoke(batch.event));
    traceIds.push(...batch.traceIds);
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (!(await done()));
  return { traceIds, responses };
}

/** The traceIds of every message in `topic` (duplicates from retries included, once each). */
async function storedTraceIds(topic: string): Promise<Set<string>> {
  const admin = new Kafka(kafkaConfig(kafka)).admin();
  await admin.connect();
  let stored: number;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    stored = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
  const read = await readAll(kafka.brokers, topic, stored, 60_000);
  return new Set(read.map((m) => m.key?.toString() ?? ''));
}

/** Waits for `condition`, polling; says what it waited for if that never comes. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  const giveUp = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > giveUp) throw new Error(`Still waiting for ${what} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Re-authentications of a container's connections: tokens accepted beyond each connection's first. */
function reauthentications(decisions: AuthDecision[], target: LambdaContainer): number {
  return decisions.filter((d) => d.decision === 'ACCEPT').length - target.tlsConnections;
}

const errorsAndWarnings = (target: LambdaContainer) =>
  target.logs().filter((l) => l.level === 'ERROR' || l.level === 'WARN');

const connectedLogs = (target: LambdaContainer) =>
  target.logs().filter((l) => l.message === 'Connected to Kafka');

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`The shared broker was started without ${what}`);
  return value;
}

describe("the harness's MSK IAM", () => {
  /** A token from the official signer, for credentials the test chooses; signed locally. */
  const sign = async (identity: IamIdentity, region = REGION) => {
    const { token } = await generateAuthTokenFromCredentialsProvider({
      region,
      awsCredentialsProvider: async () => ({
        accessKeyId: identity.accessKeyId,
        secretAccessKey: identity.secretAccessKey,
        sessionToken: identity.sessionToken,
      }),
    });
    return token;
  };
  const url = (token: string) => Buffer.from(token, 'base64url').toString('utf8');
  const tokenOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

  /** A bare kafkajs client on the IAM listener, patient enough for a loaded machine. */
  const bareClient = (oauthBearerProvider: () => Promise<{ value: string }>) =>
    new Kafka({
      ...kafkaConfig(kafka, 'ssl'),
      brokers: [need(kafka.listeners.iam, 'an MSK IAM listener')],
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider },
      connectionTimeout: 10_000,
      authenticationTimeout: 10_000,
      requestTimeout: 30_000,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });

  /** Connects with one fixed token: true if the broker took it, false if it refused it. */
  async function accepts(token: string): Promise<boolean> {
    const producer = bareClient(async () => ({ value: token })).producer();
    try {
      await producer.connect();
      return true;
    } catch (error) {
      // Anything but a refusal (a slow handshake, say) is the test's failure, not the broker's answer.
      if (/SASL OAUTHBEARER authentication failed/.test((error as Error).message)) return false;
      throw error;
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  it('accepts what the signer mints, refuses each departure from MSK’s rules, and says why', async () => {
    const known = iam.identity();
    const valid = await sign(known);
    const stranger: IamIdentity = { ...iam.identity(), accessKeyId: 'ASIAUNKNOWNTOTHEIAM0' };
    const expired = iam.identity({ expiresAt: Date.now() - 1_000 });
    const cases: Array<[what: string, token: string, reason: RegExp]> = [
      ['padded base64', `${valid}=`, /not base64url without padding/],
      [
        'the host of another region',
        tokenOf(url(valid).replace(`kafka.${REGION}.`, 'kafka.eu-west-1.')),
        new RegExp(`host's region eu-west-1 is not the credential scope's ${REGION}`),
      ],
      [
        'signed for another region',
        await sign(known, 'eu-west-1'),
        new RegExp(`signed for region eu-west-1, but the cluster is in ${REGION}`),
      ],
      [
        'another action',
        tokenOf(url(valid).replace('kafka-cluster%3AConnect', 'kafka-cluster%3AWriteData')),
        /Action is kafka-cluster:WriteData/,
      ],
      [
        'no signature',
        tokenOf(url(valid).replace(/&X-Amz-Signature=[0-9a-f]+/, '')),
        /X-Amz-Signature is missing/,
      ],
      [
        'a forged signature',
        tokenOf(
          url(valid).replace(
            /(X-Amz-Signature=[0-9a-f]{10})([0-9a-f])/,
            (_, head, digit) => `${head}${digit === '0' ? '1' : '0'}`,
          ),
        ),
        /signature does not match/,
      ],
      [
        'past X-Amz-Date + X-Amz-Expires',
        tokenOf(url(valid).replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=0.001')),
        /expired \d+ ms ago/,
      ],
      ['an unknown access key', await sign(stranger), /unknown access key ASIAUNKNOWNTOTHEIAM0/],
      [
        'another session token',
        await sign({ ...known, sessionToken: 'not-the-session-token' }),
        /X-Amz-Security-Token is not the session token/,
      ],
      ['credentials that expired', await sign(expired), /the credentials of ASIA\w+ expired/],
    ];

    expect(await accepts(valid)).toBe(true);
    const [granted] = (await iam.decisions(new Set([known.accessKeyId]))).slice(-1);
    // No session-ms cap: the session lasts as long as the token, 900 s from its X-Amz-Date,
    // less what passed before the broker decided (seconds on a loaded machine), never more.
    const left = Date.parse(tokenFacts(valid).signedAt ?? '') + 900_000 - Date.now();
    expect(granted).toMatchObject({ decision: 'ACCEPT' });
    const sessionMs = granted?.decision === 'ACCEPT' ? granted.sessionMs : Number.NaN;
    expect(sessionMs).toBeLessThanOrEqual(900_000);
    expect(sessionMs).toBeGreaterThanOrEqual(left);
    expect(left).toBeGreaterThan(800_000);
    for (const [what, token, reason] of cases) {
      const before = (await iam.decisions()).length;
      expect({ what, accepted: await accepts(token) }).toEqual({ what, accepted: false });
      const decided = (await iam.decisions()).slice(before);
      expect({ what, decided }).toMatchObject({
        what,
        decided: [{ decision: 'REFUSE', reason: expect.stringMatching(reason) }],
      });
    }
  });

  it("reproduces the failure: kafkajs's own threshold cannot keep a 5 s session (ILLEGAL_SASL_STATE)", async () => {
    const identity = iam.identity({ sessionMs: 5_000 });
    const topic = await topicFor('msk-iam-kafkajs-default');
    const producer = bareClient(async () => ({ value: await sign(identity) })).producer();
    await producer.connect();
    const errors: string[] = [];
    try {
      // Every request re-authenticates first (10 s threshold >= 5 s session); Kafka allows one per second.
      for (let i = 0; i < 50 && errors.length === 0; i++) {
        await producer
          .send({ topic, messages: [{ value: `m${i}` }] })
          .catch((error: Error) => errors.push(error.message));
      }
    } finally {
      await producer.disconnect();
    }
    expect(errors).toEqual([expect.stringMatching(/not valid given the current SASL state/)]);
  });
});

describe.concurrent('sessions the broker ends, through a warm container with default settings', () => {
  // Created one after another up front: a broker busy creating several topics at once answers
  // UNKNOWN_TOPIC_OR_PARTITION for a while, which kafkajs's wait for leaders does not retry.
  const topics = new Map<string, string>();
  beforeAll(async () => {
    for (const label of ['30000', '10000', '5000', '2000', '800', 'expiring']) {
      topics.set(label, await topicFor(`msk-iam-${label}`));
    }
  });
  const topicOf = (label: string) => need(topics.get(label), `a topic for ${label}`);

  const SESSIONS = [
    { sessionMs: 30_000, reauths: 2 },
    { sessionMs: 10_000, reauths: 3 },
    { sessionMs: 5_000, reauths: 4 },
    { sessionMs: 2_000, reauths: 8 },
  ];

  it.for(SESSIONS)(
    '$sessionMs ms sessions: $reauths re-authentications of its connection, every span stored, no failure',
    { timeout: 150_000 },
    async ({ sessionMs, reauths }, { expect }) => {
      const identity = iam.identity({ sessionMs });
      const keys = new Set([identity.accessKeyId]);
      const topic = topicOf(String(sessionMs));
      const counted = await iam.counts();
      const target = await container(topic, environmentCredentials(identity));

      const { traceIds, responses } = await invokeUntil(
        target,
        `s${sessionMs}`,
        async () => reauthentications(await iam.decisions(keys), target) >= reauths,
      );

      expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
      const stored = await storedTraceIds(topic);
      expect(traceIds.filter((id) => !stored.has(id))).toEqual([]);
      const decisions = await iam.decisions(keys);
      // Every token accepted, every session the one the broker chose.
      expect(decisions.filter((d) => d.decision !== 'ACCEPT' || d.sessionMs !== sessionMs)).toEqual(
        [],
      );
      // Renewed on a connection it had (tokens beyond each connection's first), not by reconnecting.
      expect(reauthentications(decisions, target)).toBeGreaterThanOrEqual(reauths);
      // Kafka's own count agrees (its metrics reach the counts file a moment after the decision).
      await until(
        `Kafka to count ${reauths} more re-authentications`,
        async () => (await iam.counts()).reauthentications >= counted.reauthentications + reauths,
      );
      expect(connectedLogs(target)).toMatchObject([{ connects: 1, rebuilds: 0 }]);
      expect(errorsAndWarnings(target)).toEqual([]);
    },
  );

  it('800 ms sessions, shorter than a renewal can keep: each ends and is renewed or replaced, nothing fails', async ({
    expect,
  }) => {
    const identity = iam.identity({ sessionMs: 800 });
    const keys = new Set([identity.accessKeyId]);
    const topic = topicOf('800');
    const target = await container(topic, environmentCredentials(identity));

    const accepted = async () =>
      (await iam.decisions(keys)).filter((d) => d.decision === 'ACCEPT').length;
    const { traceIds, responses } = await invokeUntil(
      target,
      's800',
      async () => (await accepted()) >= 6,
    );

    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    const stored = await storedTraceIds(topic);
    expect(traceIds.filter((id) => !stored.has(id))).toEqual([]);
    const decisions = await iam.decisions(keys);
    expect(decisions.filter((d) => d.decision !== 'ACCEPT' || d.sessionMs !== 800)).toEqual([]);
    expect(connectedLogs(target)).toMatchObject([{ connects: 1, rebuilds: 0 }]);
    expect(errorsAndWarnings(target)).toEqual([]);
  }, 150_000);

  it('a token minted from credentials about to expire: the session ends with them, the next token comes from the renewed ones', async ({
    expect,
  }) => {
    // Credentials that live 4 s, renewed when less than 2 s are left, as a credentials endpoint
    // (ECS, EKS, SnapStart) renews them: the signer shortens each token to their expiry.
    const issued: IamIdentity[] = [];
    const endpoint = await credentialsEndpoint(() => {
      let current = issued.at(-1);
      if (!current || (current.expiresAt ?? 0) - Date.now() < 2_000) {
        current = iam.identity({ expiresAt: Date.now() + 4_000 });
        issued.push(current);
      }
      return {
        ...current,
        sessionToken: current.sessionToken ?? '',
        expiresAt: current.expiresAt ?? 0,
      };
    });
    endpoints.push(endpoint);
    const keys = () => new Set(issued.map((i) => i.accessKeyId));
    const topic = topicOf('expiring');
    const target = await container(topic, { AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url });

    const { traceIds, responses } = await invokeUntil(
      target,
      'expiring',
      async () => reauthentications(await iam.decisions(keys()), target) >= 4,
    );

    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    const stored = await storedTraceIds(topic);
    expect(traceIds.filter((id) => !stored.has(id))).toEqual([]);
    const decisions = await iam.decisions(keys());
    expect(decisions.every((d) => d.decision === 'ACCEPT')).toBe(true);
    for (const d of decisions) {
      if (d.decision !== 'ACCEPT') continue;
      const expiresAt = issued.find((i) => i.accessKeyId === d.accessKeyId)?.expiresAt ?? 0;
      // As MSK: the session ends when the token does, and the token when its credentials do
      // (less the fraction of a second X-Amz-Date drops).
      expect(d.sessionMs).toBeLessThanOrEqual(expiresAt - d.at);
      expect(d.sessionMs).toBeGreaterThanOrEqual(expiresAt - d.at - 1_001);
    }
    // Re-authentication carried the renewed credentials: several keys, one principal.
    expect(new Set(decisions.map((d) => d.accessKeyId)).size).toBeGreaterThanOrEqual(2);
    expect(reauthentications(decisions, target)).toBeGreaterThanOrEqual(4);
    expect(connectedLogs(target)).toMatchObject([{ connects: 1, rebuilds: 0 }]);
    expect(errorsAndWarnings(target)).toEqual([]);
  }, 150_000);
});

describe('tokens the broker refuses', () => {
  it('a role that may not connect: the records are named, the log says which token and why; allowed again, the next invocation stores them', async () => {
    const identity = iam.identity({ denied: true });
    const topic = await topicFor('msk-iam-denied');
    const target = await container(topic, environmentCredentials(identity));
    const { traceIds, event } = spans('denied');
    const first = event.Records[0]?.kinesis.sequenceNumber;

    // Lambda re-delivers a named batch until it goes through.
    expect(await target.invoke(event)).toEqual({ batchItemFailures: [{ itemIdentifier: first }] });
    expect(await target.invoke(event)).toEqual({ batchItemFailures: [{ itemIdentifier: first }] });
    const refusals = target.logs().filter((l) => l.message === 'MSK IAM refused the token');
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals[0]).toMatchObject({
      level: 'ERROR',
      reason: expect.stringMatching(/Access denied/),
      token: { wellFormed: true, region: REGION, accessKeyId: identity.accessKeyId },
      hint: expect.stringContaining('kafka-cluster:Connect'),
    });
    expect(
      target.logs().find((l) => l.message.startsWith('Kafka did not acknowledge')),
    ).toMatchObject({
      errors: [{ type: 'SASL_AUTHENTICATION_FAILED', hint: expect.stringContaining('MSK IAM') }],
    });
    expect(await iam.decisions(new Set([identity.accessKeyId]))).toMatchObject([
      { decision: 'REFUSE', reason: expect.stringContaining('may not kafka-cluster:Connect') },
      { decision: 'REFUSE', reason: expect.stringContaining('may not kafka-cluster:Connect') },
    ]);

    iam.update(identity.accessKeyId, { denied: false });
    const pid = target.pid;
    expect(await target.invoke(event)).toEqual({ batchItemFailures: [] });
    expect(target.pid).toBe(pid);
    const stored = await storedTraceIds(topic);
    expect(traceIds.filter((id) => !stored.has(id))).toEqual([]);
  });

  it('a re-authentication refused once: the invocation drops the connection and connects afresh within its deadline', async () => {
    const identity = iam.identity({ sessionMs: 3_000 });
    const keys = new Set([identity.accessKeyId]);
    const topic = await topicFor('msk-iam-refused-once');
    const target = await container(topic, environmentCredentials(identity));
    const warmUp = await target.invoke(spans('warm-up').event);
    expect(warmUp.batchItemFailures).toEqual([]);
    const connections = target.tlsConnections;

    // The next token this identity presents, at the connection's next re-authentication, is refused.
    iam.update(identity.accessKeyId, { refusals: 1 });
    const { traceIds, responses } = await invokeUntil(target, 'refused-once', async () => {
      const decided = await iam.decisions(keys);
      const refused = decided.findIndex((d) => d.decision === 'REFUSE');
      return refused >= 0 && decided.slice(refused).some((d) => d.decision === 'ACCEPT');
    });

    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    const stored = await storedTraceIds(topic);
    expect(traceIds.filter((id) => !stored.has(id))).toEqual([]);
    expect(target.logs().filter((l) => l.level === 'WARN')).toMatchObject([
      {
        message: 'A Kafka connection is in a bad SASL state: connecting afresh',
        errors: [{ type: 'SASL_AUTHENTICATION_FAILED' }],
      },
    ]);
    expect(connectedLogs(target)).toMatchObject([
      { connects: 1, rebuilds: 0 },
      { connects: 2, rebuilds: 1 },
    ]);
    expect(target.tlsConnections).toBeGreaterThan(connections);
  });

  it('the region wrong: refused and named, the log names the region signed for; once the regions agree, the same container stores them', async () => {
    const identity = iam.identity();
    const topic = await topicFor('msk-iam-region');
    const target = await container(topic, environmentCredentials(identity), 'eu-west-1');
    const { traceIds, event } = spans('region');
    const first = event.Records[0]?.kinesis.sequenceNumber;

    expect(await target.invoke(event)).toEqual({ batchItemFailures: [{ itemIdentifier: first }] });
    expect(await target.invoke(event)).toEqual({ batchItemFailures: [{ itemIdentifier: first }] });
    expect(target.logs().find((l) => l.message === 'MSK IAM refused the token')).toMatchObject({
      token: { region: 'eu-west-1', accessKeyId: identity.accessKeyId },
      hint: expect.stringContaining('AWS_REGION'),
    });
    const wrongRegion = `signed for region eu-west-1, but the cluster is in ${REGION}`;
    expect(await iam.decisions(new Set([identity.accessKeyId]))).toMatchObject([
      { decision: 'REFUSE', reason: wrongRegion },
      { decision: 'REFUSE', reason: wrongRegion },
    ]);

    // The cluster the function reaches is in its region now (nothing else ever changes a
    // token's region but a new configuration, which a real deployment gets with a new container).
    iam.setRegion('eu-west-1');
    try {
      const pid = target.pid;
      expect(await target.invoke(event)).toEqual({ batchItemFailures: [] });
      expect(target.pid).toBe(pid);
    } finally {
      iam.setRegion(REGION);
    }
    const stored = await storedTraceIds(topic);
    expect(traceIds.filter((id) => !stored.has(id))).toEqual([]);
  });
});
