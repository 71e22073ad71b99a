"""The console's order search: by order id, channel order id, buyer, status, channel, dates, and
the receiver phone's last four digits (checked on the orders the other filters find: no index
holds phone numbers, so it looks through at most PHONE_SCAN_LIMIT of them)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.aws.order_store import OrderQuery, OrderStore, StoredOrder
from shared.errors import OrderNotFound
from shared.ids import order_id_for
from shared.orders import Channel

PHONE_SCAN_LIMIT = 1000
PHONE_SCAN_PAGES = 10  # pages of the other filters' results (an empty page of older days counts too)


class SearchRequest(BaseModel):
    q: str | None = None  # an order id, or a channel order id (with or without channel)
    channel: str | None = None
    status: str | None = None
    buyer: str | None = None
    phone_last4: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    limit: int = 50
    next_token: str | None = None


class SearchResult(BaseModel):
    orders: list[StoredOrder]
    next_token: str | None
    searched: str  # how the search was done, for the page to say


def _by_id(store: OrderStore, q: str, channel: str | None) -> list[StoredOrder]:
    candidates = [q] if q.upper().startswith("OMS-") else []
    channels = [channel] if channel else [c.value for c in Channel]
    candidates += [order_id_for(c, q) for c in channels]
    found = []
    for order_id in dict.fromkeys(candidates):
        try:
            found.append(store.load(order_id))
        except OrderNotFound:
            continue
    return found


def search(store: OrderStore, request: SearchRequest) -> SearchResult:
    if request.q and request.q.strip():
        return SearchResult(orders=_by_id(store, request.q.strip(), request.channel), next_token=None, searched="id")
    query = OrderQuery(
        status=request.status, channel=request.channel, customer=request.buyer,
        created_from=request.created_from, created_to=request.created_to,
        limit=request.limit, next_token=request.next_token,
    )
    if not request.phone_last4:
        orders, token = store.list_orders(query)
        return SearchResult(orders=orders, next_token=token, searched="index")
    matches: list[StoredOrder] = []
    seen, token = 0, request.next_token
    for _ in range(PHONE_SCAN_PAGES):
        if seen >= PHONE_SCAN_LIMIT or len(matches) >= request.limit:
            break
        page, token = store.list_orders(query.model_copy(update={"limit": 200, "next_token": token}))
        seen += len(page)
        matches += [o for o in page if o.order.receiver and o.order.receiver.phone.replace(" ", "").endswith(request.phone_last4)]
        if token is None:
            break
    return SearchResult(orders=matches[: request.limit], next_token=token, searched=f"phone in the newest {seen} orders")
