"""The console's own REST API (Console nested stack) is watched like the channels' API: a 5xx
alarm and a 4xx-rate alarm, on the one alarm topic staging and prod refuse to deploy without a
subscriber for (infra/config.py NoAlarmSubscriberError)."""

from __future__ import annotations

from typing import Any

from infra.monitoring import CONSOLE_4XX_MIN_REQUESTS, CONSOLE_4XX_RATE_ALARM
from tests.infra.conftest import Synthesized


def _alarms(dev: Synthesized) -> dict[str, dict[str, Any]]:
    return {a["Properties"]["AlarmName"]: a["Properties"] for a in dev.of_type("AWS::CloudWatch::Alarm").values()}


def _console_api_name(dev: Synthesized) -> str:
    names = [r["Properties"]["Name"] for r in dev.of_type("AWS::ApiGateway::RestApi").values() if r["Properties"]["Name"].endswith("-console")]
    assert len(names) == 1, names
    return names[0]


def _dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric["Dimensions"]}


def test_the_console_api_has_a_5xx_alarm(dev: Synthesized, cdk_context: dict[str, Any]) -> None:
    alarm = _alarms(dev)["oms-dev console api server errors"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/ApiGateway", "5XXError", "Sum")
    assert _dimensions(alarm)["ApiName"] == _console_api_name(dev)
    assert alarm["Threshold"] == cdk_context["oms:environments"]["dev"]["alarm_api_server_errors"]
    channels = _alarms(dev)["oms-dev api server errors"]
    assert _dimensions(channels)["ApiName"] != _console_api_name(dev)  # two APIs, two alarms


def test_the_console_api_has_a_4xx_rate_alarm_that_needs_enough_calls(dev: Synthesized) -> None:
    alarm = _alarms(dev)["oms-dev console api client error rate"]
    expression = next(m for m in alarm["Metrics"] if "Expression" in m)
    assert expression["Expression"] == f"IF(requests >= {CONSOLE_4XX_MIN_REQUESTS}, errors / requests, 0)"
    metrics = {m["Id"]: m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert metrics["errors"]["Metric"]["MetricName"] == "4XXError" and metrics["requests"]["Metric"]["MetricName"] == "Count"
    assert {_dimensions(m["Metric"])["ApiName"] for m in metrics.values()} == {_console_api_name(dev)}
    assert alarm["Threshold"] == CONSOLE_4XX_RATE_ALARM and alarm["EvaluationPeriods"] == 3
    assert alarm["TreatMissingData"] == "notBreaching"


def test_the_console_alarms_notify_the_topic_with_the_subscribers(dev: Synthesized) -> None:
    alarms = _alarms(dev)
    topics = {lid: t["Properties"] for lid, t in dev.of_type("AWS::SNS::Topic").items() if t["Properties"].get("TopicName") == "oms-dev-alarms"}
    assert len(topics) == 1
    # The topic Monitoring subscribes settings.alarm_emails to: the one staging and prod refuse
    # to synthesize without a subscriber for (test_flow_control_and_alarms.py).
    topic = [{"Ref": next(iter(topics))}]
    assert alarms["oms-dev api server errors"]["AlarmActions"] == topic
    for name in ("oms-dev console api server errors", "oms-dev console api client error rate"):
        assert alarms[name]["AlarmActions"] == topic and alarms[name]["OKActions"] == topic
