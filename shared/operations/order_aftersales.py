"""The order page's after-sales (售后) sections (decision 132): what became of one order after it
was placed, each from the record that holds it, not from the timeline's notes:

  refunds      the channel's refunds and what oms did about each (cancelled, amended, intercepted, ...)
  intercepts   the notes a refund asked a warehouse to stop (拦截), and the warehouse's answer
  returns      the RMAs: units expected back, what came, sellable or not
  writebacks   the shipping write-backs (发货回传) of its parcels: done, pending or FAILED with why
  notices      the messages sent to the customer (or why not)

Two reads: the order's partition (refunds, RMAs, notices, notes all live there) and one batch read
of its parcels' write-backs in the channel-sync table."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shared.aftersales.records import RefundRecord, Rma
from shared.aws.order_store import OrderStore
from shared.lifecycle import OrderStatus
from shared.notices.records import PREFIX as NOTICE_PREFIX
from shared.notices.records import NoticeRecord
from shared.merging.membership import membership
from shared.writeback.aws.store import ChannelSyncStore
from shared.writeback.channels import NO_WRITEBACK
from shared.writeback.domain import WriteBackRecord, writeback_id


class Intercept(BaseModel, defer_build=True):
    refund_id: str
    note_id: str
    answer: Literal["requested", "intercepted", "too_late"] = Field(description="requested: the warehouse has not answered yet")
    merged_into: str | None = Field(default=None, description="The merged shipment order asked to stop its parcel (合单)")


class OrderAfterSales(BaseModel, defer_build=True):
    order_id: str
    status: OrderStatus
    channel: str
    writeback_needed: bool = Field(description="False for oms's own shop: nobody to tell")
    refunds: list[RefundRecord]
    intercepts: list[Intercept]
    returns: list[Rma]
    writebacks: list[WriteBackRecord]
    notices: list[NoticeRecord]


def intercepts_of(refunds: list[RefundRecord]) -> list[Intercept]:
    found = []
    for refund in refunds:
        for note_id in refund.intercept_notes:
            answer = refund.intercept_answers.get(note_id, "requested")
            found.append(Intercept(refund_id=refund.refund_id, note_id=note_id, answer=answer if answer in ("intercepted", "too_late") else "requested", merged_into=refund.merged_into))
    return found


def order_after_sales(order_id: str, orders: OrderStore, sync: ChannelSyncStore) -> OrderAfterSales:
    """Raises OrderNotFound (404)."""
    items, _, meta = orders.partition(order_id)
    channel = str(meta["order"]["channel"])
    refunds = sorted((RefundRecord.model_validate(i) for i in items if i["sk"].startswith("REFUND#")), key=lambda r: r.received_at)
    notes = [str(i["note_id"]) for i in items if i["sk"].startswith("NOTE#") and "note_id" in i]
    return OrderAfterSales(
        order_id=order_id,
        status=OrderStatus(meta["status"]),
        channel=channel,
        writeback_needed=channel not in NO_WRITEBACK,
        refunds=refunds,
        intercepts=intercepts_of(refunds),
        returns=sorted((Rma.model_validate(i) for i in items if i["sk"].startswith("RMA#")), key=lambda r: r.created_at),
        writebacks=sync.records(ids) if (ids := _writeback_ids(order_id, meta, notes, orders)) else [],
        notices=sorted((NoticeRecord.model_validate(i) for i in items if i["sk"].startswith(NOTICE_PREFIX)), key=lambda n: n.claimed_at),
    )



def _writeback_ids(order_id: str, meta: dict, notes: list[str], orders: OrderStore) -> list[str]:
    """The order's parcels' write-backs; a merged shipment's are its members' (one per member and
    parcel, shared/writeback/usecases/request.py), and a member's are in its shipment's parcels."""
    ids = [writeback_id(n) for n in notes]
    merge = membership(orders, str(meta["merge_id"])) if meta.get("merge_id") else None
    if merge is None:
        return ids
    if merge.shipment_order_id == order_id:
        return ids + [f"{writeback_id(n)}-{member}" for n in notes for member in merge.members]
    shipment_items, _, _ = orders.partition(merge.shipment_order_id)
    return ids + [f"{writeback_id(str(i['note_id']))}-{order_id}" for i in shipment_items if i["sk"].startswith("NOTE#") and "note_id" in i]
