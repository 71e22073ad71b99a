"""The synthesized template and infra/topology.py describe the same system.

Every comparison runs both ways: an entry topology declares that the CDK code forgot fails, and
so does a resource in the template that no topology entry explains. Resources are matched to
topology entries by the `oms:topology-key` tag the CDK code puts on them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import topology
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import (
    by_topology_key,
    dead_letter_queue_ids,
    invoked_function,
    policies_of_role,
    referenced_id,
    referenced_ids,
)

BASE_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "LOG_LEVEL",
    "OMS_ENV",
}
CACHE_PARTS = {"__pycache__", ".pytest_cache"}

# Actions a grant for each kind of resource and access level must give, and actions a read
# grant must not.
REQUIRED_ACTIONS = {
    ("tables", topology.Access.READ): {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"},
    ("tables", topology.Access.WRITE): {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
    ("queues", topology.Access.SEND): {"sqs:SendMessage"},
    ("buses", topology.Access.PUBLISH): {"events:PutEvents"},
    ("workflows", topology.Access.START): {"states:StartExecution"},
    ("buckets", topology.Access.READ): {"s3:GetObject*"},
    ("buckets", topology.Access.WRITE): {"s3:GetObject*", "s3:PutObject"},
    ("secrets", topology.Access.READ): {"secretsmanager:GetSecretValue"},
}
WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "s3:PutObject",
    "s3:DeleteObject*",
    "secretsmanager:PutSecretValue",
}
CONSUME_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage"}
# topology's Route.authorization -> CloudFormation's AuthorizationType
AUTHORIZATION_TYPES = {"NONE": "NONE", "IAM": "AWS_IAM", "COGNITO": "COGNITO_USER_POOLS"}


class Built:
    """Logical ids of what the template built, by topology key."""

    def __init__(self, dev: Synthesized) -> None:
        self.dev = dev
        self.functions = by_topology_key(dev.of_type("AWS::Lambda::Function"))
        self.tables = by_topology_key(dev.of_type("AWS::DynamoDB::Table"))
        self.queues = by_topology_key(dev.of_type("AWS::SQS::Queue"))
        self.buses = by_topology_key(dev.of_type("AWS::Events::EventBus"))
        self.rules = by_topology_key(dev.of_type("AWS::Events::Rule"))
        self.workflows = by_topology_key(dev.of_type("AWS::StepFunctions::StateMachine"))
        self.buckets = by_topology_key(dev.of_type("AWS::S3::Bucket"))
        self.secrets = by_topology_key(dev.of_type("AWS::SecretsManager::Secret"))
        self.resources = {
            **self.tables,
            **self.queues,
            **self.buses,
            **self.workflows,
            **self.buckets,
            **self.secrets,
        }
        self.kind_of = {
            key: kind
            for kind in ("tables", "queues", "buses", "workflows", "buckets", "secrets")
            for key in getattr(self, kind)
        }
        self.key_of = {logical_id: key for key, logical_id in self.resources.items()}
        self.function_key_of = {logical_id: key for key, logical_id in self.functions.items()}
        # function key -> its alias (the SnapStart functions', decision 200)
        self.aliases = {
            self.function_key_of[referenced_id(alias["Properties"]["FunctionName"])]: logical_id
            for logical_id, alias in dev.of_type("AWS::Lambda::Alias").items()
        }

    def invoked_key(self, value: Any) -> str:
        """The function key a caller's reference invokes (through its alias or not)."""
        return self.function_key_of[invoked_function(value, self.dev.resources)]

    def invocation_of(self, function_key: str) -> dict[str, Any]:
        """How a caller names what it invokes: a SnapStart function's alias, any other function."""
        if function_key in self.aliases:
            return {"Ref": self.aliases[function_key]}
        return {"Fn::GetAtt": [self.functions[function_key], "Arn"]}

    def properties(self, logical_id: str) -> dict[str, Any]:
        return self.dev.resources[logical_id]["Properties"]

    def dead_letter_queue_of(self, queue_key: str) -> str:
        redrive = self.properties(self.queues[queue_key])["RedrivePolicy"]
        return referenced_id(redrive["deadLetterTargetArn"])

    def consumed_dead_letter_queues(self, function_key: str) -> dict[str, str]:
        """Env var -> DLQ logical id, for the queues the function consumes (it sends poison there)."""
        return {
            queue.dead_letter_env_var: self.dead_letter_queue_of(queue.key)
            for queue in topology.QUEUES
            if queue.consumer == function_key
        }


