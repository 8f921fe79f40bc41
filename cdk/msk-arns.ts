/**
 * MSK IAM resource ARNs, derived from the cluster ARN so the policy names the exact cluster
 * and topics: `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>` for the cluster,
 * `…:topic/<name>/<uuid>/<topic>` for a topic.
 */

/** The parts of an MSK cluster ARN. */
export interface MskCluster {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
  readonly uuid: string;
}

const CLUSTER_ARN =
  /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9-]{1,64})\/([A-Za-z0-9-]+)$/;

/** Splits a cluster ARN; undefined when it is not one. */
export function parseClusterArn(arn: string): MskCluster | undefined {
  const m = CLUSTER_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition, region, account, name, uuid] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { arn, partition, region, account, name, uuid };
}

/** ARN of one topic of the cluster, as `kafka-cluster:WriteData` and `DescribeTopic` expect it. */
export function topicArn(cluster: MskCluster, topic: string): string {
  const { partition, region, account, name, uuid } = cluster;
  return `arn:${partition}:kafka:${region}:${account}:topic/${name}/${uuid}/${topic}`;
}
