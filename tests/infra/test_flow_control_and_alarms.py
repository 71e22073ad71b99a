"""Promotion flow control and alarms that reach someone (issue 11): subscribers required in
staging and prod, capacity alarms, queue triggers capped, visibility timeouts, prod workflow logs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infra import topology
from infra.config import NoAlarmSubscriberError, parse_settings
from tests.infra.conftest import Synthesized


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_staging_and_prod_refuse_to_synthesize_without_an_alarm_subscriber(env_name: str, cdk_context: dict[str, Any]) -> None:
    environments = json.loads(json.dumps(cdk_context["oms:environments"]))
    environments[env_name]["alarm_emails"] = []
    with pytest.raises(NoAlarmSubscriberError, match=f"{env_name}.*alarm_emails"):
        parse_settings(env_name, environments, 41)
    environments[env_name]["alarm_emails"] = ["not an address"]
    with pytest.raises(ValueError, match="not email addresses"):
        parse_settings(env_name, environments, 41)


def test_dev_may_have_no_subscriber_and_the_shipped_placeholders_are_example_addresses(cdk_context: dict[str, Any]) -> None:
    environments = cdk_context["oms:environments"]
    assert parse_settings("dev", environments, 41).alarm_emails == tuple(environments["dev"]["alarm_emails"])
    for env_name in ("staging", "prod"):
        emails = parse_settings(env_name, environments, 41).alarm_emails
        assert emails and all(e.endswith("@example.com") for e in emails)  # the operator replaces them (runbook)


def test_the_alarm_topic_emails_the_subscribers(dev: Synthesized, cdk_context: dict[str, Any]) -> None:
    subscriptions = dev.of_type("AWS::SNS::Subscription").values()
    assert {s["Properties"]["Endpoint"] for s in subscriptions if s["Properties"]["Protocol"] == "email"} == set(cdk_context["oms:environments"]["dev"]["alarm_emails"])


def _alarms(dev: Synthesized) -> dict[str, dict[str, Any]]:
    return {a["Properties"]["AlarmName"]: a["Properties"] for a in dev.of_type("AWS::CloudWatch::Alarm").values()}


def test_capacity_alarms_watch_throttles_everywhere_and_the_order_to_outbound_p99(dev: Synthesized) -> None:
    alarms = _alarms(dev)
    for function in topology.FUNCTIONS:
        alarm = alarms[f"oms-dev {function.key} function throttles"]
        assert alarm["MetricName"] == "Throttles" and alarm["Threshold"] == 1
    for table in topology.TABLES:
        alarm = alarms[f"oms-dev {table.key} table throttled requests"]
        names = {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}
        assert names == {"ReadThrottleEvents", "WriteThrottleEvents"}
    for workflow in topology.WORKFLOWS:
        assert alarms[f"oms-dev {workflow.key} executions throttled"]["MetricName"] == "ExecutionThrottled"
    latency = alarms["oms-dev order to outbound p99"]
    assert latency["MetricName"] == "OrderToOutboundSeconds" and latency["ExtendedStatistic"] == "p99"
    for queue in topology.QUEUES:
        assert f"oms-dev {queue.key} dead letters" in alarms
    for alarm in alarms.values():
        assert alarm["AlarmActions"], alarm["AlarmName"]


def test_queue_triggers_have_a_maximum_concurrency_and_visibility_above_six_timeouts(dev: Synthesized) -> None:
    # Queue triggers only: a stream's mapping (StartingPosition) reads its shards in order instead.
    mappings = [m for m in dev.of_type("AWS::Lambda::EventSourceMapping").values() if "StartingPosition" not in m["Properties"]]
    caps = sorted(m["Properties"].get("ScalingConfig", {}).get("MaximumConcurrency") for m in mappings)
    assert caps == sorted(q.max_concurrency for q in topology.QUEUES if q.consumer)
    assert all(caps)
    total = sum(caps)
    assert total < 1000 / 3  # queue floods leave two thirds of the default account quota to the workflow and APIs
    for queue in topology.QUEUES:
        if queue.consumer:
            consumer = topology.function(queue.consumer)
            assert queue.visibility_timeout_seconds >= 6 * consumer.timeout_seconds + queue.max_batching_window_seconds


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_the_queue_caps_and_the_modelled_need_fit_the_environment_s_concurrency_quota(
    env_name: str, synthesize: Callable[[str], Synthesized], cdk_context: dict[str, Any]
) -> None:
    """Decision 205: at the most orders per second the stage's API lets in, the queue triggers'
    caps (as synthesized) plus the modelled concurrency of the functions without a cap (the stored
    footprint run, benchmarks/data/aws_footprint.json) fit in the quota cdk.json says the account
    has; and the account alarm watches 80% of that quota."""
    from benchmarks.aws_footprint import RESULT_FILE
    from benchmarks.footprint import concurrency
    from infra.monitoring import ACCOUNT_CONCURRENCY_ALARM_SHARE

    settings = parse_settings(env_name, cdk_context["oms:environments"], 41)
    synthesized = synthesize(env_name)
    mappings = [m for m in synthesized.of_type("AWS::Lambda::EventSourceMapping").values() if "StartingPosition" not in m["Properties"]]
    assert sum(m["Properties"]["ScalingConfig"]["MaximumConcurrency"] for m in mappings) == sum(concurrency.caps().values())
    assert not any("ReservedConcurrentExecutions" in f["Properties"] for f in synthesized.of_type("AWS::Lambda::Function").values())
    stored = json.loads(RESULT_FILE.read_text("utf-8"))
    planned = concurrency.need(stored["lambdas"], stored["rate"], settings.api_throttle_rate_limit)
    assert planned["total"] <= settings.lambda_concurrency_quota, f"{env_name}: {planned['total']:.0f} concurrent executions needed, quota {settings.lambda_concurrency_quota}"
    [alarm] = [a["Properties"] for a in synthesized.of_type("AWS::CloudWatch::Alarm").values() if a["Properties"]["AlarmName"].endswith("account lambda concurrency")]
    assert (alarm["Namespace"], alarm["MetricName"], alarm.get("Dimensions")) == ("AWS/Lambda", "ConcurrentExecutions", None)
    assert alarm["Threshold"] == round(ACCOUNT_CONCURRENCY_ALARM_SHARE * settings.lambda_concurrency_quota)


def test_a_concurrency_quota_is_required_and_not_below_the_default(cdk_context: dict[str, Any]) -> None:
    environments = json.loads(json.dumps(cdk_context["oms:environments"]))
    assert parse_settings("prod", environments, 41).lambda_concurrency_quota == 3000  # raised: docs/runbook.md, before a promotion
    environments["prod"]["lambda_concurrency_quota"] = 300
    with pytest.raises(ValueError, match="below AWS's default"):
        parse_settings("prod", environments, 41)
    del environments["prod"]["lambda_concurrency_quota"]
    with pytest.raises(ValueError, match="lacks the setting 'lambda_concurrency_quota'"):
        parse_settings("prod", environments, 41)


def test_prod_logs_workflow_errors_only_without_execution_data(synthesize: Callable[[str], Synthesized]) -> None:
    machines = list(synthesize("prod").of_type("AWS::StepFunctions::StateMachine").values())
    assert machines
    for machine in machines:
        logging = machine["Properties"]["LoggingConfiguration"]
        assert logging["Level"] == "ERROR" and logging["IncludeExecutionData"] is False


def test_dev_keeps_every_workflow_event_with_its_data(dev: Synthesized) -> None:
    for machine in dev.of_type("AWS::StepFunctions::StateMachine").values():
        logging = machine["Properties"]["LoggingConfiguration"]
        assert logging["Level"] == "ALL" and logging["IncludeExecutionData"] is True


def test_no_queue_trigger_gathers_for_a_batching_window() -> None:
    # Decision 250: the local SQS poller (local/sqs_poller.py) hands over what a receive returns at
    # once, as a mapping without a window does. A window would be a wait that AWS adds to every
    # message at a quiet hour (up to the window, before the function runs) and the local runtime
    # hides; on the intake queue it was up to 1 s of every order's time to its outbound note.
    assert [q.key for q in topology.QUEUES if q.consumer and q.max_batching_window_seconds] == []