@pytest.fixture(scope="module")
def built(dev: Synthesized) -> Built:
    return Built(dev)


# --- the same entries on both sides ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "resource_type", "declared"),
    [
        ("functions", "AWS::Lambda::Function", topology.FUNCTIONS),
        ("tables", "AWS::DynamoDB::Table", topology.TABLES),
        ("buses", "AWS::Events::EventBus", (*topology.BUSES, *topology.PARTNER_BUSES)),
        ("rules", "AWS::Events::Rule", (*topology.RULES, *topology.SCHEDULES)),
        ("workflows", "AWS::StepFunctions::StateMachine", topology.WORKFLOWS),
        ("buckets", "AWS::S3::Bucket", topology.BUCKETS),
        ("secrets", "AWS::SecretsManager::Secret", topology.SECRETS),
    ],
)
def test_each_topology_entry_is_built_once_and_nothing_else_is(
    built: Built, kind: str, resource_type: str, declared: tuple[Any, ...]
) -> None:
    in_template = getattr(built, kind)
    assert set(in_template) == {entry.key for entry in declared}
    untagged = set(built.dev.of_type(resource_type)) - set(in_template.values())
    assert not untagged, f"{resource_type} resources that no topology entry explains: {untagged}"


def test_each_topology_queue_is_built_and_every_other_queue_is_a_dead_letter_queue(
    built: Built,
) -> None:
    assert set(built.queues) == {queue.key for queue in topology.QUEUES}
    dead_letter_queues = dead_letter_queue_ids(built.dev.resources)
    others = set(built.dev.of_type("AWS::SQS::Queue")) - set(built.queues.values())
    assert others == dead_letter_queues


# --- functions ------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.key)
def test_function_runs_its_topology_handler_from_its_directory(
    built: Built, spec: topology.Function
) -> None:
    properties = built.properties(built.functions[spec.key])
    module_file = spec.module.rsplit(".", 1)[-1]
    assert properties["Handler"] == f"{module_file}.handler"
    asset = built.dev.asset_path(properties["Code"]["S3Key"])
    assert _files(asset) == _files(spec.directory), (
        f"{spec.key}: code asset is not {spec.directory}"
    )


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.key)
def test_function_environment_names_exactly_the_resources_it_uses(
    built: Built, spec: topology.Function
) -> None:
    variables = built.properties(built.functions[spec.key])["Environment"]["Variables"]
    expected = {topology.env_var_of(uses.resource): uses.resource for uses in spec.uses}
    dead_letters = built.consumed_dead_letter_queues(spec.key)
    assert set(variables) == BASE_ENVIRONMENT | set(expected) | set(dead_letters) | set(topology.function_settings(spec, "dev"))
    for env_var, resource_key in expected.items():
        assert variables[env_var] == {"Ref": built.resources[resource_key]}, env_var
    for env_var, queue_id in dead_letters.items():
        assert variables[env_var] == {"Ref": queue_id}, env_var
    for name, value in topology.function_settings(spec, "dev").items():
        assert variables[name] == value


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.key)
def test_function_may_touch_only_what_it_uses_at_its_access_level(
    built: Built, spec: topology.Function
) -> None:
    properties = built.properties(built.functions[spec.key])
    statements = policies_of_role(built.dev.resources, referenced_id(properties["Role"]))
    actions_on: dict[str, set[str]] = {}
    for statement in statements:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        for logical_id in referenced_ids(statement["Resource"]):
            actions_on.setdefault(logical_id, set()).update(actions)

    own_log_group = referenced_id(properties["LoggingConfig"]["LogGroup"])
    consumed = {built.queues[queue.key] for queue in topology.QUEUES if queue.consumer == spec.key}
    dead_letters = set(built.consumed_dead_letter_queues(spec.key).values())
    used = {built.resources[uses.resource] for uses in spec.uses}
    streamed = {built.tables[s.table] for s in topology.STREAM_CONSUMERS if s.function == spec.key}
    assert set(actions_on) == used | consumed | dead_letters | streamed | {own_log_group}

    for uses in spec.uses:
        granted = actions_on[built.resources[uses.resource]]
        required = REQUIRED_ACTIONS[(built.kind_of[uses.resource], uses.access)]
        assert required <= granted, (uses, granted)
        if uses.access is topology.Access.READ:
            assert not granted & WRITE_ACTIONS, (uses, granted & WRITE_ACTIONS)
    for queue_id in consumed:
        assert CONSUME_ACTIONS <= actions_on[queue_id]
    for table_id in streamed:
        assert {"dynamodb:GetRecords", "dynamodb:GetShardIterator"} <= actions_on[table_id]
    for queue_id in dead_letters:
        assert actions_on[queue_id] >= {"sqs:SendMessage"}
        assert not actions_on[queue_id] & CONSUME_ACTIONS


