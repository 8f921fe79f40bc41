import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Duration, Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_LOGICAL_ID } from '../defaults.js';
import { CA_BUNDLE_PATH, functionEnvironment } from '../environment.js';
import type { Settings } from '../settings.js';

/**
 * The collector function: the prebuilt bundle (`npm run build`, the file the tests run) on the
 * current Node.js runtime, arm64, placed in the brokers' VPC, with its own log group and a role
 * that holds only what it uses. Permissions for Kafka, the stream and the on-failure queue are
 * added by the constructs that own those resources.
 */
export class CollectorFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The brokers' VPC and the function's subnets, imported by ID. */
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];

  constructor(scope: Construct, id: string, settings: Settings) {
    super(scope, id);
    const { network, function: fn } = settings;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: fn.logRetentionDays as logs.RetentionDays,
    });

    // Written inline in the role rather than through AWS managed policies, so the review sees
    // every action, and so the network interface rights exist before Lambda checks for them.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Haystack Kinesis collector: reads the span stream, writes to Kafka',
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
        VpcNetworkInterfaces: new iam.PolicyDocument({
          statements: [
            // What AWSLambdaVPCAccessExecutionRole grants for ENIs. EC2 evaluates these on
            // interfaces that do not exist yet, so they take no narrower resource.
            new iam.PolicyStatement({
              actions: [
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:DeleteNetworkInterface',
                'ec2:AssignPrivateIpAddresses',
                'ec2:UnassignPrivateIpAddresses',
              ],
              resources: ['*'],
            }),
          ],
        }),
      },
    });

    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: network.vpcId,
      // Never read: the subnets are given explicitly below, so nothing is looked up (no
      // credentials needed at synth). A token, not stack.availabilityZones, keeps the template free of AZ lists.
      availabilityZones: Fn.getAzs(),
    });

    this.subnets = network.subnetIds.map((subnetId, i) =>
      ec2.Subnet.fromSubnetId(this, `Subnet${i}`, subnetId),
    );

    this.function = new lambda.Function(this, 'Function', {
      functionName: fn.functionName,
      description: 'Haystack spans from Kinesis to Kafka, keyed by TraceId',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(settings.assetPath),
      handler: 'handler.handler',
      memorySize: fn.memoryMb,
      timeout: Duration.seconds(fn.timeoutSeconds),
      reservedConcurrentExecutions: fn.reservedConcurrency,
      environment: functionEnvironment(settings),
      role: this.role,
      logGroup: this.logGroup,
      vpc: this.vpc,
      vpcSubnets: { subnets: this.subnets },
      securityGroups: network.securityGroupIds.map((groupId, i) =>
        // Immutable: the brokers' team owns these groups; this stack must not add rules to them.
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, groupId, {
          mutable: false,
        }),
      ),
      layers: caLayer(this, settings),
    });
    // A fixed ID, so `sam local invoke` and the env-vars files name the function the same way forever.
    (this.function.node.defaultChild as lambda.CfnFunction).overrideLogicalId(FUNCTION_LOGICAL_ID);
  }
}

/**
 * A layer holding the TLS CA bundle at CA_BUNDLE_PATH, when the settings name one. Layers
 * unpack under /opt, so the file is staged as `kafka-ca/ca.pem`; the asset hash follows its
 * content, so an unchanged certificate never causes an update.
 */
function caLayer(scope: Construct, settings: Settings): lambda.ILayerVersion[] | undefined {
  const { auth } = settings.kafka;
  if (auth.mode !== 'tls' || auth.caCertificateFile === undefined) return undefined;
  const staging = mkdtempSync(path.join(os.tmpdir(), 'kafka-ca-layer-'));
  const target = path.join(staging, path.posix.relative('/opt', CA_BUNDLE_PATH));
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(auth.caCertificateFile, target);
  return [
    new lambda.LayerVersion(scope, 'KafkaCaLayer', {
      description: 'CA bundle trusted for the Kafka brokers (KAFKA_SSL_CA_FILE)',
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      code: lambda.Code.fromAsset(staging),
    }),
  ];
}
