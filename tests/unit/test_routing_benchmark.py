"""The benchmark's referee and generator: oms's plan costs what the MILP (HiGHS) says is optimal,
on orders from the generated Chinese network, and the generator's geography is sound."""

from collections import defaultdict

from benchmarks.routing_milp import optimum
from benchmarks.routing_world import china_cities, make_orders, make_world
from shared.routing import RoutingDecision, Unroutable, plan_order
from shared.routing.planner import prepare


def test_every_mainland_province_has_cities_and_warehouses_sit_in_distinct_cities():
    provinces = {city.province_code for city in china_cities()}
    assert len(provinces) == 31  # GB/T 2260 provincial divisions of the mainland
    world = make_world(12)
    assert len({(c.lat, c.lon) for c in world.warehouse_cities}) == 12


def test_oms_cost_equals_the_milp_optimum_on_generated_orders():
    world = make_world(10, seed=3)
    by_sku = defaultdict(list)
    for level in world.stock:
        by_sku[level.sku].append(level)
    compared = 0
    for order in make_orders(world, 40, seed=5, lines=(2, 8)):
        stock = [level for sku, _ in order.lines for level in by_sku[sku]]
        prepared = prepare(order, world.network, stock)
        if isinstance(prepared, Unroutable):
            continue
        best = optimum(prepared, world.network.extra_package_fen, prepared.strategy.max_packages)
        decided = plan_order(order, world.network, stock)
        if best is None:
            assert isinstance(decided, Unroutable)
            continue
        assert isinstance(decided, RoutingDecision) and decided.search.method == "exact"
        assert int(decided.chosen.total_cost * 100) == best.cost_fen
        compared += 1
    assert compared >= 25
