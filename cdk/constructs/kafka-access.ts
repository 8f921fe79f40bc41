import * as iam from 'aws-cdk-lib/aws-iam';
import { topicArn } from '../msk-arns.js';
import type { Settings } from '../settings.js';

/**
 * Least-privilege access to Kafka for the auth mode:
 * - MSK IAM: `kafka-cluster:Connect` on the cluster and on each other cluster a route writes
 *   to, `DescribeTopic` and `WriteData` on the main, dead-letter and route topics only, each
 *   by its exact ARN; no `WriteDataIdempotently` (the producer is not idempotent), no topic
 *   or group management.
 * - SCRAM: `GetSecretValue` on the one secret, and `kms:Decrypt` with its key only when
 *   Secrets Manager asks for it.
 * - TLS and plaintext: nothing; the network (security groups) is the only gate.
 */
export function grantKafkaAccess(role: iam.IRole, settings: Settings): void {
  for (const statement of kafkaStatements(settings)) role.addToPrincipalPolicy(statement);
}

/** The statements {@link grantKafkaAccess} adds, for tests and the deploy guide. */
export function kafkaStatements({ kafka }: Settings): iam.PolicyStatement[] {
  const { auth, cluster } = kafka;
  switch (auth.mode) {
    case 'iam': {
      if (cluster === undefined) throw new Error('MSK IAM needs the cluster ARN');
      const clusters = [cluster.arn];
      const topics = [
        topicArn(cluster, kafka.topic),
        ...(kafka.deadLetterTopic === undefined ? [] : [topicArn(cluster, kafka.deadLetterTopic)]),
      ];
      for (const route of kafka.routes) {
        // A route with brokers has its own cluster (settings require its ARN with MSK IAM).
        const target = route.brokers === undefined ? cluster : route.cluster;
        if (target === undefined) throw new Error(`Route ${route.name} needs its cluster ARN`);
        clusters.push(target.arn);
        topics.push(topicArn(target, route.topic));
      }
      // Routes may share a topic or a cluster: PolicyStatement lists each resource once.
      return [
        new iam.PolicyStatement({
          sid: 'ConnectToCluster',
          actions: ['kafka-cluster:Connect'],
          resources: clusters,
        }),
        new iam.PolicyStatement({
          sid: 'WriteSpanTopics',
          actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
          resources: topics,
        }),
      ];
    }
    case 'scram': {
      const region = auth.secretArn.split(':')[3];
      return [
        new iam.PolicyStatement({
          sid: 'ReadKafkaCredentials',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [auth.secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptKafkaCredentials',
          actions: ['kms:Decrypt'],
          resources: [auth.secretKeyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
          },
        }),
      ];
    }
    case 'tls':
    case 'plaintext':
      return [];
  }
}
