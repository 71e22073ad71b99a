"""Every Task of the fulfilment workflow retries transient failures and never a business error."""

import json

from infra import topology

ASL = json.loads(topology.FULFILMENT.definition.read_text("utf-8"))
STEPS = ("Review", "Route", "ReserveStock", "ReleaseToWarehouse")
BUSINESS = {"OrderMovedOn", "StockShortage", "IllegalTransition", "OrderNotFound", "ValidationError"}
TRANSIENT = {"DependencyUnavailable", "StoreUnavailable", "Lambda.ServiceException", "Lambda.TooManyRequestsException", "Sandbox.Timedout", "States.Timeout"}


def test_business_errors_come_first_and_are_never_retried():
    for step in STEPS:
        first, *rest = ASL["States"][step]["Retry"]
        assert BUSINESS <= set(first["ErrorEquals"]) and first["MaxAttempts"] == 0, step
        assert not any(BUSINESS & set(r["ErrorEquals"]) for r in rest), step


def test_transient_failures_are_retried_with_backoff_and_full_jitter_then_anything_once():
    for step in STEPS:
        retriers = ASL["States"][step]["Retry"]
        transient = next(r for r in retriers if TRANSIENT <= set(r["ErrorEquals"]))
        assert transient["MaxAttempts"] >= 3 and transient["BackoffRate"] > 1 and transient["JitterStrategy"] == "FULL", step
        assert retriers[-1]["ErrorEquals"] == ["States.ALL"] and retriers[-1]["MaxAttempts"] == 1, step
        catch_all = ASL["States"][step]["Catch"][-1]
        assert catch_all["ErrorEquals"] == ["States.ALL"] and catch_all["Next"] == "RecordException", step
