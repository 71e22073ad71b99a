import json

import boto3
from botocore.exceptions import ClientError

import functions.workflow_starter.handler as starter_module
from functions.workflow_starter.handler import handler as starter
from local.sqs_poller import lambda_record
from shared.aws.stores import order_store
from shared.lifecycle import Actor, OrderStatus, transition_entry
from tests.integration.conftest import context, drain
from tests.integration.test_workflow_steps import accept


def sqs_event(aws, *bodies: str) -> dict:
    records = [
        lambda_record({"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body}, aws.queue_arns["intake"], "us-east-1")
        for i, body in enumerate(bodies)
    ]
    return {"Records": records}


def executions(aws) -> list[str]:
    sfn = boto3.client("stepfunctions")
    return [e["name"] for e in sfn.list_executions(stateMachineArn=aws.state_machine_arns["fulfilment"])["executions"]]


def test_good_records_start_their_workflow_and_poison_goes_to_the_dlq_with_its_reason(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    answer = starter(sqs_event(seeded, json.dumps({"order_id": order_id}), "not json", json.dumps({"order_id": "OMS-MISSING"})), context())
    assert answer["batchItemFailures"] == []  # retrying poison only delays the alarm
    assert executions(seeded) == [order_id]  # named after the order
    dead = drain(boto3.client("sqs"), seeded.dead_letter_queue_urls["intake"], attributes=True)
    reasons = {m["Body"]: m["MessageAttributes"]["reason"]["StringValue"] for m in dead}
    assert reasons["not json"].startswith("not an order reference")
    assert reasons[json.dumps({"order_id": "OMS-MISSING"})] == "order OMS-MISSING does not exist"


def test_a_record_that_fails_for_a_passing_reason_is_retried_alone(seeded, shanghai_order, monkeypatch):
    first, second = accept(shanghai_order), accept({**shanghai_order, "external_id": "SHOP-RETRY-2"})
    real_start = starter_module.start_fulfilment

    def throttled_for_second(order_id):
        if order_id == second:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "StartExecution")
        return real_start(order_id)

    monkeypatch.setattr(starter_module, "start_fulfilment", throttled_for_second)
    answer = starter(sqs_event(seeded, json.dumps({"order_id": first}), json.dumps({"order_id": second})), context())
    assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == ["m1"]
    assert executions(seeded) == [first]


def test_order_already_under_way_is_not_started_again(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    current = order_store().load(order_id)
    order_store().transition(current, OrderStatus.APPROVED, transition_entry(current.status, OrderStatus.APPROVED, Actor.system("test")))
    answer = starter(sqs_event(seeded, json.dumps({"order_id": order_id})), context())
    assert answer["batchItemFailures"] == []
    assert executions(seeded) == []
