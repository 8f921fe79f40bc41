import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KafkaConnectionInfo } from './clients.js';
import type { MskIamFiles } from './config.js';

/**
 * The test side of the broker's MSK IAM listener (java/harness/MskIamValidator.java): which
 * identities the cluster's IAM knows and what it does with their tokens, what it decided for each
 * token, and Kafka's own authentication counters for the listener. Everything goes through files,
 * because the shared broker belongs to the global setup's process, not to the tests'.
 *
 * The credentials are dummies made up here: tokens are presigned locally by the signer, and the
 * broker checks their signatures with the same secret; nothing ever reaches AWS.
 */

/** An identity of the harness's IAM: credentials and what the broker does with their tokens. */
export interface IamIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, a token must carry it as X-Amz-Security-Token (temporary credentials). */
  sessionToken?: string;
  /** The Kafka principal; the same for every key of one role, as re-authentication requires. */
  principal: string;
  /** When the credentials expire (epoch ms): MSK ends sessions then and refuses later tokens. */
  expiresAt?: number;
  /** The broker's cap on a session (ms); without it a session lasts as long as the token. */
  sessionMs?: number;
  /** The role may not `kafka-cluster:Connect`: every token is refused. */
  denied?: boolean;
  /** Refuse this many of the identity's tokens (counted by the broker), then accept again. */
  refusals?: number;
}

/** One line of the decisions file. */
export type AuthDecision =
  | { at: number; decision: 'ACCEPT'; accessKeyId: string; sessionMs: number; principal: string }
  | { at: number; decision: 'REFUSE'; accessKeyId: string; reason: string };

/** Kafka's authentication metrics of the listener, summed over its network threads and over the broker's restarts. */
export interface AuthCounters {
  authentications: number;
  reauthentications: number;
  failedAuthentications: number;
  failedReauthentications: number;
  /** Connections the broker closed because their session ended without a re-authentication. */
  expiredConnectionsKilled: number;
  /** When the broker read these counts (epoch ms; 0 before its first sample): it samples every 100 ms. */
  sampledAt: number;
}

/**
 * A broker's MSK IAM files: a fresh IAM (the cluster's region, no identities), or, for the other
 * brokers of a cluster, the first one's IAM file `shared` (a cluster has one IAM, as MSK's has);
 * each broker keeps its own decisions and counts.
 */
export async function mskIamFiles(
  dir: string,
  iam: { region: string } | { shared: string },
): Promise<MskIamFiles> {
  await mkdir(dir, { recursive: true });
  const files: MskIamFiles = {
    iamFile: 'shared' in iam ? iam.shared : path.join(dir, 'iam.properties'),
    decisionsFile: path.join(dir, 'decisions.tsv'),
    countsFile: path.join(dir, 'auth-counts.properties'),
  };
  if ('region' in iam) await writeFile(files.iamFile, renderIam(iam.region, new Map()));
  await writeFile(files.decisionsFile, '');
  return files;
}

/** One IAM file's contents as this process last wrote them; shared by the views of every broker using it. */
interface Policy {
  file: string;
  region: string;
  identities: Map<string, IamIdentity>;
}

const policies = new Map<string, Policy>();
const instances = new Map<string, BrokerIam>();

/**
 * Reads and changes one broker's MSK IAM. One instance per broker and process (see {@link of});
 * the brokers of a cluster share their IAM, so an identity made through one is known to all.
 */
export class BrokerIam {
  private readonly policy: Policy;

  private constructor(private readonly files: MskIamFiles) {
    let policy = policies.get(files.iamFile);
    if (!policy) {
      const region = /^cluster\.region=(.*)$/m.exec(readFileSync(files.iamFile, 'utf8'))?.[1];
      policy = { file: files.iamFile, region: region ?? '', identities: new Map() };
      policies.set(files.iamFile, policy);
    }
    this.policy = policy;
  }

  /** The IAM of the broker `info` describes; changes made in this process are never lost to another instance. */
  static of(info: Pick<KafkaConnectionInfo, 'mskIam'>): BrokerIam {
    const files = info.mskIam;
    if (!files) throw new Error('This test broker was started without mskIam');
    let iam = instances.get(files.decisionsFile);
    if (!iam) {
      iam = new BrokerIam(files);
      instances.set(files.decisionsFile, iam);
    }
    return iam;
  }

  get region(): string {
    return this.policy.region;
  }

  /** Moves the cluster to another region: tokens signed for any other are refused from now on. */
  setRegion(region: string): void {
    this.policy.region = region;
    this.save();
  }

