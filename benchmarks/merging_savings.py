"""How much 合单 (order merging) saves on a generated day of orders, priced by the router's own
cost model (shared/merging/pricing.py) under the merge rule in force (shared/merging/rule.json).

The world and the orders come from benchmarks/routing_world.py (same seeds, same day). On top of
them, a share of buyers order again to the same address later the same day (`--repeat`, the
share of orders that are a buyer's follow-up; placed 5 minutes to 10 hours after the buyer's
previous order). Every order is first priced alone on the world's stock; then each group of one
buyer's orders within the rule's window is priced merged, and merged when the rule says it pays.

    python -m benchmarks.merging_savings [--orders 2000] [--warehouses 16] [--repeat 0.12] [--seed 11]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from benchmarks.routing_world import make_orders, make_world
from shared.merging.pricing import CannotPrice, price_merge
from shared.merging.rule import merge_rule
from shared.orders import OrderIn
from shared.routing import RoutingRequest, Unroutable, plan_order


def buyers_and_orders(requests: list[RoutingRequest], repeat: float, seed: int) -> list[tuple[str, RoutingRequest]]:
    """(buyer, request): a `repeat` share of orders become a follow-up of an earlier buyer's
    order: the same destination, placed 5 minutes to 10 hours later."""
    rng = random.Random(seed)
    tagged: list[tuple[str, RoutingRequest]] = []
    for n, request in enumerate(requests):
        if tagged and rng.random() < repeat:
            buyer, previous = rng.choice(tagged)
            later = previous.now + timedelta(minutes=rng.randrange(5, 600))
            tagged.append((buyer, replace(request, destination=previous.destination, now=later)))
        else:
            tagged.append((f"B{n:05d}", request))
    return tagged


def order_of(n: int, buyer: str, request: RoutingRequest) -> OrderIn:
    return OrderIn.model_validate(
        {
            "channel": "own_shop", "external_id": f"GEN-{n:05d}", "buyer": {"buyer_id": buyer}, "placed_at": request.now.isoformat(),
            "lines": [{"sku": sku, "quantity": quantity, "unit_price": "1.00"} for sku, quantity in request.lines],
        }
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--warehouses", type=int, default=16)
    parser.add_argument("--repeat", type=float, default=0.12, help="share of orders that are a buyer's follow-up the same day")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    rule = merge_rule()
    world = make_world(args.warehouses)
    tagged = buyers_and_orders(make_orders(world, args.orders, seed=args.seed, lines=(1, 4)), args.repeat, args.seed)
    alone: dict[int, Decimal] = {}
    for n, (_, request) in enumerate(tagged):
        decided = plan_order(request, world.network, world.stock)
        alone[n] = Decimal("0") if isinstance(decided, Unroutable) else decided.chosen.total_cost
    priced = {n for n, (_, request) in enumerate(tagged) if alone[n] > 0}

    by_buyer: dict[str, list[int]] = {}
    for n, (buyer, _) in enumerate(tagged):
        if n in priced:
            by_buyer.setdefault(buyer, []).append(n)
    window = timedelta(minutes=rule.window_minutes)
    groups = []
    for members in by_buyer.values():
        members.sort(key=lambda n: tagged[n][1].now)
        if len(members) > 1 and tagged[members[-1]][1].now - tagged[members[0]][1].now <= window:
            groups.append(members[: rule.max_members])

    candidates = sum(len(g) for g in groups)
    merged_groups, saved, cannot = 0, Decimal("0"), 0
    for group in groups:
        members = [(f"O{n}", order_of(n, tagged[n][0], tagged[n][1]), tagged[n][1]) for n in group]
        try:
            plan = price_merge(members, world.network, world.stock)
        except CannotPrice:
            cannot += 1
            continue
        separate = sum(alone[n] for n in group)  # each order alone on the stock, as routed without merging
        saving = separate - plan.merged_cost
        if plan.basis == "stock now" and rule.worth_it(separate, saving):
            merged_groups += 1
            saved += saving
    total = sum(alone[n] for n in priced)
    candidate_cost = sum(alone[n] for g in groups for n in g)
    print(f"orders generated: {len(tagged)} ({args.warehouses} warehouses, seed {args.seed}, repeat share {args.repeat:.0%}); priced (routable alone): {len(priced)}")
    print(f"merge candidates: {candidates} orders in {len(groups)} groups (same buyer and address within {rule.window_minutes} min)")
    print(f"merged by the rule (saving >= {rule.min_saving_yuan} yuan and >= {rule.min_saving_share:.0%}): {merged_groups} groups; not worth it or unpriceable: {len(groups) - merged_groups} ({cannot} unpriceable)")
    print(f"fulfilment cost without merging: {total:.2f} yuan; with merging: {total - saved:.2f} yuan")
    print(f"share of fulfilment cost saved by merging: {saved / total:.2%} of all orders' cost; {saved / candidate_cost:.2%} of the candidates' cost")


if __name__ == "__main__":
    main()
