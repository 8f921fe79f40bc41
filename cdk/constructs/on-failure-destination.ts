import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ON_FAILURE_QUEUE } from '../defaults.js';
import type { Settings } from '../settings.js';
import { FailureBucket } from './failure-bucket.js';
import { S3FailureDestination } from './s3-failure-destination.js';

/** Where the mapping sends a batch it gives up on; exactly one of `bucket` and `queue` is set. */
export interface OnFailureDestination {
  readonly destination: lambda.IEventSourceDlq;
  readonly bucket: FailureBucket | undefined;
  readonly queue: sqs.Queue | undefined;
}

/**
 * Creates the on-failure destination the settings choose, in `scope`: the failure bucket (the
 * whole batch, replayable) or an SQS queue (its shard and sequence range). The queue keeps the
 * construct ID it had before the bucket existed, so a stack that keeps `sqs` keeps its queue
 * (and the messages in it) across the upgrade.
 */
export function createOnFailureDestination(
  scope: Construct,
  settings: Settings['onFailure'],
): OnFailureDestination {
  if (settings.destination === 's3') {
    const bucket = new FailureBucket(scope, 'Failures', settings);
    return { destination: new S3FailureDestination(bucket.bucket), bucket, queue: undefined };
  }
  const queue = new sqs.Queue(scope, 'OnFailure', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(ON_FAILURE_QUEUE.retentionDays),
  });
  return { destination: new SqsDlq(queue), bucket: undefined, queue };
}