# --- API routes -----------------------------------------------------------------------------


def test_api_routes_are_the_topology_routes_with_their_functions(built: Built) -> None:
    paths = _resource_paths(built.dev)
    in_template = {}
    for method in built.dev.of_type("AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        # A method on the root resource points at RestApi.RootResourceId, not at a Resource.
        path = paths.get(referenced_id(properties["ResourceId"]), "/")
        integration = properties["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        in_template[(properties["HttpMethod"], path)] = (
            built.invoked_key(integration["Uri"]),
            properties["AuthorizationType"],
        )
    assert in_template == {
        (route.method, route.path): (route.function, AUTHORIZATION_TYPES[route.authorization])
        for route in topology.ROUTES
    }


# --- queues, consumers, rules ---------------------------------------------------------------


@pytest.mark.parametrize("spec", topology.QUEUES, ids=lambda q: q.key)
def test_queue_settings_and_redrive_follow_topology(built: Built, spec: topology.Queue) -> None:
    properties = built.properties(built.queues[spec.key])
    assert properties["VisibilityTimeout"] == spec.visibility_timeout_seconds
    redrive = properties["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == spec.max_receive_count
    assert referenced_id(redrive["deadLetterTargetArn"]) in dead_letter_queue_ids(
        built.dev.resources
    )


def test_each_consumed_queue_triggers_its_consumer_with_partial_batch_failures(
    built: Built,
) -> None:
    queue_key_of = {logical_id: key for key, logical_id in built.queues.items()}
    mappings = {}
    for mapping in built.dev.of_type("AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        if referenced_id(properties["EventSourceArn"]) in built.tables.values():
            continue  # a table's change stream (test_stream_consumer_...)
        queue = queue_key_of[referenced_id(properties["EventSourceArn"])]
        function = built.invoked_key(properties["FunctionName"])
        assert queue not in mappings, f"queue {queue} has two event source mappings"
        mappings[queue] = (
            function,
            properties.get("FunctionResponseTypes"),
            properties.get("BatchSize"),
            properties.get("MaximumBatchingWindowInSeconds", 0),
        )
    assert mappings == {
        queue.key: (
            queue.consumer,
            ["ReportBatchItemFailures"],
            queue.batch_size,
            queue.max_batching_window_seconds,
        )
        for queue in topology.QUEUES
        if queue.consumer is not None
    }


def _mapping_of(built: Built, spec: topology.StreamConsumer) -> dict[str, Any]:
    [properties] = [
        m["Properties"]
        for m in built.dev.of_type("AWS::Lambda::EventSourceMapping").values()
        if referenced_id(m["Properties"]["EventSourceArn"]) == built.tables[spec.table]
        and built.invoked_key(m["Properties"]["FunctionName"]) == spec.function
    ]
    return properties


def test_a_table_stream_has_at_most_two_consumers() -> None:
    """DynamoDB Streams serves at most two concurrent readers per shard (a third is throttled)."""
    tables = [spec.table for spec in topology.STREAM_CONSUMERS]
    assert all(tables.count(table) <= 2 for table in tables)


@pytest.mark.parametrize("spec", topology.STREAM_CONSUMERS, ids=lambda s: s.key)
def test_stream_consumer_reads_its_table_in_order_and_parks_failures(built: Built, spec: topology.StreamConsumer) -> None:
    table_id = built.tables[spec.table]
    assert built.properties(table_id)["StreamSpecification"] == {"StreamViewType": topology.ORDERS.stream}
    properties = _mapping_of(built, spec)
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (properties["BatchSize"], properties["MaximumRetryAttempts"]) == (spec.batch_size, spec.retry_attempts)
    assert properties.get("MaximumRecordAgeInSeconds") == spec.max_record_age_seconds
    # The aggregator's window is what puts the shard id in its events (its lanes, decision 239).
    assert properties.get("TumblingWindowInSeconds") == spec.tumbling_window_seconds == (900 if spec.function == "operations_aggregator" else None)
    assert referenced_id(properties["DestinationConfig"]["OnFailure"]["Destination"]) == built.queues[spec.failure_queue]
    [criteria] = properties["FilterCriteria"]["Filters"]
    keys = {"sk": {"S": [spec.sort_key_equals]}} if spec.sort_key_equals else {}
    keys |= {"pk": {"S": [{"prefix": spec.partition_key_prefix}]}} if spec.partition_key_prefix else {}
    images = {"NewImage": {"status": {"S": [spec.status_became]}}, "OldImage": {"status": {"S": [{"anything-but": [spec.status_became]}]}}} if spec.status_became else {}
    assert json.loads(criteria["Pattern"]) == {"dynamodb": {"Keys": keys, **images}}


def _rule_admits(rule: Any, value: str | None) -> bool:
    if value is None:  # a field the record lacks matches no rule
        return False
    if isinstance(rule, str):
        return rule == value
    if "prefix" in rule:
        return value.startswith(rule["prefix"])
    return value not in rule["anything-but"]


def _stream_filter_admits(pattern: dict[str, Any], record: dict[str, Any]) -> bool:
    """A Lambda event filter over a stream record: exact strings, {"prefix": ...} and
    {"anything-but": [...]} on its keys and images' string attributes."""
    for part, fields in pattern["dynamodb"].items():
        attributes = record["dynamodb"].get(part, {})
        for name, typed in fields.items():
            if not any(_rule_admits(rule, attributes.get(name, {}).get("S")) for rule in typed["S"]):
                return False
    return True


@pytest.mark.parametrize("spec", topology.STREAM_CONSUMERS, ids=lambda s: s.key)
def test_stream_filter_on_aws_and_locally_admits_the_same_records_and_no_merge_record(built: Built, spec: topology.StreamConsumer) -> None:
    from local.stream_poller import StreamPoller

    [criteria] = _mapping_of(built, spec)["FilterCriteria"]["Filters"]
    pattern = json.loads(criteria["Pattern"])
    # built as local/runtime.py builds it from the same topology entry (never started)
    poller = StreamPoller(
        None, None, "arn", spec.function, lambda event, context: None, "queue",
        sort_key_equals=spec.sort_key_equals, partition_key_prefix=spec.partition_key_prefix, status_became=spec.status_became,
    )
    keys = [("ORDER#o-1", "META"), ("MERGE#m-1", "META"), ("ORDER#o-1", "TL#2026-12-02T08:00:00Z"), ("ORDER#o-1", "NOTE#w-1")]
    changes = {"release": ("RESERVED", "RELEASED"), "after": ("RELEASED", "RELEASED"), "cancel": ("RELEASED", "CANCELLED"), "insert": (None, "RECEIVED")}
    records = {}
    for key in keys:
        for change, (old, new) in changes.items():
            images = {"NewImage": {"status": {"S": new}}, **({"OldImage": {"status": {"S": old}}} if old else {})}
            records[(*key, change)] = {"dynamodb": {"Keys": {"pk": {"S": key[0]}, "sk": {"S": key[1]}}, **images}}
    on_aws = {key for key, record in records.items() if _stream_filter_admits(pattern, record)}
    locally = {key for key, record in records.items() if poller._wanted(record)}
    # a merge record is no order change: neither the aggregator nor the release publisher reads it
    expected = {("ORDER#o-1", "META", "release")} if spec.status_became == "RELEASED" else {("ORDER#o-1", "META", c) for c in changes}
    assert on_aws == locally == expected


@pytest.mark.parametrize("spec", topology.RULES, ids=lambda r: r.key)
def test_rule_pattern_bus_and_target_follow_topology(built: Built, spec: topology.Rule) -> None:
    properties = built.properties(built.rules[spec.key])
    assert properties["EventPattern"] == spec.pattern
    assert referenced_id(properties["EventBusName"]) == built.buses[spec.bus]
    [target] = properties["Targets"]
    assert referenced_id(target["Arn"]) == built.queues[spec.target_queue]


@pytest.mark.parametrize("spec", topology.SCHEDULES, ids=lambda s: s.key)
def test_schedule_runs_its_function_with_retries_and_a_dead_letter_queue(built: Built, spec: topology.Schedule) -> None:
    properties = built.properties(built.rules[spec.key])
    unit = "minute" if spec.every_minutes == 1 else "minutes"
    expected = f"cron({spec.cron})" if spec.cron else f"rate({spec.every_minutes} {unit})"
    assert properties["ScheduleExpression"] == expected
    [target] = properties["Targets"]
    assert (json.loads(target["Input"]) if "Input" in target else None) == spec.payload
    assert built.function_key_of[referenced_id(target["Arn"])] == spec.function
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert referenced_id(target["DeadLetterConfig"]["Arn"]) in built.dev.of_type("AWS::SQS::Queue")


@pytest.mark.parametrize("spec", [b for b in topology.BUCKETS if b.notify_queue], ids=lambda b: b.key)
def test_bucket_tells_its_queue_of_new_objects_and_the_queue_lets_it(
    built: Built, spec: topology.Bucket
) -> None:
    [notification] = built.properties(built.buckets[spec.key])["NotificationConfiguration"][
        "QueueConfigurations"
    ]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert referenced_id(notification["Queue"]) == built.queues[spec.notify_queue]
    assert {(r["Name"], r["Value"]) for r in notification["Filter"]["S3Key"]["Rules"]} == {
        ("prefix", spec.notify_prefix),
        ("suffix", spec.notify_suffix),
    }
    queue_id = built.queues[spec.notify_queue]
    allows_s3 = [
        statement
        for policy in built.dev.of_type("AWS::SQS::QueuePolicy").values()
        if queue_id in referenced_ids(policy["Properties"]["Queues"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
        and statement.get("Principal") == {"Service": "s3.amazonaws.com"}
    ]
    assert allows_s3, "S3 may not send to the queue: CloudFormation would refuse the bucket"


# --- tables ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", topology.TABLES, ids=lambda t: t.key)
def test_table_keys_indexes_and_ttl_follow_topology(built: Built, spec: topology.Table) -> None:
    properties = built.properties(built.tables[spec.key])
    assert properties["KeySchema"] == [
        {"AttributeName": spec.partition_key, "KeyType": "HASH"},
        {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
    ]
    assert {d["AttributeType"] for d in properties["AttributeDefinitions"]} == {"S"}
    indexes = {
        index["IndexName"]: (
            [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]],
            index["Projection"]["ProjectionType"],
            sorted(index["Projection"].get("NonKeyAttributes", [])),
        )
        for index in properties.get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {
        index.name: (
            [(index.partition_key, "HASH"), (index.sort_key, "RANGE")],
            "ALL" if index.projection is None else "INCLUDE" if index.projection else "KEYS_ONLY",
            sorted(index.projection or ()),
        )
        for index in spec.indexes
    }
    if spec.ttl_attribute:
        assert properties["TimeToLiveSpecification"] == {
            "AttributeName": spec.ttl_attribute,
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in properties


# --- workflows ------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", topology.WORKFLOWS, ids=lambda w: w.key)
def test_state_machine_is_the_asl_file_with_topology_substitutions(
    built: Built, spec: topology.Workflow
) -> None:
    properties = built.properties(built.workflows[spec.key])
    assert properties["StateMachineType"] == ("EXPRESS" if spec.express else "STANDARD")
    assert properties["DefinitionSubstitutions"] == {
        placeholder: built.invocation_of(function_key)
        for placeholder, function_key in spec.function_placeholders.items()
    }
    uploaded = built.dev.asset_path(properties["DefinitionS3Location"]["Key"])
    assert json.loads(uploaded.read_text()) == json.loads(spec.definition.read_text())


# --- helpers --------------------------------------------------------------------------------


def _resource_paths(dev: Synthesized) -> dict[str, str]:
    """API Gateway resource logical id -> its full path."""
    resources = dev.of_type("AWS::ApiGateway::Resource")

    def path_of(logical_id: str) -> str:
        properties = resources[logical_id]["Properties"]
        parent = properties["ParentId"]
        parent_id = parent.get("Ref") if isinstance(parent, dict) else None
        prefix = path_of(parent_id) if parent_id in resources else ""
        return f"{prefix}/{properties['PathPart']}"

    return {logical_id: path_of(logical_id) for logical_id in resources}


def _files(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
        and not CACHE_PARTS.intersection(path.relative_to(directory).parts)
        and path.suffix != ".pyc"
    }


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda f: f.key)
def test_function_has_its_sized_memory_and_drops_the_platform_info_lines(built: Built, spec: topology.Function, cdk_context: dict[str, Any]) -> None:
    """Decisions 159 and 160: the memory the sizing rule chose, JSON logs filtered by level."""
    properties = built.properties(built.functions[spec.key])
    assert properties["MemorySize"] == spec.memory_mb == topology.SIZED_MEMORY_MB.get(spec.key, spec.memory_mb)
    logging = properties["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"
    assert logging["SystemLogLevel"] == topology.LAMBDA_SYSTEM_LOG_LEVEL == "WARN"
    assert logging["ApplicationLogLevel"] == cdk_context["oms:environments"]["dev"]["log_level"].upper()


def test_lambda_never_filters_the_metric_lines() -> None:
    """EMF metric lines carry no level: Lambda classes them INFO, so its filter stays at INFO or below."""
    from infra.functions import application_log_level

    assert [application_log_level(level) for level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")] == ["DEBUG", "INFO", "INFO", "INFO", "INFO"]


def test_log_lines_carry_an_rfc3339_timestamp_and_their_level() -> None:
    """Lambda's JSON filter reads `level` only from a line whose timestamp is RFC 3339."""
    import json
    import logging
    import re

    from shared.observability import logger

    record = logging.LogRecord("oms", logging.ERROR, __file__, 1, "probe for the log format", None, None)
    line = json.loads(logger.registered_formatter.format(record))
    assert line["level"] == "ERROR"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", line["timestamp"]), line["timestamp"]


def test_a_refund_waiting_for_its_order_reaches_the_dead_letter_queue_with_its_reason_not_by_redrive() -> None:
    """The after-sales consumer dead-letters such a message itself at its LAST_DELIVERY (decision
    264): the queue must deliver it that often before SQS's redrive would take it without a reason."""
    from shared.aftersales.usecases.waiting import LAST_DELIVERY

    assert topology.AFTERSALES_QUEUE.max_receive_count > LAST_DELIVERY
