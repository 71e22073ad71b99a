"""Ops split a hot SKU's stock into buckets before a flash sale and merge it after, over the API."""

import json

from functions.inventory_api.handler import handler as inventory_api
from shared.aws.stores import inventory_store, order_store
from shared.inventory import StockRecord
from shared.usecases.reserve_stock import reserve_stock
from tests.integration.conftest import api_request
from tests.integration.inventory_books import routed_order

BUCKETS = "/stock/{sku}/{warehouse_id}/buckets"


def call(method: str, resource: str, sku: str, warehouse: str, body: dict | None = None):
    path = resource.replace("{sku}", sku).replace("{warehouse_id}", warehouse)
    return api_request(inventory_api, method, resource, path, json.dumps(body) if body is not None else None, sku=sku, warehouse_id=warehouse)


def test_split_before_the_sale_reserve_then_merge_after(aws):
    inventory_store().put_stock(StockRecord(sku="FLASH-1", warehouse_id="WH-A", on_hand=80, safety_stock=4))
    status, layout = call("POST", BUCKETS, "FLASH-1", "WH-A", {"buckets": 8})
    assert (status, layout["buckets"], layout["changed"]) == (200, 8, True)
    status, stock = call("GET", "/stock/{sku}/{warehouse_id}", "FLASH-1", "WH-A")
    assert (stock["on_hand"], stock["available"], stock["buckets"]) == (80, 76, 8)  # summed over the buckets

    order_id = routed_order([("WH-A", "FLASH-1", 3)])
    reserve_stock(order_id, order_store(), inventory_store())
    status, answer = call("DELETE", BUCKETS, "FLASH-1", "WH-A")
    assert status == 409 and "held by reservations" in answer["message"]

    status, answer = call("POST", BUCKETS, "FLASH-1", "WH-A", {"buckets": 1})
    assert status == 400 and answer["errors"][0]["field"] == "buckets"
    assert call("GET", "/stock/{sku}/{warehouse_id}", "NOPE", "WH-A")[0] == 404


def test_each_refused_layout_names_its_own_rule(aws):
    inventory_store().put_stock(StockRecord(sku="FLASH-2", warehouse_id="WH-A", on_hand=10))
    assert call("POST", BUCKETS, "FLASH-2", "WH-A", {"buckets": 4})[0] == 200
    status, answer = call("POST", BUCKETS, "FLASH-2", "WH-A", {"buckets": 3})
    assert (status, answer["errors"][0]["rule"]) == (409, "already_split")
    status, answer = call("POST", BUCKETS, "NOPE", "WH-A", {"buckets": 4})
    assert (status, answer["errors"][0]["rule"]) == (409, "no_stock")
    order_id = routed_order([("WH-A", "FLASH-2", 1)])
    reserve_stock(order_id, order_store(), inventory_store())
    status, answer = call("DELETE", BUCKETS, "FLASH-2", "WH-A")
    assert (status, answer["errors"][0]["rule"]) == (409, "reservations_held")
