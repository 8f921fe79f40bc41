"""What moto's server holds, as JSON, for the deploy rehearsal (test/cdk/deploy-rehearsal.test.ts).

Usage: python3 test/rehearsal/inventory.py <endpoint> <region>. Asks every service the
collector's stack touches through its own API (boto3, which moto installs), never through
moto's /moto-api/data.json: that one starts a Docker client for Lambda.
"""

import json
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]


def client(service):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="moto",
        aws_secret_access_key="moto",
    )


cfn = client("cloudformation")
stacks = {}
for stack in cfn.describe_stacks()["Stacks"]:
    resources = cfn.describe_stack_resources(StackName=stack["StackId"])["StackResources"]
    stacks[stack["StackName"]] = {
        "status": stack["StackStatus"],
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []},
        "resources": {
            r["LogicalResourceId"]: {"type": r["ResourceType"], "id": r.get("PhysicalResourceId")}
            for r in resources
            if r.get("LogicalResourceId")
        },
    }

lam = client("lambda")
functions = {
    f["FunctionName"]: {
        "memory": f["MemorySize"],
        "runtime": f["Runtime"],
        "handler": f["Handler"],
        "codeSha256": f["CodeSha256"],
    }
    for f in lam.list_functions()["Functions"]
}
mappings = [
    {
        "uuid": m["UUID"],
        "source": m["EventSourceArn"],
        "function": m["FunctionArn"],
        "destination": m.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
    }
    for m in lam.list_event_source_mappings()["EventSourceMappings"]
]

s3 = client("s3")
buckets = {}
for b in s3.list_buckets()["Buckets"]:
    name = b["Name"]
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
    except s3.exceptions.ClientError:
        policy = None
    try:
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        encryption = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    except s3.exceptions.ClientError:
        encryption = None
    buckets[name] = {"encryption": encryption, "policy": policy}

cloudwatch = client("cloudwatch")
print(
    json.dumps(
        {
            "stacks": stacks,
            "functions": functions,
            "mappings": mappings,
            "streams": client("kinesis").list_streams()["StreamNames"],
            "buckets": buckets,
            "alarms": {
                a["AlarmName"]: a["Threshold"] for a in cloudwatch.describe_alarms()["MetricAlarms"]
            },
            "dashboards": [d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]],
            "logGroups": [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]],
            "roles": [r["RoleName"] for r in client("iam").list_roles()["Roles"]],
        }
    )
)
