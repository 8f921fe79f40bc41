import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { HaystackCollector } from './haystack-collector.js';

/**
 * Every cdk-nag finding this stack accepts, with the reason a reviewer can check. Each is
 * acknowledged on the one construct that raises it, never stack-wide, so a new resource with
 * the same problem still fails the synth. docs/deploy.md lists the same table.
 */
export const ACKNOWLEDGEMENTS = {
  'AwsSolutions-IAM5[Resource::*]':
    'Only the six EC2 network-interface actions that Lambda needs to place the function in the VPC (the same as the AWS managed AWSLambdaVPCAccessExecutionRole). EC2 evaluates them on interfaces that do not exist yet and ec2:Describe* supports no resource-level permissions, so AWS documents them with Resource "*". Every other statement of the role names its exact resources.',
  'AwsSolutions-IAM5[Resource::<FailureBucketArn>/aws/lambda/*]':
    'Lambda names each failure record itself, aws/lambda/<mapping UUID>/<shard>/<date>/<time>-<random UUID>, so the objects cannot be listed in advance: s3:PutObject is granted under the one prefix Lambda writes to, in this one bucket, and only while the bucket belongs to this account (s3:ResourceAccount). The role cannot read, list the contents of, or delete any record.',
  'AwsSolutions-S1':
    "This bucket is itself the target of the failure bucket's server access logs; logging its own access would log the log deliveries, without end. It holds only the access log objects S3 writes, is encrypted, blocks public access and accepts TLS only.",
  'AwsSolutions-SQS3':
    "This queue is itself the dead-letter destination: the event source mapping's on-failure queue. It receives only the metadata (shard, sequence range) of batches given up on and is read by an operator, never by a consumer that could fail, so a further dead-letter queue would never receive anything.",
  'AwsSolutions-KDS3':
    "Only when the settings ask for it (stream.customerManagedKey): the deployer's compliance rules require a customer-managed, yearly rotated key for the span stream, and accept its KMS cost per producer and consumer call.",
  'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId':
    "The subnets are imported only to place the function's network interfaces; nothing in the stack reads or changes their route tables, so their IDs are not needed.",
  'Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones':
    'The VPC is imported only as the parent of the explicitly listed subnets; nothing reads its subnet lists, so its availability zones stay an unresolved token instead of a lookup that would need AWS credentials at synth.',
} as const;

export type AcknowledgedFinding = keyof typeof ACKNOWLEDGEMENTS;

/**
 * Acknowledges the findings of the collector, each on the resource that raises it (the L1
 * resource, not its L2 parent: an acknowledgement on the role would also cover its default
 * policy, where a future wildcard must still fail).
 */
export function acknowledgeFindings(collector: HaystackCollector): void {
  acknowledge(collector.collector.role.node.defaultChild, 'AwsSolutions-IAM5[Resource::*]');
  const { bucket, queue } = collector.source.onFailure;
  if (bucket !== undefined) {
    acknowledge(bucket.accessLogs.node.defaultChild, 'AwsSolutions-S1');
    // The finding names the bucket by its logical ID; the acknowledgement must name it the same.
    const policy = collector.collector.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    const logicalId = Stack.of(collector).getLogicalId(
      bucket.bucket.node.defaultChild as CfnElement,
    );
    acknowledge(policy, 'AwsSolutions-IAM5[Resource::<FailureBucketArn>/aws/lambda/*]', (id) =>
      id.replace('FailureBucketArn', `${logicalId}.Arn`),
    );
  }
  if (queue !== undefined) acknowledge(queue.node.defaultChild, 'AwsSolutions-SQS3');
  if (collector.stream.created && collector.settings.stream.customerManagedKey) {
    acknowledge(collector.stream.stream.node.defaultChild, 'AwsSolutions-KDS3');
  }
  // CDK's own warnings about the imported network, raised on the import constructs themselves.
  acknowledge(
    collector.collector.vpc,
    'Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
  );
  for (const subnet of collector.collector.subnets) {
    acknowledge(subnet, 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId');
  }
}

function acknowledge(
  construct: IConstruct | undefined,
  id: AcknowledgedFinding,
  concrete: (id: string) => string = (x) => x,
): void {
  if (construct === undefined) throw new Error(`No construct to acknowledge ${id} on`);
  Validations.of(construct).acknowledge({ id: concrete(id), reason: ACKNOWLEDGEMENTS[id] });
}
