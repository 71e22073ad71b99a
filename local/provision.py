"""Creates oms's resources in moto from infra/topology.py, the same declaration the CDK app reads."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any


from infra import topology
from infra.topology import Function, Index, Workflow
from local import moto_patches
from shared.aws.clients import client

ACCOUNT = "123456789012"  # moto's default account
PARTNER_APP_ID = "0000000"  # stands in for the partner's id in a partner event source's name
LOCAL_ENV_NAME = "local"  # the embedded runtime's environment in cdk.json's per-environment settings
SERVICES = ("dynamodb", "sqs", "events", "iam", "lambda", "stepfunctions", "s3", "secretsmanager")


@dataclass
class LocalResources:
    prefix: str
    env: dict[str, str] = field(default_factory=dict)  # env var -> table name / queue URL / ARN
    function_names: dict[str, str] = field(default_factory=dict)  # function key -> name
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    dead_letter_queue_urls: dict[str, str] = field(default_factory=dict)
    state_machine_arns: dict[str, str] = field(default_factory=dict)
    bus_names: dict[str, str] = field(default_factory=dict)  # bus key (partner buses too) -> name
    bucket_names: dict[str, str] = field(default_factory=dict)
    stream_arns: dict[str, str] = field(default_factory=dict)  # table key -> its change stream

    def env_for(self, function: Function) -> dict[str, str]:
        env = {topology.env_var_of(u.resource): self.env[topology.env_var_of(u.resource)] for u in function.uses}
        for queue in topology.QUEUES:
            if queue.consumer == function.key:
                env[queue.dead_letter_env_var] = self.env[queue.dead_letter_env_var]
        return {**env, **topology.function_settings(function, LOCAL_ENV_NAME)}


def partner_source_name(bus: topology.PartnerBus, prefix: str) -> str:
    return f"aws.partner/{bus.partner}/{PARTNER_APP_ID}/{prefix}"


def render_definition(workflow: Workflow, function_arns: dict[str, str]) -> str:
    """The ASL with each ${Placeholder} replaced, as CDK's definition_substitutions does."""
    text = workflow.definition.read_text("utf-8")
    for placeholder, function_key in workflow.function_placeholders.items():
        text = text.replace("${" + placeholder + "}", function_arns[function_key])
    if "${" in text:
        raise ValueError(f"{workflow.definition.name} has a placeholder the topology does not fill")
    return text


def _tiny_zip() -> bytes:
    # moto wants a code package; the local runtime runs the handler from the source tree instead.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    raise RuntimeError('runs in process')\n")
    return buffer.getvalue()


