"""The planning memo remembers only what a decision would compute again: with it, every decision
on a simulated day (many carts, destinations, promises, both sides of the cut-off, stock that
depletes) is the decision without it, and a memo refuses a network it was not made for."""

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.routing import Unroutable, optimiser
from shared.routing.memo import PlanningMemo
from shared.routing.planner import prepare, problem_of
from shared.routing_whatif.replay import request_of
from simulation.channels import SimCatalog, intake
from simulation.day import placed_orders
from simulation.demand import Demand
from simulation.world import load_assumptions, make_world

ASSUMPTIONS = load_assumptions()


def _plan(request, network, stock, memo):
    prepared = prepare(request, network, stock, memo=memo)
    if isinstance(prepared, Unroutable):
        return prepared
    problem = problem_of(prepared, network, memo=memo)
    return prepared.lanes, problem, optimiser.search(problem).solutions


def test_decisions_with_the_memo_are_the_decisions_without_it():
    world = make_world(ASSUMPTIONS, 400, seed=9, warehouses=6)
    demand = Demand(world, ASSUMPTIONS, seed=9)
    catalog = SimCatalog(world)
    stock = {(s.warehouse_id, s.sku): s for s in world.stock_levels()}
    memo = PlanningMemo(world.network)
    compared = 0
    for n, (placed, payload) in enumerate(placed_orders(world, demand, [400])):
        order = intake(placed.order["channel"], payload, catalog)
        # through the day: before and after every warehouse's cut-off
        request = request_of(order, demand.start + timedelta(hours=n % 24, minutes=n % 60))
        if request is None:
            continue
        levels = list(stock.values())
        assert _plan(request, world.network, levels, memo) == _plan(request, world.network, levels, None)
        compared += 1
        for level in levels[n % 7 :: 7]:  # stock depletes between decisions
            stock[(level.warehouse_id, level.sku)] = level.model_copy(update={"available": max(0, level.available - 3)})
    assert compared > 300
    assert memo.hits > 100  # it does remember


def test_a_memo_serves_only_its_own_network():
    first = make_world(ASSUMPTIONS, 50, seed=1, warehouses=4)
    second = make_world(ASSUMPTIONS, 50, seed=2, warehouses=4)
    demand = Demand(first, ASSUMPTIONS, seed=1)
    placed, payload = placed_orders(first, demand, [5])[0]
    request = request_of(intake(placed.order["channel"], payload, SimCatalog(first)), demand.start)
    with pytest.raises(ValueError, match="one network"):
        prepare(request, second.network, second.stock_levels(), memo=PlanningMemo(first.network))


def test_the_memo_leaves_out_the_warehouses_the_strategy_and_capacity_leave_out_as_without_it():
    # The memo remembers per destination and clock which warehouses the strategy rules out and
    # their lanes (decision 174); every reason and plan is the one prepare finds without it.
    base = make_world(ASSUMPTIONS, 300, seed=4, warehouses=6)
    first, second, third = (s.warehouse_id for s in base.network.sites[:3])
    strategy = base.network.strategy_for(None)
    strict = replace(strategy, excluded_warehouses=frozenset({first}), excluded_routes=frozenset({(second, "44"), (second, "31"), (third, "11")}))
    sites = tuple(replace(s, daily_capacity=40) if s.warehouse_id == third else s for s in base.network.sites)
    network = replace(base.network, sites=sites, strategies={**base.network.strategies, strategy.name: strict})
    demand = Demand(base, ASSUMPTIONS, seed=4)
    catalog = SimCatalog(base)
    levels = base.stock_levels()
    memo = PlanningMemo(network)
    reasons = set()
    for n, (placed, payload) in enumerate(placed_orders(base, demand, [300])):
        request = request_of(intake(placed.order["channel"], payload, catalog), demand.start + timedelta(hours=n % 24, minutes=7 * n % 60))
        if request is None:
            continue
        shipped = {third: 35 + n % 10}  # under, at and over its capacity
        with_memo, without = (prepare(request, network, levels, packages_today=shipped, memo=m) for m in (memo, None))
        assert with_memo == without
        if not isinstance(without, Unroutable):
            reasons |= {e.reason.split(" ")[0] for e in without.excluded}
            assert optimiser.search(problem_of(with_memo, network, memo=memo)).solutions == optimiser.search(problem_of(without, network)).solutions
    assert {"excluded", "strategy", "at"} <= reasons  # each kind of exclusion was met


def test_a_lanes_terms_at_fewer_kilograms_are_the_terms_computed_afresh():
    """The memo serves a new weight from the longest price table it built for the lane (a prefix):
    asked large first, then small, then larger still, each answer is planner.candidate_terms'."""
    from shared.routing.planner import candidate_terms

    world = make_world(ASSUMPTIONS, 50, seed=4, warehouses=8)
    network = world.network
    memo = PlanningMemo(network)
    demand = Demand(world, ASSUMPTIONS, seed=4)
    destinations = {request_of(intake(p.order["channel"], payload, SimCatalog(world)), demand.start).destination for p, payload in placed_orders(world, demand, [30])}
    compared = 0
    for destination in sorted(destinations, key=lambda d: d.province_code)[:5]:
        for strategy in network.strategies.values():
            lanes = memo.lanes(network.sites, destination, None, demand.start)
            for lane_ in lanes:
                for kg in (40, 1, 7, 40, 39, 2, 120, 63, 1, 121):
                    assert memo.candidate_terms(lane_, strategy, kg) == candidate_terms(lane_, strategy, kg)
                    compared += 1
    assert compared > 500
