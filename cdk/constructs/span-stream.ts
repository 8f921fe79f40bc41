import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Settings } from '../settings.js';

/**
 * The Kinesis stream the spans arrive on: imported by ARN, or created encrypted (the AWS-managed
 * key by default, a rotated customer-managed key on request), on-demand or with a shard count.
 */
export class SpanStream extends Construct {
  readonly stream: kinesis.IStream;
  /** True when this stack created the stream (and so owns its retention). */
  readonly created: boolean;

  constructor(scope: Construct, id: string, settings: Settings['stream']) {
    super(scope, id);
    if (settings.arn !== undefined) {
      this.created = false;
      this.stream = kinesis.Stream.fromStreamAttributes(this, 'Imported', {
        streamArn: settings.arn,
        encryptionKey:
          settings.encryptionKeyArn === undefined
            ? undefined
            : kms.Key.fromKeyArn(this, 'ImportedKey', settings.encryptionKeyArn),
      });
      return;
    }
    this.created = true;
    const encryptionKey = settings.customerManagedKey
      ? new kms.Key(this, 'Key', {
          description: 'Encrypts the Haystack span stream',
          enableKeyRotation: true,
          // Deleting the key would make every record still in the stream unreadable.
          removalPolicy: RemovalPolicy.RETAIN,
        })
      : undefined;
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: settings.name,
      ...(settings.shardCount === undefined
        ? { streamMode: kinesis.StreamMode.ON_DEMAND }
        : { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: settings.shardCount }),
      retentionPeriod: Duration.hours(settings.retentionHours),
      encryption: encryptionKey ? kinesis.StreamEncryption.KMS : kinesis.StreamEncryption.MANAGED,
      encryptionKey,
      // Spans in flight are data: a stack deletion must not silently drop them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
