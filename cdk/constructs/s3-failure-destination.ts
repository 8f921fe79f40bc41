import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { ON_FAILURE } from '../defaults.js';

/**
 * An S3 bucket as the event source mapping's on-failure destination, with only the rights
 * Lambda documents for it: `s3:PutObject` under the prefix Lambda writes to and
 * `s3:ListBucket`, both only while the bucket is in this account (AWS's advice: a deleted
 * bucket's name can be taken by another account). CDK's own `S3OnFailureDestination` grants
 * read, write and delete on the whole bucket, which the function never needs.
 */
export class S3FailureDestination implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_target: lambda.IEventSourceMapping, fn: lambda.IFunction): lambda.DlqDestinationConfig {
    const inThisAccount = {
      StringEquals: { 's3:ResourceAccount': Stack.of(this.bucket).account },
    };
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListFailureBucket',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: inThisAccount,
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteFailureRecords',
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${ON_FAILURE.keyPrefix}*`)],
        conditions: inThisAccount,
      }),
    );
    return { destination: this.bucket.bucketArn };
  }
}
