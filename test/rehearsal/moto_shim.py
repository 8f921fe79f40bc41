"""moto's server, with what `cdk deploy` of the collector needs and moto 5.2.1 lacks.

Run as `python3 test/rehearsal/moto_shim.py -H 127.0.0.1 -p <port>`, in place of
`python3 -m moto.server`. It patches moto's own backends, so it is pinned: any other moto
version stops it at once rather than rehearsing against behaviour nobody checked.

What it adds (test/rehearsal/README.md says why each is needed):
- CloudFormation resource types AWS::CloudWatch::Alarm (into moto's CloudWatch backend),
  AWS::SQS::QueuePolicy (the queue's Policy attribute) and AWS::S3::BucketPolicy (the bucket's
  policy), each in moto's own backend;
- bucket policy statements with a Condition left out of moto's own S3 access checks, which
  ignore conditions: the TLS-only deny (`aws:SecureTransport` false) would otherwise refuse every
  request, since the rehearsal's stand for HTTPS ones but are plain HTTP on loopback;
- change-set answers as CloudFormation gives them: DescribeChangeSet of a set that does not exist
  answers ChangeSetNotFoundException (moto: ValidationError), DeleteChangeSet of one succeeds, as
  long as the stack exists (moto: a 500);
- a stack's outputs after a change set ran (moto keeps those of the template before it, none for a
  new stack, so the CLI finds no BootstrapVersion and no output is printed);
- executing an update: moto hands the SSM parameter's resolved value (the bootstrap version) back
  to its SSM lookup as if it were the parameter's name, and fails; a value that names no
  parameter is taken as already resolved.
"""

import sys

import moto

PINNED = "5.2.1"
if moto.__version__ != PINNED:
    sys.exit(
        f"test/rehearsal/moto_shim.py patches moto {PINNED}, this is {moto.__version__}: "
        f"pip install -r requirements-dev.txt"
    )

from moto.cloudformation.exceptions import CloudFormationError  # noqa: E402
from moto.cloudformation.models import CloudFormationBackend  # noqa: E402
from moto.cloudformation.parsing import ResourceMap  # noqa: E402
from moto.cloudwatch.models import cloudwatch_backends  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402
from moto.s3.models import FakeBucket, s3_backends  # noqa: E402
from moto.sqs.models import sqs_backends  # noqa: E402
from moto.ssm.models import ssm_backends  # noqa: E402
from moto.utilities.utils import get_partition  # noqa: E402


class ShimAlarm(CloudFormationModel):
    """An AWS::CloudWatch::Alarm, kept as an alarm of moto's CloudWatch backend."""

    # moto files every model under the service its module names.
    __module__ = "moto.cloudwatch.rehearsal_shim"

    def __init__(self, alarm):
        self.alarm = alarm

    @staticmethod
    def cloudformation_type():
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type():
        return "AlarmName"

    @property
    def physical_resource_id(self):
        return self.alarm.name

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Arn":
            return self.alarm.alarm_arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        p = cloudformation_json["Properties"]
        backend = cloudwatch_backends[account_id][region_name]
        alarm = backend.put_metric_alarm(
            name=resource_name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p.get("ComparisonOperator"),
            evaluation_periods=int(p.get("EvaluationPeriods", 1)),
            period=int(p.get("Period", 60)),
            threshold=float(p.get("Threshold", 0)),
            statistic=p.get("Statistic"),
            extended_statistic=p.get("ExtendedStatistic"),
            description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions", [])],
            alarm_actions=p.get("AlarmActions", []),
            ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            datapoints_to_alarm=p.get("DatapointsToAlarm"),
            treat_missing_data=p.get("TreatMissingData"),
            unit=p.get("Unit"),
            actions_enabled=p.get("ActionsEnabled", True),
        )
        return cls(alarm)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        cls.delete_from_cloudformation_json(
            original_resource.physical_resource_id, cloudformation_json, account_id, region_name
        )
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])

    def delete(self, account_id, region_name):
        cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])


