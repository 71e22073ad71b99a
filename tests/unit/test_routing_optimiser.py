"""The optimiser against brute force: on small orders every allocation of units to warehouses is
priced with the same lanes, and the search must find the best plan and the exact runners-up."""

import itertools
import random
from decimal import Decimal

import pytest

from shared.routing import RoutingDecision, Unroutable, plan_order
from shared.routing.costs import billed_kg
from shared.routing.planner import Prepared, prepare
from tests.unit.routing_network import WAREHOUSES, network, request, stock

NET = network()
PROVINCES = ("上海", "北京", "四川", "广东", "新疆", "浙江")
SKUS = ("TEA", "CUP", "IRON", "KETTLE", "TRAY", "ICE")


def splits(quantity: int, caps: list[int], whole: bool) -> list[tuple[int, ...]]:
    if whole:
        return [tuple(quantity if k == j else 0 for k in range(len(caps))) for j, cap in enumerate(caps) if cap >= quantity]
    return [c for c in itertools.product(*(range(cap + 1) for cap in caps)) if sum(c) == quantity]


def brute_force(prepared: Prepared, objective: tuple[str, ...]) -> list[tuple]:
    """The best plan of every warehouse set, ranked: (key, set), like the optimiser's."""
    items, lanes = prepared.demand.items, prepared.lanes
    best: dict[tuple[int, ...], tuple] = {}
    per_item = [splits(item.quantity, [h[i] for h in prepared.holdings], not item.splittable) for i, item in enumerate(items)]
    for choice in itertools.product(*per_item):
        grams = [sum(choice[i][j] * items[i].unit_g for i in range(len(items))) for j in range(len(lanes))]
        used = tuple(j for j, g in enumerate(grams) if g)
        if len(used) > prepared.strategy.max_packages:
            continue
        cost = sum(lanes[j].fen(billed_kg(grams[j])) for j in used) + NET.extra_package_fen * (len(used) - 1)
        values = {
            "cost": cost,
            "packages": len(used),
            "distance": sum(round(lanes[j].distance_km) for j in used),
            "priority": sum(prepared.strategy.priority_rank(lanes[j].site.warehouse_id) for j in used),
        }
        key = tuple(values[name] for name in objective)
        if used not in best or key < best[used][0]:
            best[used] = (key, used)
    return sorted(best.values())


def random_order(rng: random.Random):
    skus = rng.sample(SKUS, rng.randint(1, 3))
    lines = [(sku, rng.randint(1, 3)) for sku in skus]
    held = [(sku, wh["warehouse_id"], rng.choice((0, 0, 1, 2, 3))) for sku in skus for wh in WAREHOUSES]
    return lines, held, rng.choice(PROVINCES)


@pytest.mark.parametrize("strategy", ["lowest-cost", "fewest-packages", "closest", "location-priority"])
def test_best_plan_and_runners_up_match_brute_force(strategy):
    rng = random.Random(strategy)
    checked = 0
    for _ in range(150):
        lines, held, province = random_order(rng)
        order = request(*lines, to=province)
        chosen_strategy = NET.strategies[strategy]
        prepared = prepare(order, NET, stock(*held), strategy=chosen_strategy)
        decided = plan_order(order, NET, stock(*held), strategy=chosen_strategy)
        if isinstance(prepared, Unroutable):
            assert isinstance(decided, Unroutable)
            continue
        expected = brute_force(prepared, chosen_strategy.objective)[:3]
        assert isinstance(decided, RoutingDecision)
        plans = [decided.chosen, *decided.runners_up]
        got = [tuple(int(v * 100) if name == "cost" else v for name, v in p.score.items()) for p in plans]
        assert got == [key for key, _ in expected], (lines, held, province)
        assert [p.warehouses for p in plans] == [[prepared.lanes[j].site.warehouse_id for j in used] for _, used in expected]
        checked += 1
    assert checked > 60  # most random orders are routable


def test_cost_breakdown_adds_up_to_the_plan_cost():
    rng = random.Random(5)
    for _ in range(40):
        lines, held, province = random_order(rng)
        decided = plan_order(request(*lines, to=province), NET, stock(*held))
        if isinstance(decided, RoutingDecision):
            for plan in [decided.chosen, *decided.runners_up]:
                assert plan.total_cost == sum((c.total for c in plan.costs), Decimal(0)) + plan.extra_package_penalty
                assert plan.total_cost == sum((s.cost for s in plan.shipments), Decimal(0)) + plan.extra_package_penalty


