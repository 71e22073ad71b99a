"""A platform's cancellation that comes before its order, on the running local runtime (its SQS
pollers, its workflow): the closed trade's message is kept, the order, when its webhook comes, is
cancelled before the workflow releases it, and nothing reaches the warehouse (decision 264)."""

from __future__ import annotations

import copy
import time

from local.demo import SETTLED, http
from local.runtime import LocalRuntime
from local.seed import load_seed
from tests.runtime.test_sandbox_platforms import _post_webhook, _tmall_trade, _until


def test_a_closed_trade_delivered_before_the_trade_itself_cancels_it_when_it_comes():
    document = _tmall_trade(str(time.time_ns()))
    closed = copy.deepcopy(document)
    closed["trade_fullinfo_get_response"]["trade"]["status"] = "TRADE_CLOSED"  # the buyer cancelled at once
    with LocalRuntime() as runtime:
        load_seed()
        order_id = _post_webhook(runtime, closed)  # the cancellation: queued for after-sales
        kept = lambda: runtime.client("dynamodb").query(  # noqa: E731
            TableName=runtime.resources.env["ORDERS_TABLE"],
            KeyConditionExpression="pk = :pk AND begins_with(sk, :waiting)",
            ExpressionAttributeValues={":pk": {"S": f"ORDER#{order_id}"}, ":waiting": {"S": "AFTERSALES_WAITING#"}},
            ConsistentRead=True,
        )["Items"]
        assert _until(kept, timeout=20)  # the consumer found no order and kept the request
        assert _post_webhook(runtime, document) == order_id  # the order's own webhook, late
        details = _until(lambda: (d := http("GET", f"{runtime.api_url}/orders/{order_id}")[1])["order"]["status"] in {*SETTLED, "CANCELLED"} and d)
        time.sleep(1.0)  # anything the workflow would still do to it
        details = http("GET", f"{runtime.api_url}/orders/{order_id}")[1]
        assert details["order"]["status"] == "CANCELLED", [e["cause"] for e in details["timeline"]]
        assert details["outbound_notes"] == []  # never released to a warehouse
        assert kept() == []  # sent again and removed
