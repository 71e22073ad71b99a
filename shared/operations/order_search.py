"""The console's order search: by order id, channel order id, buyer, status, channel, dates, and
the receiver phone's last four digits (checked on the orders the other filters find: no index
holds phone numbers, so it looks through at most PHONE_SCAN_LIMIT of them)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.aws import page_tokens
from shared.aws.order_store import OrderQuery, OrderStore, StoredOrder
from shared.errors import OrderNotFound
from shared.ids import order_id_for
from shared.orders import Channel

PHONE_SCAN_LIMIT = 1000
PHONE_SCAN_PAGES = 10  # pages of the other filters' results (an empty page of older days counts too)


class SearchRequest(BaseModel, defer_build=True):
    q: str | None = None  # an order id, or a channel order id (with or without channel)
    channel: str | None = None
    status: str | None = None
    buyer: str | None = None
    phone_last4: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    limit: int = 50
    next_token: str | None = None


class SearchResult(BaseModel, defer_build=True):
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
    return _phone_search(store, query, request)


def _phone_cursor(token: str | None) -> tuple[str | None, int]:
    """(the other filters' token of the page to read, None for the first; matches of that page
    already shown). Every phone token carries both: a page of 200 orders may hold more matches
    than the page of results has room for, and the rest must come next, not be skipped."""
    if token is None:
        return None, 0
    position = page_tokens.decode(
        token,
        lambda p: isinstance(p, dict) and set(p) == {"at", "skip"} and (p["at"] is None or isinstance(p["at"], str)) and type(p["skip"]) is int and p["skip"] >= 0,
    )
    return position["at"], position["skip"]


def _matches(order: StoredOrder, last4: str) -> bool:
    return bool(order.order.receiver and order.order.receiver.phone.replace(" ", "").endswith(last4))


def _phone_search(store: OrderStore, query: OrderQuery, request: SearchRequest) -> SearchResult:
    assert request.phone_last4
    at, skip = _phone_cursor(request.next_token)
    matches: list[StoredOrder] = []
    seen = 0
    for _ in range(PHONE_SCAN_PAGES):
        page, after = store.list_orders(query.model_copy(update={"limit": 200, "next_token": at}))
        seen += len(page)
        hits = [o for o in page if _matches(o, request.phone_last4)][skip:]
        room = request.limit - len(matches)
        if len(hits) > room:  # the rest of this page's matches come on the next page of results
            matches += hits[:room]
            return SearchResult(orders=matches, next_token=page_tokens.encode({"at": at, "skip": skip + room}), searched=f"phone in the newest {seen} orders")
        matches += hits
        at, skip = after, 0
        if at is None or seen >= PHONE_SCAN_LIMIT or len(matches) >= request.limit:
            break
    token = page_tokens.encode({"at": at, "skip": 0}) if at is not None else None
    return SearchResult(orders=matches, next_token=token, searched=f"phone in the newest {seen} orders")
