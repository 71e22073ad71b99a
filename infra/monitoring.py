"""Alarms on every asynchronous edge, one SNS topic they all notify, and a dashboard.

The design's promise is "no lost orders, stuck orders found within minutes": a message in any
dead-letter queue, a queue whose oldest message is too old, a failed or timed-out workflow run,
a function error or an API server error each page through the same topic.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.naming import pascal
from shared.observability import ORDER_TO_OUTBOUND_METRIC

ONE_MINUTE = Duration.minutes(1)
FIVE_MINUTES = Duration.minutes(5)
GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
# The account's concurrent executions alarm at this share of the environment's quota (cdk.json
# lambda_concurrency_quota, decision 205): before the functions throttle, not after.
ACCOUNT_CONCURRENCY_ALARM_SHARE = 0.8
# Business metrics the handlers emit through Powertools (EMF, namespace and service "oms"):
# intake counts accepted and duplicate orders, notification released ones, order_exception
# failed ones.
ORDER_METRICS = ("OrdersAccepted", "OrdersDuplicate", "OrdersReleased", "OrdersFailed")
# An order is with its warehouse within this many seconds at p99, promotion peak included
# (the workflow takes about a second; the intake queue absorbs bursts for a few minutes).
ORDER_TO_OUTBOUND_P99_SECONDS = 300

# The stuck-order detector (functions/stuck_orders) counts what it found and did every minute.
STUCK_METRICS = ("OrdersStuck", "OrdersRedriven", "StuckOrdersEscalated", "OrdersInException")


CONSOLE_4XX_RATE_ALARM = 0.25
CONSOLE_4XX_MIN_REQUESTS = 20


def oms_metric(name: str, statistic: str, period: Duration) -> cloudwatch.Metric:
    """A business metric the handlers emit through Powertools (EMF, namespace and service oms)."""
    return cloudwatch.Metric(namespace="oms", metric_name=name, dimensions_map={"service": "oms"}, statistic=statistic, period=period)


# Reconciliation (shared/reconciliation): the scheduler counts differences waiting for a person for
# over a day every 5 minutes; the runner counts runs the platform kept failing.
RECONCILIATION_ALARMS = {
    "ReconciliationUnresolvedOverADay": "Reconciliation differences have waited for a person for over a day (GET /reconciliation/runs).",
    "ReconciliationRunsFailed": "A reconciliation run failed: the platform stayed unreachable or refused the credentials.",
}

# The order health index (订单健康度), 0-100, published each minute by operations_snapshot.
ORDER_HEALTH_INDEX = cloudwatch.Metric(
    namespace="oms", metric_name="OrderHealthIndex", dimensions_map={"service": "oms"}, statistic="Minimum", period=ONE_MINUTE
)
HEALTH_INDEX_ALARM_BELOW = 80
STREAM_LAG_ALARM_MS = 60_000


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: EnvironmentSettings,
        queues: dict[str, sqs.Queue],
        dead_letter_queues: dict[str, sqs.Queue],
        state_machines: dict[str, sfn.StateMachine],
        functions: dict[str, lambda_.Function],
        api_stage: apigw.Stage,
        tables: dict[str, dynamodb.Table] | None = None,
        stream_consumers: dict[str, lambda_.Function] | None = None,
        console_stage: apigw.Stage | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self._prefix = settings.stack_name
        self.alarm_topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{settings.stack_name}-alarms",
            display_name=f"oms {settings.name} alarms",
            enforce_ssl=True,
        )
        for email in settings.alarm_emails:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(email))
        self.alarms: list[cloudwatch.Alarm] = []

        for label, queue in dead_letter_queues.items():
            self._alarm(
                f"{label} dead letters",
                queue.metric_approximate_number_of_messages_visible(
                    period=ONE_MINUTE, statistic="Maximum"
                ),
                threshold=1,
                description=f"A message could not be processed and waits in the {label} DLQ.",
            )
        for key, queue in queues.items():
            self._alarm(
                f"{key} queue oldest message age",
                queue.metric_approximate_age_of_oldest_message(
                    period=ONE_MINUTE, statistic="Maximum"
                ),
                threshold=settings.alarm_oldest_message_age_seconds,
                description=f"Messages in the {key} queue wait longer than expected: "
                "its consumer is down, throttled or too slow.",
            )
        for key, machine in state_machines.items():
            self._alarm(
                f"{key} executions failed",
                machine.metric_failed(period=ONE_MINUTE, statistic="Sum"),
                threshold=1,
                description=f"A {key} run failed: its order is in EXCEPTION.",
            )
            self._alarm(
                f"{key} executions timed out",
                machine.metric_timed_out(period=ONE_MINUTE, statistic="Sum"),
                threshold=1,
                description=f"A {key} run timed out: its order may be stuck.",
            )
        for key, function in functions.items():
            self._alarm(
                f"{key} function errors",
                function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
                threshold=settings.alarm_function_errors,
                description=f"The {key} function raised errors (not 4xx answers).",
            )
        # Capacity: each of these means work is being refused or delayed right now.
        for key, function in functions.items():
            self._alarm(
                f"{key} function throttles",
                function.metric_throttles(period=ONE_MINUTE, statistic="Sum"),
                threshold=1,
                description=f"The {key} function was throttled: the account's or the queue's "
                "concurrency is exhausted (docs/runbook.md, promotion capacity).",
            )
        quota = settings.lambda_concurrency_quota
        self._alarm(
            "account lambda concurrency",
            cloudwatch.Metric(namespace="AWS/Lambda", metric_name="ConcurrentExecutions", statistic="Maximum", period=ONE_MINUTE),
            threshold=round(ACCOUNT_CONCURRENCY_ALARM_SHARE * quota),
            description=f"Lambda runs at {ACCOUNT_CONCURRENCY_ALARM_SHARE:.0%} of the account's concurrency quota in this region "
            f"({quota:,}, cdk.json lambda_concurrency_quota): throttles come next. Raise the quota "
            "(docs/runbook.md, before a promotion) and check that cdk.json says what Service Quotas granted.",
        )
        for key, table in (tables or {}).items():
            self._alarm(
                f"{key} table throttled requests",
                cloudwatch.MathExpression(
                    expression="read + write",
                    using_metrics={
                        "read": table.metric("ReadThrottleEvents", period=ONE_MINUTE, statistic="Sum"),
                        "write": table.metric("WriteThrottleEvents", period=ONE_MINUTE, statistic="Sum"),
                    },
                    label=f"{key} throttle events",
                    period=ONE_MINUTE,
                ),
                threshold=1,
                description=f"DynamoDB throttled requests on the {key} table or its indexes: a hot "
                "partition key or the table's throughput quota (docs/architecture.md, capacity).",
            )
        for key, machine in state_machines.items():
            self._alarm(
                f"{key} executions throttled",
                machine.metric("ExecutionThrottled", period=ONE_MINUTE, statistic="Sum"),
                threshold=1,
                description=f"Step Functions refused to start {key} runs (StartExecution quota); "
                "the starter retries, orders wait in the intake queue.",
            )
        self._alarm(
            "order to outbound p99",
            oms_metric(ORDER_TO_OUTBOUND_METRIC, "p99", FIVE_MINUTES),
            threshold=ORDER_TO_OUTBOUND_P99_SECONDS,
            description=f"The p99 time from an order's arrival to its outbound note exceeded "
            f"{ORDER_TO_OUTBOUND_P99_SECONDS} s: the pipeline is backing up.",
        )
        self._alarm(
            "orders stuck",
            oms_metric("OrdersStuck", "Maximum", ONE_MINUTE),
            threshold=1,
            description="Orders stayed in a status past its time limit (cdk.json oms:stuckOrders): "
            "the detector is re-driving or escalating them; see the runbook's stuck orders.",
        )
        self._alarm(
            "stuck orders escalated",
            oms_metric("StuckOrdersEscalated", "Sum", ONE_MINUTE),
            threshold=1,
            description="Re-driving did not move an order on, or it waits on a warehouse, carrier or "
            "replenishment past its limit: StuckOrderEscalated names it; operations must look.",
        )
        for name, description in RECONCILIATION_ALARMS.items():
            self._alarm(
                f"reconciliation {name}",
                cloudwatch.Metric(
                    namespace="oms",
                    metric_name=name,
                    dimensions_map={"service": "oms"},
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                ),
                threshold=1,
                description=description,
            )
        self._alarm(
            "outbox messages unconfirmed",
            cloudwatch.Metric(
                namespace="oms",
                metric_name="OutboxMessagesUnconfirmed",
                dimensions_map={"service": "oms"},
                statistic="Sum",
                period=FIVE_MINUTES,
            ),
            threshold=1,
            description="An outbox message stayed unsent past the WMS queue's deduplication window: "
            "check the WMS for its id before sending it again (runbook).",
        )
        self._alarm(
            "api server errors",
            api_stage.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            threshold=settings.alarm_api_server_errors,
            description="The API answered 5xx.",
        )

        if console_stage is not None:
            self._console_api_alarms(console_stage, settings)

        for key, function in (stream_consumers or {}).items():
            self._alarm(
                f"{key} stream lag",
                function.metric("IteratorAge", period=ONE_MINUTE, statistic="Maximum"),
                threshold=STREAM_LAG_ALARM_MS,
                description=f"The {key} function reads the order-change stream more than "
                f"{STREAM_LAG_ALARM_MS // 1000} s behind: {topology.stream_consumer_of(key).lag_means}.",
            )
        self._alarm(
            "order health index low",
            ORDER_HEALTH_INDEX,
            threshold=HEALTH_INDEX_ALARM_BELOW,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=5,
            description=f"The order health index (订单健康度) stayed below {HEALTH_INDEX_ALARM_BELOW} "
            "for 5 minutes: orders are stuck, in exception, held too long or backordered (docs/console.md).",
        )

        self.dashboard = _dashboard(
            self, settings, queues, dead_letter_queues, state_machines, functions, api_stage
        )

    def _console_api_alarms(self, stage: apigw.Stage, settings: EnvironmentSettings) -> None:
        """The console's own REST API (Console nested stack, behind CloudFront): its 5xx, and a
        4xx rate that says the console is broken for its users (a bad deploy of the site or of
        Cognito: every call refused), not one operator's mistyped search. Same topic as the rest."""
        self._alarm(
            "console api server errors",
            stage.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            threshold=settings.alarm_api_server_errors,
            description="The console's API answered 5xx: operators see errors on their pages.",
        )
        self._alarm(
            "console api client error rate",
            cloudwatch.MathExpression(
                # Only with enough calls to mean something: one operator's two 404s are not 100%.
                expression=f"IF(requests >= {CONSOLE_4XX_MIN_REQUESTS}, errors / requests, 0)",
                using_metrics={
                    "errors": stage.metric_client_error(period=FIVE_MINUTES, statistic="Sum"),
                    "requests": stage.metric_count(period=FIVE_MINUTES, statistic="Sum"),
                },
                period=FIVE_MINUTES,
                label="console API 4xx share",
            ),
            threshold=CONSOLE_4XX_RATE_ALARM,
            evaluation_periods=3,
            description=f"Over {CONSOLE_4XX_RATE_ALARM:.0%} of the console API's calls were refused (4xx) for "
            "15 minutes: sign-in (Cognito tokens, the authoriser) or the site's build is broken.",
        )

    def _alarm(
        self,
        subject: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        comparison: cloudwatch.ComparisonOperator = GTE,
        evaluation_periods: int = 1,
    ) -> cloudwatch.Alarm:
        construct_id = pascal(subject.replace(" ", "_")) + "Alarm"
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self._prefix} {subject}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=comparison,
            # No data means no traffic, not trouble.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.alarm_topic))
        alarm.add_ok_action(actions.SnsAction(self.alarm_topic))
        self.alarms.append(alarm)
        return alarm


