"""Operator recovery against moto: retry out of EXCEPTION at the step that failed (each step),
bulk retry and bulk approval with a result per order, whitespace-only operators and reasons
refused wherever operators act, and an approval that could only end in EXCEPTION refused."""

from __future__ import annotations

import json

import boto3
import pytest

from functions.order_exception.handler import handler as order_exception
from functions.review.handler import handler as review
from shared.aws.stores import inventory_store, order_store
from shared.lifecycle import OrderStatus
from tests.integration.conftest import context
from tests.integration.test_operations import STEPS, drive, held_order, ops, tea_reserved
from tests.integration.test_workflow_steps import accept

RETRY = {"operator": "ops-zhao", "reason": "WMS connector fixed"}
LAMBDA_TIMEOUT = {"Error": "Lambda.Unknown", "Cause": json.dumps({"errorMessage": "Task timed out"})}


def fail_at(order: dict, stage: str) -> str:
    order_id = drive(order, stage)
    order_exception({"order_id": order_id, "error": LAMBDA_TIMEOUT}, context())
    stored = order_store().load(order_id)
    assert stored.status == OrderStatus.EXCEPTION and stored.failed_status == stage
    return order_id


def retry(order_id: str, body: dict | None = None):
    return ops("POST", "/orders/{order_id}/retry", f"/orders/{order_id}/retry", body or RETRY, order_id=order_id)


def runs_of(order_id: str) -> list[dict]:
    sfn = boto3.client("stepfunctions")
    [machine] = sfn.list_state_machines()["stateMachines"]
    runs = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    return [json.loads(sfn.describe_execution(executionArn=r["executionArn"])["input"]) | {"name": r["name"]} for r in runs if r["name"].startswith(order_id)]


@pytest.mark.parametrize(
    ("stage", "back_to", "resume_at"),
    [
        ("RECEIVED", "RECEIVED", "Review"),
        ("APPROVED", "APPROVED", "Route"),
        ("ROUTED", "APPROVED", "Route"),
        # Entering EXCEPTION gave the held stock back (decision 28): the retry reserves afresh.
        ("RESERVED", "APPROVED", "Route"),
    ],
)
def test_retry_resumes_at_the_step_that_failed(seeded, shanghai_order, stage, back_to, resume_at):
    order_id = fail_at(shanghai_order, stage)
    status, answer = retry(order_id)
    assert status == 200, answer
    assert answer["failed_status"] == stage and answer["status"] == back_to and answer["resume_at"] == resume_at
    [run] = runs_of(order_id)
    assert run["resume_at"] == resume_at and run["name"] == answer["run"]
    entry = order_store().details(order_id).timeline[-1]
    assert entry.actor.name == "ops-zhao" and entry.details["reason"] == "WMS connector fixed"
    assert retry(order_id)[0] == 409  # not in EXCEPTION any more: nothing to retry, no second run
    assert len(runs_of(order_id)) == 1
    if stage == "RESERVED":  # nothing stays held while the order routes again
        assert tea_reserved() == 0


