"""Returns across orders (decision 124): every RMA is listed by its state, oldest first, a page at a
time (GET /returns); a return received moves to the received list; RETURN_PENDING has a time limit
per environment (cdk.json oms:stuckOrders) and an order waiting past it is escalated to operations."""

from __future__ import annotations

import json
from datetime import timedelta

from functions.aftersales_api.handler import handler as aftersales_api
from infra import topology
from local.api_gateway import LocalRoute, proxy_event
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aftersales.usecases.returns import ReturnReceipt, receive_return
from shared.aws.stores import inventory_store, order_store
from shared.clock import utc_now
from shared.lifecycle import OrderStatus
from shared.recovery.detect_stuck import detect_stuck_orders
from shared.recovery.policy import StuckPolicy
from shared.usecases.parcel_updates import ParcelUpdate, apply_parcel_update
from tests.integration.conftest import context
from tests.integration.test_aftersales_stages import CHANNEL, ask, deps  # noqa: F401 (fixture)
from tests.integration.test_operations import drive


def returns(query: str) -> tuple[int, dict]:
    event = proxy_event("GET", LocalRoute("GET", "/returns", "test", aftersales_api), "/returns", {}, {}, query, b"")
    answer = aftersales_api(event, context())
    return answer["statusCode"], json.loads(answer["body"])


def returned_order(shanghai_order: dict, n: int) -> tuple[str, dict]:
    receiver = {**shanghai_order["receiver"], "phone": f"1390013900{n}", "detail": f"{shanghai_order['receiver']['detail']} R{n}"}
    order = {**shanghai_order, "external_id": f"{shanghai_order['external_id']}-R{n}", "buyer": {**shanghai_order["buyer"], "buyer_id": f"C-R{n}"}, "receiver": receiver}  # not a duplicate
    order_id = drive(order, "RELEASED")
    apply_parcel_update("ParcelShipped", ParcelUpdate(order_id=order_id, warehouse_id="WH-SH", occurred_at="2026-11-25T10:00:00Z"), "wms.jiading", order_store(), inventory_store())
    return order_id, order


def test_open_returns_are_listed_across_orders_in_pages_and_a_received_one_moves_on(deps, shanghai_order):  # noqa: F811
    ids = []
    for n in range(3):
        order_id, order = returned_order(shanghai_order, n)
        assert apply_refund(ask(order, f"RF-L{n}", whole_order=True), CHANNEL, deps) == "return_expected"
        ids.append(order_id)

    status, first = returns("status=expected&limit=2")
    assert status == 200 and len(first["returns"]) == 2 and first["next_token"]
    status, second = returns(f"status=expected&limit=2&next_token={first['next_token']}")
    listed = [r["order_id"] for r in first["returns"] + second["returns"]]
    assert sorted(listed) == sorted(ids) and second["next_token"] is None  # oldest first, each once

    [rma] = AfterSalesStore().rmas(ids[0])
    receipt = ReturnReceipt(order_id=ids[0], rma_id=rma.rma_id, warehouse_id="WH-SH", receipt_id="RR-L0", lines=[{"sku": "TEA-LONGJING-250G", "sellable": 2}, {"sku": "CUP-CELADON-6PK", "sellable": 1}])
    assert receive_return(receipt, "wms.jiading", deps) == "received"
    assert ids[0] not in [r["order_id"] for r in returns("status=expected")[1]["returns"]]
    assert [r["rma_id"] for r in returns("status=received")[1]["returns"]] == [rma.rma_id]

    assert returns("status=lost")[0] == 400
    status, bad = returns("next_token=bm90LWEtdG9rZW4")
    assert status == 400 and bad["errors"][0]["field"] == "next_token"
    assert returns("next_token=eyJhIjogMX0=")[0] == 400  # {"a": 1}: JSON, not a key of this index


def test_an_order_waiting_for_its_return_past_the_limit_is_escalated(deps, shanghai_order):  # noqa: F811
    limits, redrives = topology.stuck_order_limits("prod")
    assert limits["RETURN_PENDING"] == 360 * 3600  # 15 days: the buyer sends, the parcel travels
    order_id, order = returned_order(shanghai_order, 9)
    apply_refund(ask(order, "RF-L9", whole_order=True), CHANNEL, deps)
    assert order_store().load(order_id).status == OrderStatus.RETURN_PENDING
    published = []
    policy = StuckPolicy.parse(limits, redrives)
    report = detect_stuck_orders(order_store(), policy, lambda *a: None, lambda *a: True, published.extend, now=utc_now() + timedelta(days=16))
    assert report.stuck.get("RETURN_PENDING") == 1
    [escalated] = [e for e in published if getattr(e, "order_id", None) == order_id]
    assert type(escalated).__name__ == "StuckOrderEscalated" and escalated.status == "RETURN_PENDING"
    assert "the buyer's return" in order_store().details(order_id).timeline[-1].cause


def test_rmas_written_before_return_key_are_backfilled_once_and_then_listed(deps, shanghai_order):  # noqa: F811
    from shared.aftersales.backfill import backfill_return_keys
    from shared.aws.dynamo import to_item

    order_id, order = returned_order(shanghai_order, 7)
    assert apply_refund(ask(order, "RF-B7", whole_order=True), CHANNEL, deps) == "return_expected"
    [rma] = AfterSalesStore().rmas(order_id)
    store = order_store()
    key = to_item({"pk": f"ORDER#{order_id}", "sk": f"RMA#{rma.rma_id}"})
    store.db.update_item(TableName=store.table, Key=key, UpdateExpression="REMOVE return_key")  # as written before decision 124
    assert rma.rma_id not in [r["rma_id"] for r in returns("status=expected")[1]["returns"]]
    assert backfill_return_keys(store.db, store.table) == 1
    assert backfill_return_keys(store.db, store.table) == 0  # repeatable: nothing left
    assert rma.rma_id in [r["rma_id"] for r in returns("status=expected")[1]["returns"]]
    assert store.db.get_item(TableName=store.table, Key=key)["Item"]["return_key"]["S"] == "RETURN#expected"
