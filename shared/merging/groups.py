"""Which waiting orders may merge, found the way review's merge-candidate rule finds them
(shared/recent_orders.py, decision 44): the same address, from the same buyer or the same
receiver (phone + address, any channel), placed within the rule's window. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from shared.aws.order_store import StoredOrder
from shared.merging.rule import MergeRule
from shared.recent_orders import address_key, buyer_key, receiver_key


def same_person(a: StoredOrder, b: StoredOrder) -> bool:
    if address_key(a.order) is None or address_key(a.order) != address_key(b.order):
        return False
    receiver = receiver_key(a.order)
    return buyer_key(a.order) == buyer_key(b.order) or (receiver is not None and receiver == receiver_key(b.order))


def candidate_groups(orders: Iterable[StoredOrder], rule: MergeRule) -> list[list[StoredOrder]]:
    """Groups of at least two, each ordered by placed time (the host first), at most
    `max_members` each; an order is in one group at most."""
    by_address: dict[str, list[StoredOrder]] = defaultdict(list)
    for stored in orders:
        key = address_key(stored.order)
        if key is not None and stored.status in rule.statuses:
            by_address[key].append(stored)
    window = timedelta(minutes=rule.window_minutes)
    groups: list[list[StoredOrder]] = []
    for waiting in by_address.values():
        waiting.sort(key=lambda s: (s.order.placed_at, s.order_id))
        taken: set[str] = set()
        for host in waiting:
            if host.order_id in taken:
                continue
            group = [host]
            for other in waiting:
                if other.order_id in taken or other is host or len(group) >= rule.max_members:
                    continue
                if other.order.placed_at - host.order.placed_at <= window and same_person(host, other):
                    group.append(other)
            if len(group) > 1:
                taken.update(s.order_id for s in group)
                groups.append(group)
    return groups