  /** Makes up credentials for `principal` and registers them with the broker. */
  identity(fields: Partial<IamIdentity> = {}): IamIdentity {
    const identity: IamIdentity = {
      accessKeyId: `ASIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      principal: 'arn:aws:sts::123456789012:assumed-role/haystack-collector/harness',
      ...fields,
    };
    this.policy.identities.set(identity.accessKeyId, identity);
    this.save();
    return identity;
  }

  /** Changes what the broker does with an identity's next tokens. */
  update(accessKeyId: string, changes: Partial<Omit<IamIdentity, 'accessKeyId'>>): void {
    const identity = this.policy.identities.get(accessKeyId);
    if (!identity) throw new Error(`BrokerIam.update: unknown access key ${accessKeyId}`);
    this.policy.identities.set(accessKeyId, { ...identity, ...changes });
    this.save();
  }

  /** Every decision the broker took so far, oldest first; only those for `accessKeyIds` if given. */
  async decisions(accessKeyIds?: ReadonlySet<string>): Promise<AuthDecision[]> {
    const all = parseDecisions(await readFile(this.files.decisionsFile, 'utf8'));
    return accessKeyIds ? all.filter((d) => accessKeyIds.has(d.accessKeyId)) : all;
  }

  /** Kafka's authentication counters for the listener (zeros before its first connection). */
  async counts(): Promise<AuthCounters> {
    const text = await readFile(this.files.countsFile, 'utf8').catch(() => '');
    const value = (name: string): number =>
      Number(new RegExp(`^${name}=(\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return {
      authentications: value('successful-authentication-total'),
      reauthentications: value('successful-reauthentication-total'),
      failedAuthentications: value('failed-authentication-total'),
      failedReauthentications: value('failed-reauthentication-total'),
      expiredConnectionsKilled: value('expired-connections-killed-count'),
      sampledAt: value('sampled-at-ms'),
    };
  }

  /**
   * Waits for the event `ready` describes in the counts (the broker samples them every 100 ms),
   * and returns them; `what` names it if it never comes.
   */
  async countsWhen(
    ready: (counts: AuthCounters) => boolean,
    what: string,
    timeoutMs = 120_000,
  ): Promise<AuthCounters> {
    const giveUp = Date.now() + timeoutMs;
    for (;;) {
      const counts = await this.counts();
      if (ready(counts)) return counts;
      if (Date.now() > giveUp) {
        throw new Error(
          `Still waiting for ${what} after ${timeoutMs} ms: ${JSON.stringify(counts)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Synchronous and atomic: concurrent tests in this process never interleave, the broker never reads half a file. */
  private save(): void {
    const tmp = `${this.policy.file}.${process.pid}.tmp`;
    writeFileSync(tmp, renderIam(this.policy.region, this.policy.identities));
    renameSync(tmp, this.policy.file);
  }
}

/** The IAM properties file IamPolicy.java reads. */
export function renderIam(region: string, identities: ReadonlyMap<string, IamIdentity>): string {
  const lines = [`cluster.region=${region}`];
  for (const id of identities.values()) {
    const prefix = `identity.${id.accessKeyId}`;
    lines.push(`${prefix}.secret=${id.secretAccessKey}`, `${prefix}.principal=${id.principal}`);
    if (id.sessionToken) lines.push(`${prefix}.session-token=${id.sessionToken}`);
    if (id.expiresAt !== undefined) lines.push(`${prefix}.expires-ms=${Math.floor(id.expiresAt)}`);
    if (id.sessionMs !== undefined) lines.push(`${prefix}.session-ms=${Math.floor(id.sessionMs)}`);
    if (id.denied) lines.push(`${prefix}.denied=true`);
    if (id.refusals) lines.push(`${prefix}.refusals=${id.refusals}`);
  }
  // Base64 and ARNs hold no backslash, the one character Java properties would unescape.
  return `${lines.join('\n')}\n`;
}

/** Lines of MskIamValidator.java's decisions file. */
export function parseDecisions(text: string): AuthDecision[] {
  const decisions: AuthDecision[] = [];
  for (const line of text.split('\n')) {
    const [at = '', decision, accessKeyId = '', detail = '', principal = ''] = line.split('\t');
    if (decision === 'ACCEPT') {
      decisions.push({
        at: Number(at),
        decision,
        accessKeyId,
        sessionMs: Number(detail),
        principal,
      });
    } else if (decision === 'REFUSE') {
      decisions.push({ at: Number(at), decision, accessKeyId, reason: detail });
    }
  }
  return decisions;
}
