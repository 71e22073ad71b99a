"""Merge orders into one shipment (an operator's decision or the automatic rule), and take a
merge apart again. How the statuses work (decision 87):

- the members move APPROVED/BACKORDERED → MERGED in one transaction with the merge record; each
  keeps its own id, lines and timeline (write-back tells each channel about its own order);
- the shipment order is an order of its own (the host's channel and buyer, every member's lines,
  external id `<member ids joined by +>#<merge>`), created APPROVED (its members passed review)
  and routed, reserved and released by the workflow like any other; the record lists which
  member each line belongs to;
- when the shipment ships, each member moves MERGED → SHIPPED with its tracking;
- a member cancelled or refunded before the shipment is released unmerges the whole group: the
  shipment order is cancelled (its reserved stock comes back) and the other members route alone."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from decimal import Decimal

from shared.aws.dynamo import TransactionCancelled, transact_write
from shared.aws.inventory_store import InventoryStore
from shared.aws.order_store import OrderStore, StoredOrder
from shared.clock import CHINA_TIME, now_iso
from shared.errors import OmsError
from shared.events import DomainEvent, OrdersMerged
from shared.lifecycle import Actor, OrderStatus, TimelineEntry, transition_entry
from shared.merging.plan import MergePlan
from shared.merging.rule import MergeRule, merge_rule
from shared.merging.store import MergeRecord, MergeStore
from shared.orders import OrderIn

StartRun = Callable[[str, str, str], object]
Publish = Callable[[Sequence[DomainEvent]], None]


class MergeRefused(OmsError):
    def __init__(self, message: str, rule: str, status: int = 409):
        super().__init__(message)
        self.rule, self.status = rule, status


def load_members(order_ids: Sequence[str], orders: OrderStore, rule: MergeRule, merge_id: str | None = None) -> list[StoredOrder]:
    """The members, the host (placed first) first; refused by name when they may not merge."""
    from shared.merging.groups import same_person  # with the address and phone keys: the first preview's or merge's, not the API's cold start

    if len(set(order_ids)) < 2:
        raise MergeRefused("a merge needs at least two different orders", "at_least_two", 400)
    if len(set(order_ids)) > rule.max_members:
        raise MergeRefused(f"a merge takes at most {rule.max_members} orders", "too_many", 400)
    members = sorted((orders.load(order_id) for order_id in dict.fromkeys(order_ids)), key=lambda s: (s.order.placed_at, s.order_id))
    for member in members:
        resuming = member.status == OrderStatus.MERGED and merge_id is not None and member.merge_id == merge_id
        if member.status not in rule.statuses and not resuming:
            allowed = ", ".join(s.value for s in rule.statuses)
            raise MergeRefused(f"order {member.order_id} is {member.status.value}: only orders in {allowed} (not yet routed) merge", "not_mergeable")
    host = members[0]
    for other in members[1:]:
        if not same_person(host, other):
            raise MergeRefused(f"order {other.order_id} goes to another address or person than {host.order_id}", "not_same_receiver")
        if (other.order.placed_at - host.order.placed_at).total_seconds() > rule.window_minutes * 60:
            raise MergeRefused(f"order {other.order_id} was placed more than {rule.window_minutes} minutes after {host.order_id}", "outside_window")
    return members


def price(members: Sequence[StoredOrder], inventory: InventoryStore) -> MergePlan:
    # The router (planner, optimiser, the network in force) is imported by the first pricing: the
    # merging API reads and unmerges merges without it (its cold start, issue 11).
    from shared.merging.pricing import CannotPrice, price_merge
    from shared.usecases.route_order import routing_network, routing_request

    requests = [(m.order_id, m.order, routing_request(m.order_id, m.order)) for m in members]
    skus = {sku for _, _, r in requests for sku, _ in r.lines}
    today = requests[0][2].now.astimezone(CHINA_TIME).date().isoformat()
    try:
        return price_merge(requests, routing_network(inventory.warehouses()), inventory.stock_levels(skus), inventory.packages_on(today))
    except CannotPrice as error:
        raise MergeRefused(str(error), "cannot_price") from error


def merge_orders(
    order_ids: Sequence[str], actor: Actor, reason: str, orders: OrderStore, inventory: InventoryStore,
    start_run: StartRun, publish: Publish, rule: MergeRule | None = None, require_rule_saving: bool = True,
) -> MergeRecord:  # fmt: skip
    rule = rule or merge_rule()
    store = MergeStore(orders)
    merge_id, existing = _merge_id(order_ids, store)
    members = load_members(order_ids, orders, rule, merge_id if existing else None)
    if existing is None:
        plan = price(members, inventory)
        if plan.saving <= 0 or (require_rule_saving and not rule.worth_it(plan.separate_cost, plan.saving)):
            raise MergeRefused(f"merging saves {plan.saving} yuan ({plan.saving_share * 100:.1f}%), below the rule's minimum: {plan.explanation['en']}", "no_saving")
        shipment = shipment_order(members, merge_id)
        existing = MergeRecord(
            merge_id=merge_id, shipment_order_id=shipment.order_id, members=[m.order_id for m in members], plan=plan,
            decided_by=f"{actor.kind.value}:{actor.name}", reason=reason, created_at=now_iso(),
        )  # fmt: skip
        items = [store.put_item(existing)]
        for member in members:
            entry = transition_entry(member.status, OrderStatus.MERGED, actor, merge_id=merge_id, shipment_order_id=shipment.order_id, saving=str(plan.saving), explanation=plan.explanation, reason=reason)
            items += orders.transition_items(member, OrderStatus.MERGED, entry, set_fields={"merge_id": merge_id})
        try:
            transact_write(orders.db, items)
        except TransactionCancelled as cancelled:
            if not cancelled.failed(0):
                raise MergeRefused("an order changed while it was being merged: look again", "moved_on") from cancelled
            existing = store.load(merge_id)  # another delivery merged them first: finish its work
    _start_shipment(existing, members, actor, orders, start_run)
    publish([OrdersMerged(event_id=f"{merge_id}:merged", order_id=existing.shipment_order_id, merge_id=merge_id, members=existing.members, saving=str(existing.plan.saving))])
    return existing


def _merge_id(order_ids: Sequence[str], store: MergeStore) -> tuple[str, MergeRecord | None]:
    """Stable for the same members; a group merged again after an unmerge gets the next id."""
    base = hashlib.sha256("|".join(sorted(set(order_ids))).encode()).hexdigest()[:16].upper()
    for generation in range(1, 50):
        merge_id = f"MRG-{base}" + (f"-{generation}" if generation > 1 else "")
        found = store.load(merge_id)
        if found is None or found.state != "UNMERGED":
            return merge_id, found
    raise MergeRefused("these orders were merged and unmerged too often", "too_many_generations")


def shipment_order(members: Sequence[StoredOrder], merge_id: str) -> OrderIn:
    host = members[0].order
    joined = "+".join(m.order.external_id for m in members)
    external_id = f"{joined if len(joined) <= 180 else host.external_id + f'+{len(members) - 1}'}#{merge_id[-6:]}"
    lines = [line for m in members for line in m.order.lines]
    # Money stays with each member's own invoice and write-back; the shipment only ships.
    return host.model_copy(update={"external_id": external_id, "lines": lines, "order_total": None, "invoice": None, "shipping_fee": Decimal("0.00"), "charges": [], "order_discount": Decimal("0.00")})


def _start_shipment(record: MergeRecord, members: Sequence[StoredOrder], actor: Actor, orders: OrderStore, start_run: StartRun) -> None:
    owner = {m.order_id: [{"sku": line.sku, "quantity": line.quantity} for line in m.order.lines] for m in members}
    created = TimelineEntry(
        from_status=None, to_status=OrderStatus.RECEIVED, cause=f"merged shipment (合单) of orders {', '.join(record.members)}", actor=actor,
        details={"merge_id": record.merge_id, "lines_by_order": owner, "channel_orders": [{"order_id": p.order_id, "channel": p.channel, "external_id": p.external_id} for p in record.plan.members], "explanation": record.plan.explanation},
    )  # fmt: skip
    stored, _ = orders.create(shipment_order(members, record.merge_id), created)
    if stored.status == OrderStatus.RECEIVED:
        approved = TimelineEntry(from_status=OrderStatus.RECEIVED, to_status=OrderStatus.APPROVED, cause="merged shipment: every member passed review", actor=actor, details={"merge_id": record.merge_id})
        stored = orders.transition(stored, OrderStatus.APPROVED, approved, set_fields={"merge_id": record.merge_id})
    if stored.status == OrderStatus.APPROVED:
        start_run(stored.order_id, "Route", f"{stored.order_id}-v{stored.version}")
