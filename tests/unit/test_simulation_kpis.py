"""Each KPI of the simulation pinned on a hand-made set of orders: the expected numbers are
worked out by hand in the comments (docs/simulation.md states the formulas)."""

from decimal import Decimal

import pytest

from simulation.kpis import People, compute
from simulation.outcome import Outcome
from simulation.queueing import AutomatedLine, Staff
from simulation.stock import SimStock

HOUR = 3600.0
PEOPLE = People(review_seconds=60, arrange_seconds=120, wage_yuan_per_hour=Decimal("36.00"), rework_yuan=Decimal("20.00"))


def hand_made() -> list[Outcome]:
    return [
        # 1: clean, automatic, released after 1 h, 10.00 yuan, one package
        Outcome(1, "clean", False, False, 0.0, released_at=HOUR, cost_fen=1000, packages=1),
        # 2: clean B2B, a person reviewed it, released after 2 h, 20.00 yuan, two packages (one late), shipped transferred units
        Outcome(2, "clean", False, True, 0.0, person_reviewed=True, released_at=2 * HOUR, cost_fen=2000, packages=2, late_packages=1, from_transfer=True),
        # 3: a wrong price a person caught: rejected, never released
        Outcome(3, "wrong_price", True, False, 100.0, person_reviewed=True, caught=True, rejected=True, rejected_at=200.0),
        # 4: an error no rule can see: released after 0.5 h with its error, 15.00 yuan
        Outcome(4, "bad_address_invisible", True, False, 0.0, released_at=0.5 * HOUR, cost_fen=1500, packages=1),
        # 5: clean, short of stock: a person looked for stock, still backordered at the end
        Outcome(5, "clean", False, False, 0.0, person_arranged=True, backordered=True),
    ]


def test_every_kpi_on_the_hand_made_orders():
    k = compute(hand_made(), PEOPLE, peak_orders_per_second=400)
    assert (k.orders, k.released, k.rejected, k.backordered, k.waited_for_stock) == (5, 3, 1, 1, 1)
    # processing: (1 + 2 + 0.5) / 3 released = 1.1667 h; p50 of [0.5, 1, 2] = 1, p95 = 2
    assert k.processing_hours_mean == pytest.approx(3.5 / 3)
    assert (k.processing_hours_p50, k.processing_hours_p95) == (1.0, 2.0)
    # manual intervention: orders 2, 3 (review) and 5 (arrangement) of 5
    assert k.manual_intervention == pytest.approx(0.6)
    # errors at the warehouse: order 4 of the 3 released (order 3's error was stopped)
    assert (k.errors_released, k.errors_at_warehouse) == (1, pytest.approx(1 / 3))
    # cost: routing 45.00 + people (2 × 60 s + 120 s = 240 s = 1/15 h × 36 = 2.40) + rework 20.00 = 67.40 over 3 = 22.4667
    assert k.cost_per_order == Decimal("22.47")
    assert (k.routing_cost_per_order, k.people_cost_per_order, k.rework_cost_per_order) == (Decimal("15.00"), Decimal("0.80"), Decimal("6.67"))
    assert k.peak_orders_per_second == 400  # a stated capacity, passed through
    # automation: decisions = 5 reviews + 4 routings (all but the rejected one) = 9; by a person: 2 reviews + 1 arrangement
    assert k.automation_rate == pytest.approx(6 / 9)
    # transfers: order 2 of the 3 released
    assert (k.transfer_orders, k.transfer_share) == (1, pytest.approx(1 / 3))
    assert k.packages_per_order == pytest.approx(4 / 3) and k.late_orders == 1


def test_no_released_orders_gives_zeros_not_errors():
    k = compute([Outcome(1, "wrong_price", True, False, 0.0, rejected=True, caught=True)], PEOPLE, 1200)
    assert (k.released, k.processing_hours_mean, k.errors_at_warehouse, k.cost_per_order) == (0, 0.0, 0.0, Decimal("0.00"))
    assert k.automation_rate == 1.0  # one review decision, by the rules


def test_the_automated_line_is_first_come_first_served_at_its_rate():
    line = AutomatedLine(rate=2, latency=0.5)
    # three at once: done 0.5, 1.0, 1.5 (+ 0.5 latency each); a later one waits for nobody
    assert [line.serve(t) for t in (0, 0, 0, 10)] == [1.0, 1.5, 2.0, 11.0]
    assert (line.longest_wait, line.busiest_backlog) == (1.0, 3)


def test_people_work_their_shift_and_carry_work_over_to_the_next():
    staff = Staff(people=1, shift_start_hour=8, shift_end_hour=10)
    assert staff.serve(0, 60) == 8 * HOUR + 60  # arrives at midnight, waits for 08:00
    # two hours of work from 08:01: 1 h 59 min today, the last minute tomorrow at 08:00
    assert staff.serve(0, 2 * HOUR) == 86400 + 8 * HOUR + 60
    with pytest.raises(ValueError):
        Staff(people=0, shift_start_hour=8, shift_end_hour=10)


def test_stock_reserves_all_or_nothing_and_counts_transferred_units():
    stock = SimStock.opening({("A", "X"): 10, ("B", "X"): 100, ("A", "Y"): 1}, {"reorder_point_share": 0.2, "transfer_share_of_target": 0.5, "transfer_lead_hours": 1})
    assert stock.reserve({("A", "X"): 5, ("A", "Y"): 2}, now=0) is None  # Y is short: nothing changes
    assert stock.record("A", "X").available == 10
    assert stock.reserve({("A", "X"): 8}, now=0) is False  # own stock; A falls to 2 ≤ 20% of 10: B sends 5
    [transfer] = stock.transfers
    assert (transfer.source, transfer.target, transfer.units, transfer.arrives_at) == ("B", "A", 5, HOUR)
    assert stock.record("B", "X").on_hand == 95
    stock.arrive(transfer)
    assert stock.reserve({("A", "X"): 2}, now=HOUR) is False  # the 2 own units left go first
    assert stock.reserve({("A", "X"): 1}, now=HOUR) is True  # then the transferred ones
    assert stock.record("A", "X").available == 4
    assert stock.replenish() > 0 and stock.record("A", "X").available >= 10  # the supplier fills back up
