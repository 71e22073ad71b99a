import json

import boto3

from functions.workflow_starter.handler import handler as starter
from local.sqs_poller import lambda_record
from shared.aws.stores import order_store
from shared.lifecycle import Actor, OrderStatus, transition_entry
from tests.integration.conftest import context
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


def test_good_records_start_their_workflow_and_only_bad_ones_fail(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    answer = starter(sqs_event(seeded, json.dumps({"order_id": order_id}), "not json", json.dumps({"order_id": "OMS-MISSING"})), context())
    assert sorted(f["itemIdentifier"] for f in answer["batchItemFailures"]) == ["m1", "m2"]
    assert executions(seeded) == [order_id]  # named after the order


def test_order_already_under_way_is_not_started_again(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    current = order_store().load(order_id)
    order_store().transition(current, OrderStatus.APPROVED, transition_entry(current.status, OrderStatus.APPROVED, Actor.system("test")))
    answer = starter(sqs_event(seeded, json.dumps({"order_id": order_id})), context())
    assert answer["batchItemFailures"] == []
    assert executions(seeded) == []
