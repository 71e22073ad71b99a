"""The cost model, checked against figures worked out by hand from shared/data/routing_rates.json."""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from shared.geo import find_province
from shared.routing import destination_of
from shared.routing.costs import billed_kg, lane, package_cost, plan_fen
from tests.unit.routing_network import NOON_UTC, network

NET = network()


def lane_to(warehouse: str, province: str, promised: date | None = None, now: datetime = NOON_UTC):
    return lane(NET.site(warehouse), destination_of(find_province(province)), NET, promised, now)


@pytest.mark.parametrize(("grams", "kg"), [(0, 1), (300, 1), (1000, 1), (1001, 2), (2500, 3), (20000, 20)])
def test_weight_bills_in_whole_kilograms_rounded_up_at_least_one(grams, kg):
    assert billed_kg(grams) == kg


@pytest.mark.parametrize(
    ("warehouse", "province", "zone"),
    [
        ("WH-SH", "上海", "local"),  # same province
        ("WH-HZ", "上海", "local"),  # 江浙沪皖 ship as local
        ("WH-BJ", "天津", "local"),  # 京津冀
        ("WH-SH", "新疆", "remote"),  # remote destination, whatever the distance
        ("WH-HZ", "安徽", "local"),
        ("WH-BJ", "上海", "z3"),  # 1,052 km: the 1,000–1,500 km band
        ("WH-GZ", "广西", "z2"),  # Guangzhou–Nanning 500–1,000 km
        ("WH-BJ", "云南", "z4"),  # Beijing–Kunming 2,000+ km
    ],
)
def test_zone_by_province_group_remote_destination_or_distance_band(warehouse, province, zone):
    assert lane_to(warehouse, province).zone == zone


def test_package_cost_is_handling_first_kilogram_and_further_kilograms_at_the_cheapest_carrier():
    cost = package_cost(lane_to("WH-BJ", "上海"), 2500)
    # zto z3: 6.00 first + 2 × 3.50 further + 2.00 handling (sf would be 31.00, deppon 26.60)
    assert (cost.carrier, cost.billed_kg, cost.first_kg, cost.additional_kg, cost.handling, cost.total) == (
        "zto", 3, Decimal("6.00"), Decimal("7.00"), Decimal("2.00"), Decimal("15.00")
    )


def test_heavy_parcel_goes_with_the_carrier_cheapest_per_kilogram():
    cost = package_cost(lane_to("WH-BJ", "上海"), 20000)
    assert (cost.carrier, cost.total) == ("deppon", Decimal("57.20"))  # 21.00 + 19 × 1.80 + 2.00; zto 74.50


def test_a_carrier_that_would_miss_the_promised_date_loses_to_one_that_meets_it():
    two_days_out = date(2026, 11, 13)
    cost = package_cost(lane_to("WH-BJ", "上海", promised=two_days_out), 800)
    # zto takes 3 days: 2.00 + 6.00 + 10.00 late penalty = 18.00; sf takes 2: 2.00 + 15.00 = 17.00
    assert (cost.carrier, cost.late, cost.total) == ("sf", False, Decimal("17.00"))


def test_after_the_cut_off_the_parcel_leaves_a_day_later_and_misses_the_promise():
    evening = datetime(2026, 11, 11, 10, 0, tzinfo=timezone.utc)  # 18:00 China time, cut-off 17:00
    cost = package_cost(lane_to("WH-BJ", "上海", promised=date(2026, 11, 13), now=evening), 800)
    assert (cost.ships_in_days, cost.carrier, cost.late, cost.late_penalty, cost.total) == (1, "zto", True, Decimal("10.00"), Decimal("18.00"))


def test_no_promised_date_means_no_late_penalty():
    assert not package_cost(lane_to("WH-GZ", "新疆"), 800).late


def test_plan_cost_adds_the_extra_package_penalty_for_every_package_after_the_first():
    lanes = {w: lane_to(w, "上海") for w in ("WH-SH", "WH-BJ")}
    one = plan_fen(lanes, [("WH-SH", 800)], NET.extra_package_fen)
    two = plan_fen(lanes, [("WH-SH", 800), ("WH-BJ", 800)], NET.extra_package_fen)
    assert one == 520  # 2.00 + 3.20
    assert two == 520 + 800 + 200  # WH-BJ: 2.00 + 6.00; one extra package: 2.00
