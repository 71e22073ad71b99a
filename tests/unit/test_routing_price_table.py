"""A lane's price table by billed kilograms is built a carrier's stretch at a time (decision 167):
it must be, kilogram by kilogram, the cheapest of the carriers' straight lines."""

import random

from shared.routing.planner import _price_table


def cheapest_of_each_kilogram(carriers: list[tuple[int, int]], kg: int) -> tuple[int, ...]:
    return (0, *(min(fixed + additional * k for fixed, additional in carriers) for k in range(kg)))


def test_the_table_is_the_cheapest_carrier_at_every_kilogram():
    rng = random.Random(167)
    for _ in range(20_000):
        carriers = [(rng.randint(0, 3000), rng.choice([0, rng.randint(0, 800)])) for _ in range(rng.randint(1, 4))]
        kg = rng.randint(0, 150)
        assert _price_table(carriers, kg) == cheapest_of_each_kilogram(carriers, kg), (carriers, kg)


def test_ties_crossings_and_flat_carriers():
    # equal at 1 kg, the flatter wins after; a free further kilogram; lines crossing twice over
    assert _price_table([(1000, 200), (1000, 100)], 4) == (0, 1000, 1100, 1200, 1300)
    assert _price_table([(500, 0), (100, 150)], 5) == (0, 100, 250, 400, 500, 500)
    assert _price_table([(900, 50), (100, 400), (400, 150)], 6) == cheapest_of_each_kilogram([(900, 50), (100, 400), (400, 150)], 6)
