"""Operations figures API: the console's overview (health index, queues, flow), the seed's KPIs
with their targets, the signed-in user, order search and a SKU's stock across warehouses. Every
figure comes from the aggregates the order-change stream maintains: no order scan."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel

from shared.aws.page_tokens import NOT_OURS
from shared.aws.stores import inventory_store, operations_store, order_store
from shared.clock import utc_now
from shared.http_api import build_resolver, error_response, json_response, query_time
from shared.openapi_contract import iam_http_function
from shared.lifecycle import OrderStatus
from shared.operations.access import caller_of
from shared.operations.limits import stuck_list_limit_minutes
from shared.operations.domain import ALL
from shared.operations.order_search import SearchRequest, SearchResult, search
from shared.operations.stuck import StuckOrder, stuck_orders
from shared.operations.usecases import kpis, overview

app = build_resolver()


class BadToken(Exception):
    """A next_token this API never gave out (garbage, cut short, another list's)."""


@app.exception_handler(BadToken)
def _bad_token(error: BadToken):
    return error_response(400, NOT_OURS, "query.next_token", "query_invalid")


class Session(BaseModel):
    name: str
    groups: list[str]
    console: bool


class WarehouseStock(BaseModel):
    warehouse_id: str
    name: str | None
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    buckets: int


class SkuStock(BaseModel):
    sku: str
    warehouses: list[WarehouseStock]


@app.get("/operations/overview", summary="The console's overview: health index, queues, flow, today's KPIs")
def get_overview():
    return json_response(200, overview(operations_store(), utc_now()))


@app.get("/operations/kpis", summary="The seed's KPIs: baseline, target, today, trend; per rule-set version and routing strategy")
def get_kpis(days: Annotated[int, Query(ge=1, le=90)] = 14):
    return json_response(200, kpis(operations_store(), utc_now(), days))


@app.get("/operations/session", summary="Who is calling and in which groups")
def get_session() -> Session:
    caller = caller_of(app.current_event.raw_event)
    return Session(name=caller.name, groups=sorted(caller.groups), console=caller.console)


@app.get("/operations/orders", summary="Search orders: id or channel order id, buyer, status, channel, dates, phone's last 4 digits")
def get_orders(
    q: Annotated[str | None, Query(max_length=100)] = None,
    channel: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[OrderStatus | None, Query()] = None,
    buyer: Annotated[str | None, Query(max_length=100)] = None,
    phone_last4: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    created_from: Annotated[str | None, Query(max_length=40)] = None,
    created_to: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    next_token: Annotated[str | None, Query()] = None,
) -> SearchResult:
    since, until = query_time(created_from, "created_from"), query_time(created_to, "created_to", end=True)
    request = SearchRequest(q=q, channel=channel, status=status, buyer=buyer, phone_last4=phone_last4, created_from=since, created_to=until, limit=limit, next_token=next_token)
    try:
        return search(order_store(), request)
    except ValueError as error:
        if str(error) != NOT_OURS:
            raise
        raise BadToken from error


@app.get("/operations/stock/<sku>", summary="A SKU's stock in every warehouse, summed over its buckets")
def get_sku_stock(sku: str) -> SkuStock:
    inventory = inventory_store()
    rows = []
    for warehouse in inventory.warehouses():
        stock = inventory.warehouse_stock(sku, warehouse.warehouse_id, consistent=False)
        total = stock.total()
        if total is None:
            continue
        rows.append(WarehouseStock(warehouse_id=warehouse.warehouse_id, name=getattr(warehouse, "name", None), on_hand=total.on_hand, reserved=total.reserved, safety_stock=total.safety_stock, available=total.available, buckets=len(stock.buckets) if stock.bucketed else 0))
    return SkuStock(sku=sku, warehouses=rows)


class StuckOrders(BaseModel):
    orders: list[StuckOrder]
    limits: dict[str, int]


@app.get("/operations/stuck", summary="Open orders past their stage's time limit, oldest first, per status")
def get_stuck(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> StuckOrders:
    store, limits, now = order_store(), stuck_list_limit_minutes(), utc_now()
    # The aggregates' gauges say which statuses can hold a stuck order: only those are read.
    gauges = operations_store().gauges_of([ALL], now)[ALL]
    found = stuck_orders(store.db, store.table, limits, now, limit, gauges)
    return StuckOrders(orders=found, limits={s.value: m for s, m in limits.items()})


ANSWERS: dict[str, dict[int, str]] = {"GET /operations/orders": {400: "a parameter breaks a rule (named in errors), or next_token is not one this API gave out"}}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
