import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ON_FAILURE } from '../defaults.js';
import type { Settings } from '../settings.js';

/**
 * The bucket that keeps every batch the event source mapping gives up on, whole, until it is
 * replayed (`npm run replay`) or expires: encrypted (SSE-S3), public access blocked, TLS only,
 * versioned (a deleted record stays recoverable for a while), with server access logs in a
 * bucket of their own. Both are retained when the stack is deleted: they hold spans' data and
 * its audit trail.
 */
export class FailureBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** Server access logs of {@link bucket}: who read, replayed or deleted which record. */
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, settings: Settings['onFailure']) {
    super(scope, id);
    // Log delivery through a bucket policy, not the LogDeliveryWrite ACL (which an enforced
    // bucket owner forbids), whatever the feature flags of the app this construct is added to.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // Access log delivery supports SSE-S3 targets only, not SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'ExpireAccessLogs', expiration: Duration.days(ON_FAILURE.accessLogExpiryDays) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'failure-records/',
      lifecycleRules: [
        {
          id: 'ExpireFailureRecords',
          expiration: Duration.days(settings.expiryDays),
          noncurrentVersionExpiration: Duration.days(ON_FAILURE.noncurrentVersionExpiryDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // S3 refuses this flag in a rule that also expires current versions by age.
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
