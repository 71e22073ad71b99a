"""The merges operations watch (合单, decision 134): every merge whose members still wait in
MERGED for their merged shipment, newest first, each with its members, its priced plan (the saving
and its explanation) and where the shipment order is.

Read through the status index (the members in MERGED, a page of up to 200 keys at a time, each
member's status and merge id read by a projected batch read) and two batch reads (the merge
records, the shipment orders): no scan, and no member's content read. A merge leaves the list when its shipment
ships (the members move to SHIPPED) or it is taken apart (they route alone); its record stays,
read by id (GET /merges/{merge_id}) and linked from each member's page."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.aws import order_items, status_index
from shared.aws.dynamo import batch_get
from shared.aws.order_store import OrderStore
from shared.lifecycle import OrderStatus
from shared.merging.store import MergeRecord, MergeStore

MAX_PAGES = 5  # of 200 members each: 1,000 waiting members is far beyond a day's merges


class OpenMerge(MergeRecord):
    shipment_status: OrderStatus | None = Field(default=None, description="The merged shipment order's status (None: not stored yet)")


class OpenMerges(BaseModel):
    merges: list[OpenMerge]
    complete: bool = Field(description="False when more members wait than were read")


def open_merges(orders: OrderStore, limit: int = 50) -> OpenMerges:
    merge_ids: dict[str, None] = {}
    token, complete = None, False
    for _ in range(MAX_PAGES):
        entries, token = status_index.query_status(orders.db, orders.table, OrderStatus.MERGED.value, limit=200, newest_first=True, next_token=token)
        merge_ids.update((m, None) for m in _merge_ids(orders, [i["pk"]["S"] for i in entries]))
        if token is None:
            complete = True
            break
    records = [r for r in MergeStore(orders).load_many(list(merge_ids)) if r.state == "MERGED"]
    records.sort(key=lambda r: (r.created_at, r.merge_id), reverse=True)
    records = records[:limit]
    shipments = _statuses(orders, [r.shipment_order_id for r in records])
    return OpenMerges(merges=[OpenMerge(**r.model_dump(), shipment_status=shipments.get(r.shipment_order_id)) for r in records], complete=complete)


def _merge_ids(orders: OrderStore, member_keys: list[str]) -> list[str]:
    """The merge ids of the members still MERGED (the index may lag a member that moved on)."""
    if not member_keys:
        return []
    keys = [{"pk": pk, "sk": order_items.META} for pk in member_keys]
    found = batch_get(orders.db, orders.table, keys, projection="#s, merge_id", names={"#s": "status"})
    return [i["merge_id"] for i in found if i.get("status") == OrderStatus.MERGED.value and i.get("merge_id")]


def _statuses(orders: OrderStore, order_ids: list[str]) -> dict[str, OrderStatus]:
    if not order_ids:
        return {}
    keys = [{"pk": order_items.pk(o), "sk": order_items.META} for o in order_ids]
    found = batch_get(orders.db, orders.table, keys, projection="pk, #s", names={"#s": "status"})
    return {i["pk"].removeprefix("ORDER#"): OrderStatus(i["status"]) for i in found}
