"""Queues (each with its dead-letter queue), the event bus and its rules, from topology."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.nag import acknowledge
from infra.naming import mark, pascal

# A dead letter waits two weeks (the SQS maximum) for someone to look at it and redrive it.
DEAD_LETTER_RETENTION = Duration.days(14)
# Main queues keep messages as long as SQS allows too: a consumer that is down over a long
# weekend must not turn into lost orders.
QUEUE_RETENTION = Duration.days(14)
# An event EventBridge cannot deliver is retried for an hour, then parked in the rule's
# dead-letter queue, whose alarm tells someone. Delivery to SQS fails only on outages or a
# broken queue policy; an hour covers the first and does not hide the second for a day.
RULE_TARGET_MAX_EVENT_AGE = Duration.hours(1)
RULE_TARGET_RETRY_ATTEMPTS = 20

# topology patterns use EventBridge's JSON field names; EventPattern uses Python names.
_PATTERN_FIELDS = {
    "source": "source",
    "detail-type": "detail_type",
    "detail": "detail",
    "account": "account",
    "region": "region",
    "resources": "resources",
    "id": "id",
    "time": "time",
    "version": "version",
}


class Messaging(Construct):
    """topology.QUEUES, BUSES and RULES.

    `dead_letter_queues` maps a label (what the DLQ protects) to the DLQ, so monitoring can put
    an alarm on every one of them without knowing where each came from.
    """

    def __init__(self, scope: Construct, id_: str, *, settings: EnvironmentSettings) -> None:
        super().__init__(scope, id_)
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self.buses: dict[str, events.EventBus] = {}
        self.rules: dict[str, events.Rule] = {}

        for spec in topology.QUEUES:
            self._add_queue(spec)
        for bus in topology.BUSES:
            self.buses[bus.key] = events.EventBus(
                self, f"{pascal(bus.key)}Bus", event_bus_name=f"{settings.stack_name}-{bus.key}"
            )
            mark(self.buses[bus.key], bus.key)
        for partner_bus in topology.PARTNER_BUSES:
            # A partner bus bears its event source's name; the partner must have created the
            # source (it waits as "pending" in EventBridge) before the stack is deployed.
            source = settings.partner_event_sources[partner_bus.key]
            self.buses[partner_bus.key] = events.EventBus(
                self,
                f"{pascal(partner_bus.key)}Bus",
                event_source_name=source,  # the bus takes the source's name
                description=partner_bus.description,
            )
            mark(self.buses[partner_bus.key], partner_bus.key)
        for rule in topology.RULES:
            self._add_rule(rule)

    def _add_queue(self, spec: topology.Queue) -> None:
        dead_letters = dead_letter_queue(self, f"{pascal(spec.key)}DeadLetterQueue", fifo=spec.fifo)
        self.dead_letter_queues[spec.key] = dead_letters
        queue = sqs.Queue(
            self,
            f"{pascal(spec.key)}Queue",
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=QUEUE_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=dead_letters
            ),
            **_fifo_settings(spec.fifo),
        )
        mark(queue, spec.key)
        self.queues[spec.key] = queue

    def _add_rule(self, spec: topology.Rule) -> None:
        # The rule's own DLQ holds events EventBridge could not put on the target queue.
        dead_letters = rule_dead_letter_queue(self, f"{pascal(spec.key)}RuleDeadLetterQueue")
        self.dead_letter_queues[f"rule {spec.key}"] = dead_letters
        rule = events.Rule(
            self,
            f"{pascal(spec.key)}Rule",
            event_bus=self.buses[spec.bus],
            description=spec.description,
            event_pattern=event_pattern(spec.pattern),
        )
        rule.add_target(
            targets.SqsQueue(
                self.queues[spec.target_queue],
                dead_letter_queue=dead_letters,
                max_event_age=RULE_TARGET_MAX_EVENT_AGE,
                retry_attempts=RULE_TARGET_RETRY_ATTEMPTS,
            )
        )
        mark(rule, spec.key)
        self.rules[spec.key] = rule



def _fifo_settings(fifo: bool) -> dict:
    """A FIFO queue deduplicates on the producer's MessageDeduplicationId, per message group,
    with high-throughput limits (per group, not per queue)."""
    if not fifo:
        return {}
    return {
        "fifo": True,
        "content_based_deduplication": False,
        "deduplication_scope": sqs.DeduplicationScope.MESSAGE_GROUP,
        "fifo_throughput_limit": sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    }


def dead_letter_queue(scope: Construct, id_: str, fifo: bool = False) -> sqs.Queue:
    return sqs.Queue(
        scope,
        id_,
        retention_period=DEAD_LETTER_RETENTION,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        **({"fifo": True} if fifo else {}),
    )


def rule_dead_letter_queue(scope: Construct, id_: str) -> sqs.Queue:
    """The DLQ of an EventBridge rule target: events EventBridge could not deliver."""
    queue = dead_letter_queue(scope, id_)
    acknowledge(
        queue,
        "SQS3",
        "This queue is the dead-letter queue of an EventBridge rule target (DeadLetterConfig); "
        "cdk-nag only recognises DLQs named in an SQS redrive policy.",
    )
    return queue


def event_pattern(pattern: dict) -> events.EventPattern:
    unknown = set(pattern) - set(_PATTERN_FIELDS)
    if unknown:
        raise ValueError(
            f"event pattern fields {sorted(unknown)} are not supported by EventPattern"
        )
    return events.EventPattern(**{_PATTERN_FIELDS[name]: _matchers(value) for name, value in pattern.items()})


# Content filters in topology are written as EventBridge writes them ({"prefix": "wms."});
# CDK's typed EventPattern wants them as Match tokens.
_MATCHERS = {
    "prefix": events.Match.prefix,
    "anything-but": events.Match.anything_but,
    "exists": events.Match.exists,
}


def _matchers(values: list | dict) -> list | dict:
    if isinstance(values, dict):  # a nested field of `detail`: convert its leaves
        return {name: _matchers(value) for name, value in values.items()}
    converted = []
    for value in values:
        if isinstance(value, dict):
            [(name, argument)] = value.items()
            if name not in _MATCHERS:
                raise ValueError(f"event pattern filter {name!r} is not supported (use one of {sorted(_MATCHERS)})")
            converted.extend(_MATCHERS[name](argument))
        else:
            converted.append(value)
    return converted