def test_a_failure_after_release_keeps_the_order_released_with_nothing_to_retry(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RELEASED")
    order_exception({"order_id": order_id, "error": LAMBDA_TIMEOUT}, context())
    assert order_store().load(order_id).status == OrderStatus.RELEASED  # its note is with the warehouse
    assert tea_reserved() == 2  # the stock stays held for that shipment
    assert retry(order_id)[0] == 409


def test_a_failed_reservation_gives_back_what_it_held_and_routes_again(seeded, shanghai_order):
    order_id = fail_at(shanghai_order, "RESERVED")
    # Say the exception path gave part of the stock back: the order cannot be released as it is.
    held = inventory_store().reservations(order_id)
    from shared.usecases.settle_reservations import release_reservation

    release_reservation(order_id, "test: partly given back", inventory_store(), warehouse_id=held[0].warehouse_id)
    status, answer = retry(order_id)
    assert status == 200 and answer["status"] == "APPROVED" and answer["resume_at"] == "Route"
    assert tea_reserved() == 0
    for step in ("ROUTED", "RESERVED", "RELEASED"):
        STEPS[step][0](order_id)
    assert order_store().load(order_id).status == OrderStatus.RELEASED and tea_reserved() == 2


def test_bulk_retry_gives_a_result_per_order(seeded, shanghai_order):
    failed = fail_at(shanghai_order, "APPROVED")
    fine = accept({**shanghai_order, "external_id": "SHOP-BULK-2"})
    status, answer = ops("POST", "/orders/retry", "/orders/retry", {**RETRY, "order_ids": [failed, fine, "OMS-NOPE", failed]})
    assert status == 200
    assert [(r["order_id"], r["outcome"]) for r in answer["results"]] == [(failed, "done"), (fine, "refused"), ("OMS-NOPE", "not_found")]
    assert answer["results"][0]["status"] == "APPROVED" and "not EXCEPTION" in answer["results"][1]["message"]


def test_bulk_approval_approves_what_it_can_and_says_why_not_for_the_rest(seeded, shanghai_order):
    bad_phone = accept({**shanghai_order, "external_id": "SHOP-BULK-PHONE", "receiver": {**shanghai_order["receiver"], "phone": "12345"}})
    assert review({"order_id": bad_phone}, context())["decision"] == "ON_HOLD"
    unknown_province = held_order(shanghai_order)
    body = {"order_ids": [bad_phone, unknown_province, "OMS-NOPE"], "operator": "ops-wang", "note": "checked by phone"}
    status, answer = ops("POST", "/review-queue/approve", "/review-queue/approve", body)
    assert status == 200
    outcomes = {r["order_id"]: r for r in answer["results"]}
    assert outcomes[bad_phone]["outcome"] == "done" and outcomes[bad_phone]["status"] == "APPROVED"
    assert outcomes[unknown_province]["outcome"] == "refused" and "corrections.receiver" in outcomes[unknown_province]["message"]
    assert outcomes["OMS-NOPE"]["outcome"] == "not_found"
    assert order_store().load(unknown_province).status == OrderStatus.ON_HOLD
    assert [r["resume_at"] for r in runs_of(bad_phone)] == ["Route"]


def test_approving_an_unknown_province_without_a_correction_is_refused_not_sent_to_exception(seeded, shanghai_order):
    order_id = held_order(shanghai_order)
    status, answer = ops("POST", "/orders/{order_id}/review", f"/orders/{order_id}/review", {"decision": "approve", "operator": "ops-wang"}, order_id=order_id)
    assert status == 400
    [problem] = answer["errors"]
    assert problem["field"] == "corrections.receiver" and problem["rule"] == "required_for_unknown_province"
    assert "'Ontario' is not a Chinese provincial-level division" in problem["message"]
    assert order_store().load(order_id).status == OrderStatus.ON_HOLD and runs_of(order_id) == []
    rejected = ops("POST", "/orders/{order_id}/review", f"/orders/{order_id}/review", {"decision": "reject", "operator": "ops-wang"}, order_id=order_id)
    assert rejected[0] == 200 and rejected[1]["status"] == "REJECTED"  # rejecting needs no address


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("/orders/{order_id}/review", {"decision": "reject", "operator": "   "}),
        ("/orders/{order_id}/cancel", {"reason": "buyer asked", "operator": " \t "}),
        ("/orders/{order_id}/cancel", {"reason": "   ", "operator": "ops-li"}),
        ("/orders/{order_id}/retry", {"reason": "fixed", "operator": "  "}),
        ("/orders/{order_id}/retry", {"reason": "\n", "operator": "ops-li"}),
        ("/orders/retry", {"reason": "fixed", "operator": " ", "order_ids": ["OMS-X"]}),
        ("/review-queue/approve", {"operator": "  ", "order_ids": ["OMS-X"]}),
    ],
)
def test_whitespace_only_operator_or_reason_is_refused_everywhere_operators_act(seeded, shanghai_order, resource, body):
    order_id = held_order(shanghai_order)
    status, answer = ops("POST", resource, resource.replace("{order_id}", order_id), body, order_id=order_id)
    assert status == 400, answer
    [problem] = answer["errors"]
    assert problem["rule"] == "not_blank" and problem["field"] in ("operator", "reason")
    assert order_store().load(order_id).status == OrderStatus.ON_HOLD