def _dashboard(
    scope: Construct,
    settings: EnvironmentSettings,
    queues: dict[str, sqs.Queue],
    dead_letter_queues: dict[str, sqs.Queue],
    state_machines: dict[str, sfn.StateMachine],
    functions: dict[str, lambda_.Function],
    api_stage: apigw.Stage,
) -> cloudwatch.Dashboard:
    def graph(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=metrics, width=8, height=6)

    def labelled(metric: cloudwatch.Metric, label: str) -> cloudwatch.Metric:
        return metric.with_(label=label)

    return cloudwatch.Dashboard(
        scope,
        "Dashboard",
        dashboard_name=settings.stack_name,
        widgets=[
            [
                graph(
                    "Orders",
                    [
                        oms_metric(name, "Sum", ONE_MINUTE)
                        for name in ORDER_METRICS
                    ],
                ),
                graph(
                    "Workflow executions",
                    [
                        labelled(metric(period=ONE_MINUTE, statistic="Sum"), f"{key} {outcome}")
                        for key, machine in state_machines.items()
                        for outcome, metric in (
                            ("started", machine.metric_started),
                            ("succeeded", machine.metric_succeeded),
                            ("failed", machine.metric_failed),
                            ("timed out", machine.metric_timed_out),
                        )
                    ],
                ),
                graph(
                    "API requests and errors",
                    [
                        labelled(api_stage.metric_count(period=ONE_MINUTE), "requests"),
                        labelled(api_stage.metric_client_error(period=ONE_MINUTE), "4xx"),
                        labelled(api_stage.metric_server_error(period=ONE_MINUTE), "5xx"),
                    ],
                ),
            ],
            [
                graph(
                    "Messages sent to queues",
                    [
                        labelled(q.metric_number_of_messages_sent(period=ONE_MINUTE), key)
                        for key, q in queues.items()
                    ],
                ),
                graph(
                    "Queue depth",
                    [
                        labelled(
                            q.metric_approximate_number_of_messages_visible(
                                period=ONE_MINUTE, statistic="Maximum"
                            ),
                            key,
                        )
                        for key, q in queues.items()
                    ],
                ),
                graph(
                    "Dead-letter queue depth",
                    [
                        labelled(
                            q.metric_approximate_number_of_messages_visible(
                                period=ONE_MINUTE, statistic="Maximum"
                            ),
                            label,
                        )
                        for label, q in dead_letter_queues.items()
                    ],
                ),
            ],
            [
                graph("Stuck orders", [oms_metric(name, "Maximum", ONE_MINUTE) for name in STUCK_METRICS]),
                cloudwatch.GraphWidget(
                    title="Order health index (订单健康度)",
                    left=[ORDER_HEALTH_INDEX],
                    left_y_axis=cloudwatch.YAxisProps(min=0, max=100),
                    left_annotations=[cloudwatch.HorizontalAnnotation(value=HEALTH_INDEX_ALARM_BELOW, label="alarm")],
                    width=8,
                    height=6,
                ),
                graph(
                    "Function errors",
                    [
                        labelled(fn.metric_errors(period=ONE_MINUTE, statistic="Sum"), key)
                        for key, fn in functions.items()
                    ],
                ),
            ],
        ],
    )
