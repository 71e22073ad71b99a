"""Turns topology's `uses` and queue consumers into environment variables, grants and triggers.

A function learns a resource through the environment variable topology names for it
(topology.env_var_of) and may touch it only through the CDK grant matching its access level:
no hand-written IAM statements, so permissions cannot drift from the topology.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from infra import topology
from infra.nag import acknowledge, arn_of

Access = topology.Access


@dataclass(frozen=True)
class _Kind:
    """How a kind of resource is named to a function and which grant each access level means."""

    reference: Callable[[Any], str]
    grants: dict[Access, Callable[[Any, lambda_.IFunction], Any]]


_TABLE = _Kind(
    reference=lambda table: table.table_name,
    grants={
        Access.READ: lambda table, fn: table.grant_read_data(fn),
        Access.WRITE: lambda table, fn: table.grant_read_write_data(fn),
    },
)
_QUEUE = _Kind(
    reference=lambda queue: queue.queue_url,
    grants={Access.SEND: lambda queue, fn: queue.grant_send_messages(fn)},
)
_BUS = _Kind(
    reference=lambda bus: bus.event_bus_name,
    grants={Access.PUBLISH: lambda bus, fn: bus.grant_put_events_to(fn)},
)
_WORKFLOW = _Kind(
    reference=lambda machine: machine.state_machine_arn,
    grants={Access.START: lambda machine, fn: machine.grant_start_execution(fn)},
)
_BUCKET = _Kind(
    reference=lambda bucket: bucket.bucket_name,
    grants={
        Access.READ: lambda bucket, fn: bucket.grant_read(fn),
        # Write means: read what arrives and put what oms writes (reports); never delete.
        Access.WRITE: lambda bucket, fn: (bucket.grant_read(fn), bucket.grant_put(fn)),
    },
)
_SECRET = _Kind(
    reference=lambda secret: secret.secret_arn,
    grants={Access.READ: lambda secret, fn: secret.grant_read(fn)},
)


@dataclass
class Resources:
    """Every resource a function may use, by topology key."""

    tables: dict[str, dynamodb.Table] = field(default_factory=dict)
    queues: dict[str, sqs.Queue] = field(default_factory=dict)
    buses: dict[str, events.EventBus] = field(default_factory=dict)
    workflows: dict[str, sfn.StateMachine] = field(default_factory=dict)
    buckets: dict[str, s3.Bucket] = field(default_factory=dict)
    secrets: dict[str, secretsmanager.Secret] = field(default_factory=dict)

    def find(self, key: str) -> tuple[_Kind, Any]:
        for kind, resources in (
            (_TABLE, self.tables),
            (_QUEUE, self.queues),
            (_BUS, self.buses),
            (_WORKFLOW, self.workflows),
            (_BUCKET, self.buckets),
            (_SECRET, self.secrets),
        ):
            if key in resources:
                return kind, resources[key]
        raise KeyError(f"topology names a resource {key!r} that the stack did not build")


def grant_uses(functions: dict[str, lambda_.Function], resources: Resources) -> None:
    for spec in topology.FUNCTIONS:
        function = functions[spec.key]
        for uses in spec.uses:
            kind, resource = resources.find(uses.resource)
            grant = kind.grants.get(uses.access)
            if grant is None:
                raise ValueError(
                    f"function {spec.key!r}: access {uses.access.value!r} is not supported for "
                    f"resource {uses.resource!r} (supported: {[a.value for a in kind.grants]})"
                )
            function.add_environment(topology.env_var_of(uses.resource), kind.reference(resource))
            grant(resource, function)
            if kind is _TABLE and _has_indexes(uses.resource):
                acknowledge(
                    function.role,
                    "IAM5",
                    "The DynamoDB grant covers the table's global secondary indexes "
                    "(<table arn>/index/*) so the function can query them; it is scoped to "
                    "this one table.",
                    f"Resource::{arn_of(resource)}/index/*",
                )
            if kind is _BUCKET:
                _acknowledge_bucket_grant(function, resource, uses.access)


def connect_consumers(
    functions: dict[str, lambda_.Function],
    queues: dict[str, sqs.Queue],
    dead_letter_queues: dict[str, sqs.Queue],
    invoked: dict[str, lambda_.IFunction] | None = None,
) -> None:
    """Each queue with a consumer triggers it in batches; a failed message is retried alone
    (ReportBatchItemFailures) until the queue's redrive policy moves it to its DLQ. The consumer
    may also send a poison message to that DLQ itself, with the reason. The mapping invokes what
    `invoked` names for the consumer (a SnapStart function's alias, infra/functions.py)."""
    invoked = invoked or functions
    for spec in topology.QUEUES:
        if spec.consumer is None:
            continue
        consumer = topology.function(spec.consumer)
        dead_letters = dead_letter_queues[spec.key]
        functions[spec.consumer].add_environment(spec.dead_letter_env_var, dead_letters.queue_url)
        dead_letters.grant_send_messages(functions[spec.consumer])
        needed = 6 * consumer.timeout_seconds + spec.max_batching_window_seconds
        if spec.visibility_timeout_seconds < needed:
            # AWS's advice for SQS triggers: a message must not reappear while a batch that holds
            # it may still be waiting or running (and its retries by the runtime).
            raise ValueError(
                f"queue {spec.key!r}: visibility timeout {spec.visibility_timeout_seconds}s is "
                f"under 6 × its consumer {consumer.key!r}'s timeout ({consumer.timeout_seconds}s) "
                f"+ the batching window ({spec.max_batching_window_seconds}s) = {needed}s"
            )
        invoked[spec.consumer].add_event_source(
            event_sources.SqsEventSource(
                queues[spec.key],
                batch_size=spec.batch_size,
                max_batching_window=(
                    Duration.seconds(spec.max_batching_window_seconds)
                    if spec.max_batching_window_seconds
                    else None
                ),
                report_batch_item_failures=True,
                max_concurrency=spec.max_concurrency,
            )
        )


def connect_streams(
    functions: dict[str, lambda_.Function],
    tables: dict[str, dynamodb.Table],
    queues: dict[str, sqs.Queue],
    invoked: dict[str, lambda_.IFunction] | None = None,
) -> None:
    """Each stream consumer reads its table's change stream in order: only the items its filter
    names, a failed batch retried from its first failed record, then its coordinates sent to
    the failure queue (whose depth and age alarm). The mapping invokes what `invoked` names."""
    invoked = invoked or functions
    for spec in topology.STREAM_CONSUMERS:
        keys = {}
        if spec.sort_key_equals:
            keys["sk"] = {"S": lambda_.FilterRule.is_equal(spec.sort_key_equals)}
        if spec.partition_key_prefix:
            keys["pk"] = {"S": lambda_.FilterRule.begins_with(spec.partition_key_prefix)}
        pattern: dict[str, Any] = {"Keys": keys} if keys else {}
        if spec.status_became:  # a change to this status, not a later write of an item already in it
            pattern["NewImage"] = {"status": {"S": lambda_.FilterRule.is_equal(spec.status_became)}}
            pattern["OldImage"] = {"status": {"S": lambda_.FilterRule.not_equals(spec.status_became)}}
        filters = [lambda_.FilterCriteria.filter({"dynamodb": pattern})] if pattern else None
        invoked[spec.function].add_event_source(
            event_sources.DynamoEventSource(
                tables[spec.table],
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=spec.batch_size,
                max_batching_window=Duration.seconds(spec.max_batching_window_seconds),
                retry_attempts=spec.retry_attempts,
                max_record_age=Duration.seconds(spec.max_record_age_seconds) if spec.max_record_age_seconds else None,
                tumbling_window=Duration.seconds(spec.tumbling_window_seconds) if spec.tumbling_window_seconds else None,
                report_batch_item_failures=True,
                on_failure=event_sources.SqsDlq(queues[spec.failure_queue]),
                filters=filters,
            )
        )
        acknowledge(
            functions[spec.function].role,
            "IAM5",
            "Reading a DynamoDB stream needs dynamodb:ListStreams on every stream (*): the "
            "action has no resource scope. The other stream actions are scoped to this table's stream.",
            "Resource::*",
        )


def _acknowledge_bucket_grant(function: lambda_.Function, bucket: s3.Bucket, access: Access) -> None:
    findings = [
        "Action::s3:GetObject*",
        "Action::s3:GetBucket*",
        "Action::s3:List*",
        f"Resource::{arn_of(bucket)}/*",
    ]
    if access is Access.WRITE:
        findings.append("Action::s3:Abort*")
    acknowledge(
        function.role,
        "IAM5",
        "CDK's S3 grants name action families (GetObject*, List*) and every object of this one "
        "bucket: the function reads the files dropped there and writes their reports, whatever "
        "their names; it cannot delete anything.",
        *findings,
    )


def _has_indexes(table_key: str) -> bool:
    return any(table.key == table_key and table.indexes for table in topology.TABLES)
