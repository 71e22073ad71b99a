"""The ways warehouses are chosen without an optimiser, for the routing benchmark. Each sees the
same prepared order as oms (eligible warehouses, their stock, kits as one piece) and is priced by
the same cost model, so only the choice differs.

B0 fixed priority: the first warehouse in a fixed list (largest first) that holds the whole
   order; else each line from the warehouses in list order. The traditional way.
B1 fewest packages, then closest (Shopify's default): the closest warehouse holding the whole
   order; else repeatedly the warehouse that covers the most missing units (ties: closest).
B2 closest line by line: each line from the closest warehouse holding it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shared.routing.planner import Prepared

Allocation = dict[int, list[int]]  # lane index -> units of each item


def _whole(prepared: Prepared, order: Sequence[int]) -> Allocation | None:
    for j in order:
        if all(h >= item.quantity for h, item in zip(prepared.holdings[j], prepared.demand.items)):
            return {j: [item.quantity for item in prepared.demand.items]}
    return None


def _line_by_line(prepared: Prepared, order: Sequence[int]) -> Allocation:
    shipped: Allocation = {}
    for i, item in enumerate(prepared.demand.items):
        missing = item.quantity
        for j in order:
            have = prepared.holdings[j][i]
            take = min(missing, have) if item.splittable else (missing if have >= missing else 0)
            if take:
                shipped.setdefault(j, [0] * len(prepared.demand.items))[i] += take
                missing -= take
            if not missing:
                break
    return shipped


def _by_distance(prepared: Prepared) -> list[int]:
    return sorted(range(len(prepared.lanes)), key=lambda j: (prepared.lanes[j].distance_km, j))


def fixed_priority(priority: Sequence[str]) -> Callable[[Prepared], Allocation]:
    rank = {w: n for n, w in enumerate(priority)}

    def plan(prepared: Prepared) -> Allocation:
        order = sorted(range(len(prepared.lanes)), key=lambda j: rank[prepared.lanes[j].site.warehouse_id])
        return _whole(prepared, order) or _line_by_line(prepared, order)

    return plan


def fewest_packages_then_closest(prepared: Prepared) -> Allocation:
    order = _by_distance(prepared)
    whole = _whole(prepared, order)
    if whole:
        return whole
    items = prepared.demand.items
    missing = [item.quantity for item in items]
    shipped: Allocation = {}
    while any(missing):
        def covers(j: int) -> int:
            return sum(
                (min(m, h) if item.splittable else (m if h >= m else 0))
                for m, h, item in zip(missing, prepared.holdings[j], items)
            )

        best = max((j for j in order if j not in shipped), key=lambda j: (covers(j), -order.index(j)))
        take = [(min(m, h) if item.splittable else (m if h >= m else 0)) for m, h, item in zip(missing, prepared.holdings[best], items)]
        shipped[best] = take
        missing = [m - t for m, t in zip(missing, take)]
    return shipped


def closest_line_by_line(prepared: Prepared) -> Allocation:
    return _line_by_line(prepared, _by_distance(prepared))
