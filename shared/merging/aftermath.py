"""What happens to a merge after it is made: a member cancelled or refunded before release takes
the merge apart; the shipment shipping or delivered carries its members along."""

from __future__ import annotations

from collections.abc import Callable

from shared.aws.order_store import NoteState, OrderStore, StoredOrder
from shared.lifecycle import Actor, OrderStatus, is_allowed, note_entry, transition_entry
from shared.merging.store import MergeRecord, MergeStore

StartRun = Callable[[str, str, str], object]
Cancel = Callable[[str, str], object]  # (order id, reason): the cancel use case with its compensation
_RELEASED = (OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.DELIVERY_EXCEPTION, OrderStatus.DELIVERED)
_ACTOR = Actor.system("merging")


class ShipmentNotThereYet(Exception):
    """A parcel event ran ahead of the shipment order's own status: retried until it catches up."""

    retry_later = True  # shared/sqs_batch.py: one INFO line with the reason, not an error with its stack


def record_of(order: StoredOrder, orders: OrderStore) -> MergeRecord | None:
    return MergeStore(orders).load(order.merge_id) if order.merge_id else None


def unmerge(order_id: str, why: str, orders: OrderStore, start_run: StartRun, cancel: Cancel, actor: Actor = _ACTOR) -> str:
    """`order_id`: a member or the shipment order. Returns unmerged, too_late or not_merged."""
    record = record_of(orders.load(order_id), orders)
    if record is None or record.state != "MERGED" or order_id not in (record.shipment_order_id, *record.members):
        return "not_merged"  # (a member whose refund was intercepted left the merge: decision 122)
    shipment = orders.load(record.shipment_order_id)
    if shipment.status in _RELEASED:
        # The parcel carries every member's lines: stopping it is an intercept (after-sales).
        member = orders.load(order_id)
        orders.add_note(member, note_entry(member.status, actor, "merged shipment already released: not unmerged; intercept the parcel to stop it", merge_id=record.merge_id, shipment_order_id=shipment.order_id, why=why))
        return "too_late"
    if shipment.status != OrderStatus.CANCELLED:
        cancel(shipment.order_id, f"unmerged: {why}")  # voids nothing yet unreleased, gives its stock back
    for member_id in record.members:  # members first, the record last: a repeat finishes the work
        member = orders.load(member_id)
        if member.status == OrderStatus.MERGED:
            moved = orders.transition(member, OrderStatus.APPROVED, transition_entry(OrderStatus.MERGED, OrderStatus.APPROVED, actor, merge_id=record.merge_id, why=why), set_fields={"merge_id": None})
            start_run(member_id, "Route", f"{member_id}-unmerged-v{moved.version}")
    MergeStore(orders).set_state(record, "UNMERGED", why)
    return "unmerged"


def follow_shipment(order_id: str, orders: OrderStore) -> str:
    """The merged shipment shipped (or was delivered): its members follow with its tracking."""
    shipment = orders.load(order_id)
    record = record_of(shipment, orders)
    if record is None or record.shipment_order_id != order_id:
        return "not_a_merged_shipment"
    if shipment.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.DELIVERY_EXCEPTION):
        raise ShipmentNotThereYet(f"merged shipment {order_id} is {shipment.status.value}, not shipped yet")
    notes = orders.details(order_id).outbound_notes
    parcels = [{"warehouse_id": n.warehouse_id, "carrier": n.carrier, "tracking_number": n.tracking_number} for n in notes if n.state in (NoteState.SHIPPED, NoteState.DELIVERED)]
    wanted = [OrderStatus.SHIPPED] + ([OrderStatus.DELIVERED] if shipment.status == OrderStatus.DELIVERED else [])
    for member_id in record.members:
        member = orders.load(member_id)
        for target in wanted:
            if is_allowed(member.status, target):
                member = orders.transition(member, target, transition_entry(member.status, target, _ACTOR, shipment_order_id=order_id, merge_id=record.merge_id, parcels=parcels))
    if record.state == "MERGED":
        MergeStore(orders).set_state(record, "SHIPPED")
    return "followed"
