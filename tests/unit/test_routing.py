import pytest

from shared.geo import distance_km, find_province
from shared.routing import RoutingPlan, StockLevel, Unroutable, Warehouse, plan_nearest_complete

SHANGHAI = Warehouse(warehouse_id="WH-SH", name="sh", province="上海市", city="上海市", lat=31.38, lon=121.27)
BEIJING = Warehouse(warehouse_id="WH-BJ", name="bj", province="北京市", city="北京市", lat=39.73, lon=116.34)
GUANGZHOU = Warehouse(warehouse_id="WH-GZ", name="gz", province="广东省", city="广州市", lat=23.16, lon=113.27)
WAREHOUSES = [SHANGHAI, BEIJING, GUANGZHOU]


def stock(*rows: tuple[str, str, int]) -> list[StockLevel]:
    return [StockLevel(sku=sku, warehouse_id=wh, available=q) for sku, wh, q in rows]


@pytest.mark.parametrize(("name", "code"), [("上海", "31"), ("上海市", "31"), ("Shanghai", "31"), ("guangxi", "45"), ("广西壮族自治区", "45"), ("广西", "45"), ("31", "31")])
def test_province_names_as_channels_write_them(name, code):
    assert find_province(name).code == code


def test_unknown_province_is_none():
    assert find_province("Ontario") is None


def test_distance_shanghai_beijing_is_about_1070_km():
    sh, bj = find_province("上海"), find_province("北京")
    assert 1050 < distance_km(sh.lat, sh.lon, bj.lat, bj.lon) < 1090


def test_nearest_warehouse_holding_every_line_wins():
    plan = plan_nearest_complete([("A", 2), ("B", 1)], find_province("浙江"), WAREHOUSES, stock(("A", "WH-SH", 5), ("B", "WH-SH", 1), ("A", "WH-BJ", 9), ("B", "WH-BJ", 9)))
    assert isinstance(plan, RoutingPlan)
    assert [s.warehouse_id for s in plan.shipments] == ["WH-SH"]


def test_nearer_warehouse_missing_one_line_is_skipped():
    plan = plan_nearest_complete([("A", 2), ("B", 2)], find_province("上海"), WAREHOUSES, stock(("A", "WH-SH", 5), ("B", "WH-SH", 1), ("A", "WH-GZ", 2), ("B", "WH-GZ", 2)))
    assert plan.shipments[0].warehouse_id == "WH-GZ"


def test_repeated_sku_lines_are_summed_before_checking_stock():
    plan = plan_nearest_complete([("A", 2), ("A", 2)], find_province("上海"), WAREHOUSES, stock(("A", "WH-SH", 3), ("A", "WH-BJ", 4)))
    assert plan.shipments[0].warehouse_id == "WH-BJ"
    assert [(l.sku, l.quantity) for l in plan.shipments[0].lines] == [("A", 4)]


def test_no_complete_warehouse_names_the_short_lines():
    result = plan_nearest_complete([("A", 1), ("B", 5)], find_province("上海"), WAREHOUSES, stock(("A", "WH-SH", 9), ("B", "WH-GZ", 3)))
    assert isinstance(result, Unroutable)
    assert [(s.sku, s.requested, s.best_single_warehouse) for s in result.short_lines] == [("B", 5, 3)]


def test_lines_available_only_in_different_warehouses_are_all_reported():
    result = plan_nearest_complete([("A", 1), ("B", 1)], find_province("上海"), WAREHOUSES, stock(("A", "WH-SH", 1), ("B", "WH-GZ", 1)))
    assert isinstance(result, Unroutable)
    assert {s.sku for s in result.short_lines} == {"A", "B"}


def test_equal_distances_break_ties_on_warehouse_id():
    twin = SHANGHAI.model_copy(update={"warehouse_id": "WH-AA"})
    plan = plan_nearest_complete([("A", 1)], find_province("上海"), [SHANGHAI, twin], stock(("A", "WH-SH", 1), ("A", "WH-AA", 1)))
    assert plan.shipments[0].warehouse_id == "WH-AA"