class ShimQueuePolicy(CloudFormationModel):
    """An AWS::SQS::QueuePolicy: the Policy attribute of each of its queues."""

    __module__ = "moto.sqs.rehearsal_shim"

    def __init__(self, name, queue_urls, account_id, region_name):
        self.name = name
        self.queue_urls = queue_urls
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type():
        return "AWS::SQS::QueuePolicy"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.name

    @staticmethod
    def _set(queue_urls, policy, account_id, region_name):
        backend = sqs_backends[account_id][region_name]
        for url in queue_urls:
            backend.set_queue_attributes(url.rsplit("/", 1)[-1], {"Policy": policy})

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        import json

        p = cloudformation_json["Properties"]
        cls._set(p["Queues"], json.dumps(p["PolicyDocument"]), account_id, region_name)
        return cls(resource_name, p["Queues"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        return cls.create_from_cloudformation_json(
            original_resource.name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        queues = cloudformation_json.get("Properties", {}).get("Queues", [])
        cls._set(queues, "", account_id, region_name)

    def delete(self, account_id, region_name):
        self._set(self.queue_urls, "", account_id, region_name)


_get_permission = FakeBucket.get_permission


def _unconditional_permission(self, action, resource):
    """moto's check, on the policy's statements that carry no Condition."""
    import json

    if self.policy is None:
        return _get_permission(self, action, resource)
    policy = json.loads(self.policy.decode())
    statements = policy.get("Statement", [])
    kept = [st for st in (statements if isinstance(statements, list) else [statements]) if "Condition" not in st]
    original = self.policy
    try:
        self.policy = json.dumps({**policy, "Statement": kept}).encode() if kept else None
        return _get_permission(self, action, resource)
    finally:
        self.policy = original


FakeBucket.get_permission = _unconditional_permission


class ShimBucketPolicy(CloudFormationModel):
    """An AWS::S3::BucketPolicy: the policy of its bucket, in moto's S3 backend."""

    __module__ = "moto.s3.rehearsal_shim"

    def __init__(self, name, bucket, account_id, region_name):
        self.name = name
        self.bucket = bucket
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type():
        return "AWS::S3::BucketPolicy"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.name

    @staticmethod
    def _backend(account_id, region_name):
        return s3_backends[account_id][get_partition(region_name)]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        import json

        p = cloudformation_json["Properties"]
        cls._backend(account_id, region_name).put_bucket_policy(
            p["Bucket"], json.dumps(p["PolicyDocument"]).encode()
        )
        return cls(resource_name, p["Bucket"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        return cls.create_from_cloudformation_json(
            original_resource.name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        bucket = cloudformation_json.get("Properties", {}).get("Bucket")
        if bucket:
            cls._backend(account_id, region_name).delete_bucket_policy(bucket)

    def delete(self, account_id, region_name):
        self._backend(account_id, region_name).delete_bucket_policy(self.bucket)


class ChangeSetNotFoundException(CloudFormationError):
    """What CloudFormation answers for a change set that does not exist (404)."""

    code = "ChangeSetNotFoundException"


def _find_change_set(backend, change_set_name):
    if change_set_name in backend.change_sets:  # an ARN
        return change_set_name
    for key, change_set in backend.change_sets.items():
        if change_set.change_set_name == change_set_name:
            return key
    raise ChangeSetNotFoundException(f"ChangeSet [{change_set_name}] does not exist")


def _describe_change_set(self, change_set_name):
    return self.change_sets[_find_change_set(self, change_set_name)]


def _delete_change_set(self, change_set_name):
    try:
        del self.change_sets[_find_change_set(self, change_set_name)]
    except ChangeSetNotFoundException:
        pass


_execute_change_set = CloudFormationBackend.execute_change_set


def _execute_change_set_with_outputs(self, change_set_name, stack_name=None):
    _execute_change_set(self, change_set_name, stack_name)
    stack = self.stacks[self.change_sets[_find_change_set(self, change_set_name)].stack_id]
    stack._parse_template()
    stack.output_map = stack._create_output_map()


CloudFormationBackend.describe_change_set = _describe_change_set
CloudFormationBackend.delete_change_set = _delete_change_set
CloudFormationBackend.execute_change_set = _execute_change_set_with_outputs


_parse_ssm_parameter = ResourceMap.parse_ssm_parameter


def _parse_ssm_parameter_or_value(self, value, value_type):
    if ssm_backends[self._account_id][self._region_name].get_parameter(value) is None:
        return value.split(",") if value_type.find("List") > 0 else value
    return _parse_ssm_parameter(self, value, value_type)


ResourceMap.parse_ssm_parameter = _parse_ssm_parameter_or_value


if __name__ == "__main__":
    from moto.server import main

    main()