def provision(prefix: str = "oms-local", clients: dict[str, Any] | None = None) -> LocalResources:
    c = clients or {name: client(name) for name in SERVICES}
    res = LocalResources(prefix=prefix)
    moto_patches.install_partner_bus_names()

    for table in topology.TABLES:
        name = f"{prefix}-{table.key}"
        attributes = {table.partition_key, table.sort_key} | {k for i in table.indexes for k in (i.partition_key, i.sort_key)}
        spec: dict[str, Any] = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
            "KeySchema": _key_schema(table.partition_key, table.sort_key),
        }
        if table.indexes:
            spec["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.partition_key, index.sort_key),
                    "Projection": _projection(index),
                }
                for index in table.indexes
            ]
        if table.stream:
            spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream}
        created = c["dynamodb"].create_table(**spec)["TableDescription"]
        if table.stream:
            res.stream_arns[table.key] = created["LatestStreamArn"]
        if table.ttl_attribute:
            c["dynamodb"].update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
        res.env[table.env_var] = name

    for queue in topology.QUEUES:
        fifo = {"FifoQueue": "true"} if queue.fifo else {}
        suffix = ".fifo" if queue.fifo else ""
        dlq_url = c["sqs"].create_queue(QueueName=f"{prefix}-{queue.key}-dlq{suffix}", Attributes=fifo)["QueueUrl"]
        dlq_arn = c["sqs"].get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = c["sqs"].create_queue(
            QueueName=f"{prefix}-{queue.key}{suffix}",
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}),
                **fifo,
                **({"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"} if queue.fifo else {}),
            },
        )["QueueUrl"]
        res.queue_urls[queue.key] = url
        res.queue_arns[queue.key] = c["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        res.dead_letter_queue_urls[queue.key] = dlq_url
        res.env[queue.env_var] = url
        res.env[queue.dead_letter_env_var] = dlq_url

    for bus in topology.BUSES:
        name = f"{prefix}-{bus.key}"
        c["events"].create_event_bus(Name=name)
        res.env[bus.env_var] = name
        res.bus_names[bus.key] = name
    for partner_bus in topology.PARTNER_BUSES:
        # The partner creates its source; here we play the partner, then associate the bus.
        source = partner_source_name(partner_bus, prefix)
        c["events"].create_partner_event_source(Name=source, Account=ACCOUNT)
        c["events"].create_event_bus(Name=source, EventSourceName=source)
        res.bus_names[partner_bus.key] = source
    for rule in topology.RULES:
        bus_name = res.bus_names[rule.bus]
        rule_name = f"{prefix}-{rule.key}"
        c["events"].put_rule(Name=rule_name, EventBusName=bus_name, EventPattern=json.dumps(rule.pattern), State="ENABLED")
        c["events"].put_targets(
            Rule=rule_name, EventBusName=bus_name, Targets=[{"Id": rule.target_queue, "Arn": res.queue_arns[rule.target_queue]}]
        )

    for bucket in topology.BUCKETS:
        name = f"{prefix}-{bucket.key}".replace("_", "-")
        c["s3"].create_bucket(Bucket=name)
        if bucket.notify_queue:
            rules = [{"Name": "prefix", "Value": bucket.notify_prefix}, {"Name": "suffix", "Value": bucket.notify_suffix}]
            c["s3"].put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={
                    "QueueConfigurations": [
                        {"QueueArn": res.queue_arns[bucket.notify_queue], "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": rules}}}
                    ]
                },
            )
        res.env[bucket.env_var] = name
        res.bucket_names[bucket.key] = name

    for secret in topology.SECRETS:
        # Empty, as the stack creates it; local/seed.py puts the local shops' secrets.
        arn = c["secretsmanager"].create_secret(Name=f"{prefix}/{secret.key}", SecretString="{}")["ARN"]
        res.env[secret.env_var] = arn

    # The notices' email sender, verified as the account has it on AWS (decision 126).
    (c.get("ses") or client("ses")).verify_email_identity(EmailAddress=topology.NOTICE_EMAIL_FROM)

    role_arn = c["iam"].create_role(
        RoleName=f"{prefix}-local",
        AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]}, "Action": "sts:AssumeRole"}]}
        ),
    )["Role"]["Arn"]

    # Task functions must exist before the workflow that names their ARNs, and the workflow before
    # the functions that start it.
    workflow_keys = {w.key for w in topology.WORKFLOWS}

    def starts_workflows(function: Function) -> bool:
        return any(u.resource in workflow_keys for u in function.uses)

    arns: dict[str, str] = {}
    for function in [f for f in topology.FUNCTIONS if not starts_workflows(f)]:
        arns[function.key] = _create_function(c, res, function, role_arn)
    for workflow in topology.WORKFLOWS:
        arn = c["stepfunctions"].create_state_machine(
            name=f"{prefix}-{workflow.key}",
            definition=render_definition(workflow, arns),
            roleArn=role_arn,
            type="EXPRESS" if workflow.express else "STANDARD",
        )["stateMachineArn"]
        res.state_machine_arns[workflow.key] = arn
        res.env[workflow.env_var] = arn
    for function in [f for f in topology.FUNCTIONS if starts_workflows(f)]:
        arns[function.key] = _create_function(c, res, function, role_arn)
    return res


def _create_function(c: dict[str, Any], res: LocalResources, function: Function, role_arn: str) -> str:
    name = f"{res.prefix}-{function.key}"
    res.function_names[function.key] = name
    return c["lambda"].create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="handler.handler",
        Code={"ZipFile": _tiny_zip()},
        Timeout=function.timeout_seconds,
        MemorySize=function.memory_mb,
        Environment={"Variables": res.env_for(function)},
    )["FunctionArn"]


def _projection(index: Index) -> dict[str, Any]:
    if index.projection is None:
        return {"ProjectionType": "ALL"}
    if not index.projection:
        return {"ProjectionType": "KEYS_ONLY"}
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)}


def _key_schema(partition_key: str, sort_key: str) -> list[dict[str, str]]:
    return [{"AttributeName": partition_key, "KeyType": "HASH"}, {"AttributeName": sort_key, "KeyType": "RANGE"}]