def test_when_the_node_budget_runs_out_the_plan_is_heuristic_with_a_proven_bound():
    held = [(sku, wh["warehouse_id"], 2) for sku in ("TEA", "CUP", "IRON") for wh in WAREHOUSES]
    order = request(("TEA", 2), ("CUP", 2), ("IRON", 1), to="四川")
    exact = plan_order(order, NET, stock(*held))
    hurried = plan_order(order, NET, stock(*held), node_budget=8)
    assert exact.search.method == "exact" and hurried.search.method == "heuristic"
    assert hurried.search.lower_bound <= exact.chosen.total_cost <= hurried.chosen.total_cost


def test_a_large_quantity_over_several_warehouses_is_planned_heuristically_with_a_bound():
    held = [("TEA", wh["warehouse_id"], 400) for wh in WAREHOUSES]
    decided = plan_order(request(("TEA", 1000), to="四川"), NET, stock(*held))
    assert decided.search.method == "heuristic"
    assert sum(l.quantity for s in decided.plan().shipments for l in s.lines) == 1000
    assert decided.search.lower_bound <= decided.chosen.total_cost


def _one_holder_per_item_problem(node_budget: int):
    """Eight items, each held whole by two warehouses of sixteen that hold one item each: every
    covering set has eight warehouses and needs no allocation search (nothing to split), so all
    the work is walking sets of warehouses."""
    from shared.routing import optimiser

    rng = random.Random(5)
    items = tuple(optimiser.Item(quantity=1, unit_g=rng.randrange(200, 3000), splittable=False) for _ in range(8))
    candidates = []
    for k in range(16):
        fixed = rng.randrange(600, 1400)
        fens = (0, *(fixed + 300 * kg for kg in range(40)))
        available = tuple(1 if i == k % 8 else 0 for i in range(8))
        candidates.append(optimiser.Candidate(available, fens, fixed, 300, rng.randrange(50, 3000), 0))
    return optimiser.Problem(items, tuple(candidates), ("cost", "packages", "distance"), 200, 10, node_budget=node_budget)


def test_the_node_budget_holds_while_warehouse_sets_are_walked():
    from shared.routing import optimiser

    full = optimiser.search(_one_holder_per_item_problem(node_budget=10_000_000))
    hurried = optimiser.search(_one_holder_per_item_problem(node_budget=60))
    assert full.exact and full.nodes > 200  # the walk alone is far beyond the small budget
    assert hurried.nodes <= 60 + 1 and not hurried.exact
    best = full.solutions[0].cost_fen
    assert hurried.lower_bound_fen is not None and hurried.lower_bound_fen <= best
    assert not hurried.solutions or hurried.solutions[0].cost_fen >= best


def test_no_set_has_more_warehouses_than_the_order_has_units():
    from shared.routing import optimiser

    one = optimiser.Item(quantity=1, unit_g=500, splittable=True)
    candidates = tuple(optimiser.Candidate((1,), (0, 800 + k, 1100 + k), 800 + k, 300, 100 + k, 0) for k in range(30))
    # Keep more plans than there are warehouses: nothing bounds the pairs out, only the unit count.
    result = optimiser.search(optimiser.Problem((one,), candidates, ("cost", "packages", "distance"), 200, 10, keep=40))
    assert result.exact and result.warehouse_sets == 30  # single warehouses only, never a pair
    assert len(result.solutions) == 30 and all(len(s.sites) == 1 for s in result.solutions)


def test_the_fills_are_the_fills_of_every_order_of_the_warehouses():
    """A line with too many ways to split tries the fills in each order of the warehouses; they
    are found without walking the n! orders, and are the same fills."""
    import random
    from itertools import permutations

    from shared.routing.optimiser import _fill, _fills

    rng = random.Random(7)
    for _ in range(400):
        caps = tuple(rng.choice([0, 1, 2, 3, 5, 12, 40]) for _ in range(rng.randint(1, 6)))
        total = rng.randint(1, 70)
        assert _fills(total, caps) == sorted({_fill(total, caps, order) for order in permutations(range(len(caps)))}, reverse=True), (total, caps)


def test_the_members_of_a_bit_set_from_the_table_and_beyond_it_are_its_set_bits_in_order():
    from shared.routing.optimiser import _members

    for mask in [0, 1, 2, 5, 0b1011, 1023, 1024, 1025, 2**12 - 1, 2**20 + 3, *random.Random(7).sample(range(2**16), 200)]:
        assert _members(mask) == tuple(i for i in range(mask.bit_length()) if mask >> i & 1), mask
