"""The review step on moto: it consults the seeded reference data and other stored orders through
the review table and the orders table's sparse indexes, and records why it decided."""

import json

from functions.intake.handler import handler as intake
from functions.review.handler import handler as review
from shared.aws.stores import order_history, order_store
from shared.orders import OrderIn
from tests.integration.conftest import api_request, context


def accept(order: dict) -> str:
    status, answer = api_request(intake, "POST", "/orders", "/orders", json.dumps(order))
    assert status == 202, answer
    return answer["order_id"]


def review_of(order_id: str) -> tuple[str, list[dict]]:
    decision = review({"order_id": order_id}, context())["decision"]
    entry = order_store().details(order_id).timeline[-1]
    return decision, entry.details["findings"]


def test_the_same_buyers_same_lines_minutes_later_is_held_as_a_duplicate(seeded, shanghai_order):
    first = accept(shanghai_order)
    assert review_of(first) == ("APPROVED", [])
    second = accept({**shanghai_order, "external_id": "SHOP-20261111-000002", "placed_at": "2026-11-11T00:12:00+08:00"})
    decision, findings = review_of(second)
    assert decision == "ON_HOLD"
    assert {f["rule_id"]: f["severity"] for f in findings} == {"duplicate.same_lines": "HOLD", "merge.candidate": "FLAG"}
    assert first in findings[0]["reason_en"] and "疑似重复下单" in findings[0]["reason_zh"]


def test_an_order_placed_outside_every_window_is_not_compared(seeded, shanghai_order):
    accept(shanghai_order)
    later = accept({**shanghai_order, "external_id": "SHOP-LATER", "placed_at": "2026-11-13T09:00:00+08:00"})
    assert review_of(later) == ("APPROVED", [])


def test_reference_data_in_the_review_table_decides(seeded, shanghai_order):
    fraud = accept({**shanghai_order, "external_id": "F-1", "buyer": {"buyer_id": "jd_fraud_ring_01"}})
    decision, findings = review_of(fraud)
    assert decision == "REJECTED" and findings[0]["reason_en"] == "buyer jd_fraud_ring_01 is blacklisted"
    cheap = accept({**shanghai_order, "external_id": "F-2", "lines": [{"sku": "KETTLE-IRON-1L", "quantity": 1, "unit_price": "299.00"}]})
    assert review_of(cheap)[1][0]["reason_en"] == "line 1 (KETTLE-IRON-1L): net unit price 299.00 is below the floor 320.00"


def test_recent_orders_are_found_by_buyer_and_by_address_through_the_indexes(seeded, shanghai_order):
    ids = [accept({**shanghai_order, "external_id": f"A-{i}", "buyer": {"buyer_id": f"C-A{i}"}}) for i in range(3)]
    # The same address written another way (short province name, full-width digits and spaces).
    receiver = {**shanghai_order["receiver"], "province": "上海", "detail": "世纪大道１００号8楼"}
    probe = OrderIn.model_validate({**shanghai_order, "external_id": "A-probe", "buyer": {"buyer_id": "C-A0"}, "receiver": receiver})
    recent = order_history().around(probe, minutes=60)
    assert {r.order_id for r in recent.by_address[next(iter(recent.by_address))]} == set(ids)
    assert [r.order_id for r in recent.by_buyer["own_shop#C-A0"]] == [ids[0]]
    assert order_history().around(probe, minutes=0).by_buyer == {}


def test_the_last_stored_orders_come_newest_first(seeded, shanghai_order):
    ids = [accept({**shanghai_order, "external_id": f"N-{i}"}) for i in range(5)]
    assert [s.order_id for s in order_history().last_stored(3)] == ids[:-4:-1]
