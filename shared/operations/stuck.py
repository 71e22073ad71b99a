"""The console's stuck-order list (GET /operations/stuck): open orders past their status's time
limit, oldest first, from the write-sharded status indexes the stuck-order detector reads.

Every shard of every status is one Query of the keys-only index (`updated_at < now - limit`; the
four workflow statuses share by_flow, read once with `created_at < now - the shortest of their
limits`), all sent at once, each for twice its fair share of the page. The entries are merged
oldest first and only the orders that can make the page are read by key, with projections: META's
status, time and channel key (they confirm the index entry, which is eventually consistent;
by_flow's entries get their status there), then the channel order id from the content item. A shard is
read on only while its next entries could still make the page (its last entry is older than the
page's newest), so one round answers almost always, and a shard crowded with entries that are
not stuck (by_flow is ordered on created_at, not on the time the order entered its status) is
read on rather than cut short.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from shared.aws import order_items, status_index
from shared.aws.dynamo import batch_get, to_value
from shared.lifecycle import OrderStatus
from shared.operations.health import Gauges
from shared.operations.limits import OPEN_STATUSES
from shared.operations.parallel import in_parallel

_COUNTED = frozenset(s.value for s in OPEN_STATUSES)  # the statuses the gauges count
MAX_ROUNDS = 20  # pages per shard at most
PARALLEL_QUERIES = 16
_META_FIELDS = "pk, #s, updated_at, channel_key, #o.external_id"  # `order` on META: an order stored before decision 90
_CONTENT_FIELDS = "pk, #o.external_id"


class StuckOrder(BaseModel):
    """One line of the list (the API's answer shape)."""

    order_id: str
    status: str
    channel: str
    external_id: str
    since: str
    limit_minutes: int


@dataclass
class _Shard:
    """One index partition read oldest first: its resume key and the last sort value read."""

    index: str
    key_name: str
    key: str
    sort: str
    before: str
    start: dict[str, Any] | None = None
    last: str = ""
    done: bool = False


@dataclass(eq=False)
class _Candidate:
    pk: str
    since: str  # the index's time: updated_at (by_status) or created_at (by_flow, a lower bound)
    status: str | None  # None: a by_flow entry, its status is on META
    meta: dict[str, Any] | None = None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stuck_orders(
    db: Any, table: str, limits: Mapping[OrderStatus, int], now: datetime, limit: int, gauges: Gauges | None = None
) -> list[StuckOrder]:
    """The `limit` orders longest past their status's limit (minutes), oldest first. With the
    aggregates' gauges (all orders), a status none of whose open orders can be past its limit is
    not read (see may_be_stuck)."""
    before = {s.value: _iso(now - timedelta(minutes=m)) for s, m in limits.items()}
    shards = _shards({s: moment for s, moment in before.items() if may_be_stuck(gauges, s, moment)})
    candidates: list[_Candidate] = []
    for _ in range(MAX_ROUNDS):
        top = _top(candidates, limit)
        # A shard's next entries are newer than its last one: read on only if they could make the page.
        wanted = [s for s in shards if not s.done and (len(top) < limit or s.last < top[-1].since)]
        if not wanted:
            break
        candidates = _confirm(db, table, candidates + _read_pages(db, table, wanted, limit), before, limit)
    chosen = _top(candidates, limit)
    references = _references(db, table, [c.meta for c in chosen if c.meta is not None])
    return [
        StuckOrder(
            order_id=c.pk.removeprefix("ORDER#"),
            status=c.meta["status"],
            channel=references[c.pk][0],
            external_id=references[c.pk][1],
            since=c.since,
            limit_minutes=limits[OrderStatus(c.meta["status"])],
        )
        for c in chosen
        if c.meta is not None
    ]


def may_be_stuck(gauges: Gauges | None, status: str, before: str) -> bool:
    """False only when the gauges prove that every open order in `status` entered it at or after
    `before`: its open count is covered by entry buckets that start at or after it (a bucket
    straddling `before` proves nothing). A workflow status is always read: its limit is minutes,
    and the aggregates may lag that much in a burst; by_flow is small and read once for the four.
    No gauges, or gauges that never counted an order (the aggregates are not running): read."""
    if gauges is None or not gauges.open or status_index.in_flow(status) or status not in _COUNTED:
        return True  # (a status the aggregates do not count, e.g. RETURN_PENDING: nothing proves it)
    inside = sum(n for label, n in gauges.buckets.get(status, {}).items() if _bucket_start(label) >= before)
    return gauges.open.get(status, 0) > inside


def _bucket_start(label: str) -> str:
    """A minute ("2026-12-02T01:07") or hour ("2026-12-02T01") bucket's first second, comparable
    with an ISO time."""
    return label + (":00" if len(label) == 16 else ":00:00")


def _top(candidates: list[_Candidate], limit: int) -> list[_Candidate]:
    return sorted(candidates, key=lambda c: (c.since, c.pk))[:limit]


def _shards(before: dict[str, str]) -> list[_Shard]:
    shards: list[_Shard] = []
    flow = [before[s] for s in before if status_index.in_flow(s)]
    for status, moment in before.items():
        if status_index.in_flow(status):
            continue
        index, key_name, keys, sort = status_index.listing(status)
        shards += [_Shard(index, key_name, key, sort, moment) for key in keys]
    if flow:  # the four workflow statuses share by_flow: read once, up to the latest of their limits
        index, key_name, keys, sort = status_index.listing(next(iter(status_index.FLOW_STATUSES)))
        shards += [_Shard(index, key_name, key, sort, max(flow)) for key in keys]
    return shards


def _page_size(limit: int, shards: int) -> int:
    """Entries per shard and query: twice a fair share of the page (the order ids spread evenly
    over the shards); a shard with more to give is read on in the next round."""
    return min(limit, max(10, 2 * math.ceil(limit / shards)))


def _read_pages(db: Any, table: str, shards: list[_Shard], limit: int) -> list[_Candidate]:
    """The next page of each shard, all at once."""

    def page(shard: _Shard) -> list[_Candidate]:
        kwargs: dict[str, Any] = {
            "TableName": table,
            "IndexName": shard.index,
            "KeyConditionExpression": "#k = :k AND #t < :before",
            "ExpressionAttributeNames": {"#k": shard.key_name, "#t": shard.sort},
            "ExpressionAttributeValues": {":k": to_value(shard.key), ":before": to_value(shard.before)},
            "ScanIndexForward": True,
            "Limit": _page_size(limit, status_index.FLOW_SHARDS if shard.index == status_index.FLOW_INDEX else status_index.STATUS_SHARDS),
        }
        if shard.start:
            kwargs["ExclusiveStartKey"] = shard.start
        answer = db.query(**kwargs)
        items = answer["Items"]
        shard.start = answer.get("LastEvaluatedKey")
        shard.done = shard.start is None
        if items:
            shard.last = items[-1][shard.sort]["S"]
        status = None if shard.index == status_index.FLOW_INDEX else shard.key.rsplit("#", 1)[0]
        return [_Candidate(pk=i["pk"]["S"], since=i[shard.sort]["S"], status=status) for i in items]

    pages = in_parallel({str(n): (lambda s=s: page(s)) for n, s in enumerate(shards)}, workers=PARALLEL_QUERIES)
    return [candidate for got in pages.values() for candidate in got]


def _confirm(db: Any, table: str, candidates: list[_Candidate], before: dict[str, str], limit: int) -> list[_Candidate]:
    """Reads META of the candidates that can make the page and of every by_flow entry (its status
    is only there), until the page is confirmed: keeps those still in their status past its limit
    (with META's time), drops the rest. Returns the candidates left."""
    while True:
        wanted = [c for c in _top(candidates, limit) if c.meta is None]
        seen = {id(c) for c in wanted}
        wanted += [c for c in candidates if c.meta is None and c.status is None and id(c) not in seen]
        if not wanted:
            return candidates
        metas = {
            m["pk"]: m
            for m in batch_get(db, table, [{"pk": c.pk, "sk": order_items.META} for c in wanted], projection=_META_FIELDS, names={"#s": "status", "#o": "order"})
        }
        dropped = set()
        for candidate in wanted:
            meta = metas.get(candidate.pk)
            status = (meta or {}).get("status")
            stuck = (
                status in before
                and candidate.status in (None, status)  # else it moved on since the index entry was written
                and meta.get("updated_at", "") < before[status]
            )
            if stuck:
                candidate.meta, candidate.since = meta, meta["updated_at"]
            else:
                dropped.add(id(candidate))
        candidates = [c for c in candidates if id(c) not in dropped]


def _references(db: Any, table: str, metas: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """(channel, channel order id) per order: META's `order` for an order stored before the
    content moved off it, else the content item's (decision 90)."""
    found: dict[str, tuple[str, str]] = {}
    missing = []
    for meta in metas:
        order = meta.get("order") or {}
        if order.get("external_id"):
            found[meta["pk"]] = (_channel_of(meta), order["external_id"])
        else:
            missing.append(meta)
    if missing:
        contents = {
            c["pk"]: c.get("order") or {}
            for c in batch_get(db, table, [{"pk": m["pk"], "sk": order_items.CONTENT} for m in missing], projection=_CONTENT_FIELDS, names={"#o": "order"})
        }
        for meta in missing:
            order = contents.get(meta["pk"], {})
            found[meta["pk"]] = (_channel_of(meta), order.get("external_id", ""))
    return found


def _channel_of(meta: dict[str, Any]) -> str:
    if "channel_key" in meta:
        return str(meta["channel_key"]).rsplit("#", 1)[0]
    return str((meta.get("order") or {}).get("channel", ""))
