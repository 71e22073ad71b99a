"""Functions run on a timer, from topology.SCHEDULES: an EventBridge schedule rule per entry,
whose Lambda target retries and then parks the event in its own dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import topology
from infra.messaging import RULE_TARGET_MAX_EVENT_AGE, RULE_TARGET_RETRY_ATTEMPTS, rule_dead_letter_queue
from infra.naming import mark, pascal


class Schedules(Construct):
    def __init__(self, scope: Construct, id_: str, *, functions: dict[str, lambda_.IFunction]) -> None:
        """`functions`: what a rule targets, by function key (a SnapStart function's alias)."""
        super().__init__(scope, id_)
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for spec in topology.SCHEDULES:
            dead_letters = rule_dead_letter_queue(self, f"{pascal(spec.key)}DeadLetterQueue")
            self.dead_letter_queues[f"schedule {spec.key}"] = dead_letters
            rule = events.Rule(
                self,
                f"{pascal(spec.key)}Schedule",
                description=spec.description,
                schedule=events.Schedule.expression(f"cron({spec.cron})") if spec.cron else events.Schedule.rate(Duration.minutes(spec.every_minutes)),
            )
            rule.add_target(
                targets.LambdaFunction(
                    functions[spec.function],
                    dead_letter_queue=dead_letters,
                    max_event_age=RULE_TARGET_MAX_EVENT_AGE,
                    retry_attempts=RULE_TARGET_RETRY_ATTEMPTS,
                    event=events.RuleTargetInput.from_object(spec.payload) if spec.payload else None,
                )
            )
            mark(rule, spec.key)
