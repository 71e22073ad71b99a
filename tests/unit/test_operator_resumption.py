"""Where an operator's retry of an order that failed while RESERVED resumes: at the release when
its plan's stock is held as planned, at routing otherwise. Lines of an earlier reservation that
were released or committed (records of an older version, decision 183) do not count."""

from __future__ import annotations

from types import SimpleNamespace

from shared.inventory import ReservationLine
from shared.lifecycle import OrderStatus
from shared.recovery.operator import Resume, _resumption
from shared.routing import PlannedLine, RoutingPlan, Shipment

NOW = "2026-11-11T00:00:00Z"
PLAN = RoutingPlan(
    strategy="test",
    shipments=[
        Shipment(warehouse_id="WH-A", distance_km=1.0, lines=[PlannedLine(sku="A-1", quantity=2)]),
        Shipment(warehouse_id="WH-B", distance_km=1.0, lines=[PlannedLine(sku="B-1", quantity=1)]),
    ],
)


def _line(warehouse: str, sku: str, quantity: int, state: str, group: str | None) -> ReservationLine:
    return ReservationLine(order_id="OMS-1", warehouse_id=warehouse, sku=sku, quantity=quantity, state=state, created_at=NOW, hold_expires_at=NOW, group=group)


def _resume(lines: list[ReservationLine]) -> tuple[OrderStatus, Resume | None]:
    inventory = SimpleNamespace(reservations=lambda order_id: lines)
    return _resumption(SimpleNamespace(order_id="OMS-1", plan=PLAN), OrderStatus.RESERVED, inventory)


def test_the_plan_held_as_planned_resumes_at_the_release_beside_an_older_released_record():
    current = [_line("WH-A", "A-1", 2, "HELD", "ORDER#000006"), _line("WH-B", "B-1", 1, "HELD", "ORDER#000006")]
    older = [_line("WH-A", "A-1", 2, "RELEASED", "ORDER#000004")]
    assert _resume(current) == (OrderStatus.RESERVED, Resume.RELEASE)
    assert _resume(older + current) == (OrderStatus.RESERVED, Resume.RELEASE)


def test_a_plan_line_released_or_missing_or_an_extra_hold_routes_again():
    assert _resume([_line("WH-A", "A-1", 2, "HELD", None), _line("WH-B", "B-1", 1, "RELEASED", None)]) == (OrderStatus.APPROVED, Resume.ROUTE)
    assert _resume([_line("WH-A", "A-1", 2, "HELD", None)]) == (OrderStatus.APPROVED, Resume.ROUTE)
    extra = _line("WH-C", "C-1", 4, "HELD", None)  # a crashed attempt's hold of another plan
    assert _resume([_line("WH-A", "A-1", 2, "HELD", None), _line("WH-B", "B-1", 1, "HELD", None), extra]) == (OrderStatus.APPROVED, Resume.ROUTE)
    assert _resume([]) == (OrderStatus.APPROVED, Resume.ROUTE)
