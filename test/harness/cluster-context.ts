import { inject } from 'vitest';
import { type ClusterControl, clusterControl } from './cluster-control.js';
import type { KafkaClusterInfo } from './kafka/cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster shared by the cluster project's test files (see cluster-setup.ts). */
    cluster: KafkaClusterInfo & { control: string };
  }
}

/**
 * How long a SCRAM-SHA-256 session lasts on the shared cluster's SASL_SSL listener
 * (`connections.max.reauth.ms` for that mechanism): 60 times shorter than an MSK IAM token's
 * 15 minutes, so a minute of traffic spans what an hour does on MSK.
 */
export const REAUTH_SESSION_MS = 15_000;

/** The region of the shared cluster's MSK IAM: tokens must be signed for it. */
export const CLUSTER_REGION = 'us-east-1';

/** The shared cluster: connection details, and the remote control of its brokers. */
export interface SharedCluster extends KafkaClusterInfo {
  control: ClusterControl;
}

/**
 * The cluster started once by the cluster project's global setup. Use a fresh topic per test,
 * and leave every broker running and every replica in sync when the test ends.
 */
export function sharedCluster(): SharedCluster {
  const { control, ...info } = inject('cluster');
  return { ...info, control: clusterControl(control) };
}
