"""The order health index and each KPI on a hand-made day of orders, to the exact figure
(docs/console.md works the same example by hand), through the aggregator's real path: order
changes -> idempotent transactions on the operations table -> the overview and KPI reads."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from shared.operations.domain import OrderChange, OrderImage
from shared.operations.store import OperationsStore
from shared.operations.usecases import AggregationFailed, aggregate, kpis, overview, snapshot

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)
DAY = "2026-12-01"


def plan(*shipments: tuple[str, str], strategy: str = "lowest-cost") -> dict:
    costs = [Decimal(c) for _, c in shipments]
    return {
        "strategy": strategy,
        "shipments": [{"warehouse_id": w, "distance_km": 10.0, "lines": [], "cost": c} for w, c in shipments],
        "total_cost": str(sum(costs)),
    }


def lifecycle(order_id: str, channel: str, created: str, steps: list[tuple[str, str, dict]]) -> list[OrderChange]:
    """The changes of one order: created at `created`, then each (status, at, extra fields)."""
    base = {"order_id": order_id, "channel": channel, "created_at": f"{DAY}T{created}Z"}
    image = OrderImage(**base, status="RECEIVED", version=1, updated_at=base["created_at"])
    changes = [OrderChange(old=None, new=image)]
    fields: dict = {}
    for version, (status, at, extra) in enumerate(steps, start=2):
        fields |= extra
        item = {**base, "status": status, "version": version, "updated_at": f"{DAY}T{at}Z", "order": {"channel": channel}, **fields}
        new = OrderImage.of(item)
        changes.append(OrderChange(old=image, new=new))
        image = new
    return changes


RULES = {"rule_set_version": 3}
HOLD = {"hold": {"since": f"{DAY}T10:00:01Z", "findings": []}}  # the order item keeps its hold for good
DAY_OF_ORDERS = [
    # A: automatic all the way, 4 s from intake to the outbound note
    lifecycle("A", "tmall", "10:00:00", [("APPROVED", "10:00:01", RULES), ("ROUTED", "10:00:02", {"plan": plan(("WH-SH", "8.00"))}), ("RESERVED", "10:00:03", {}), ("RELEASED", "10:00:04", {})]),
    # B: held, approved an hour later, shipped from two warehouses
    lifecycle("B", "tmall", "10:00:00", [("ON_HOLD", "10:00:01", RULES | HOLD), ("APPROVED", "11:00:00", {}), ("ROUTED", "11:00:01", {"plan": plan(("WH-SH", "6.00"), ("WH-BJ", "7.00"))}), ("RESERVED", "11:00:02", {}), ("RELEASED", "11:00:03", {})]),
    # C: refused by review
    lifecycle("C", "jd", "10:00:00", [("REJECTED", "10:00:01", RULES)]),
    # D: the WMS failed: in EXCEPTION since 11:50
    lifecycle("D", "jd", "11:50:00", [("APPROVED", "11:50:01", RULES), ("ROUTED", "11:50:02", {"plan": plan(("WH-BJ", "9.00"))}), ("RESERVED", "11:50:03", {}), ("EXCEPTION", "11:50:04", {"failed_status": "RESERVED"})]),
    # E: just received; F: received an hour ago and stuck there
    lifecycle("E", "tmall", "11:58:00", []),
    lifecycle("F", "tmall", "11:00:00", []),
    # G: held since 09:00, nobody decided (an aged hold)
    lifecycle("G", "jd", "09:00:00", [("ON_HOLD", "09:00:01", RULES | HOLD)]),
    # H: approved, no stock anywhere
    lifecycle("H", "tmall", "11:30:00", [("APPROVED", "11:30:01", RULES), ("BACKORDERED", "11:30:02", {})]),
]


# Interleaved as a stream delivers them: each order's changes in order, orders mixed.
CHANGES = [c for round_ in zip(*[o + [None] * (6 - len(o)) for o in DAY_OF_ORDERS]) for c in round_ if c]
SEQUENCE = [f"{n:021d}" for n in range(100, 100 + len(CHANGES))]


@pytest.fixture
def store(aws) -> OperationsStore:
    operations = OperationsStore()
    assert aggregate(CHANGES, operations, SEQUENCE) == len(CHANGES)
    return operations


def test_health_index_and_queues_on_a_hand_made_day(store):
    figures = overview(store, NOW)
    detail = figures["health"]["detail"]
    # on time 11/15 (weighted) − exceptions 1/7 − ½·aged holds 1/7 − ¼·backorders 1/7 = 29/60
    assert figures["health"]["index"] == Decimal("48.3")
    assert detail.on_time_share == Decimal("0.7333")
    assert figures["open_by_status"] == {"RELEASED": 2, "EXCEPTION": 1, "RECEIVED": 2, "ON_HOLD": 1, "BACKORDERED": 1}
    assert figures["stuck_by_status"] == {"RECEIVED": 1, "ON_HOLD": 1}
    assert (figures["exceptions"], figures["backorders"]) == (1, 1)
    assert figures["holds_by_age"] == {"under_30m": 0, "30m_to_2h": 0, "over_2h": 1}
    assert figures["health"]["by_channel"] == {"jd": Decimal("0.0"), "tmall": Decimal("67.7")}
    assert figures["health"]["by_warehouse"] == {"WH-BJ": Decimal("50.0"), "WH-SH": Decimal("100.0")}
    hours = dict(zip(figures["orders_per_hour"]["hours"], figures["orders_per_hour"]["by_channel"]["tmall"]))
    assert (hours["2026-12-01T10"], hours["2026-12-01T11"]) == (2, 3)
    assert figures["today"]["received"] == 8


def test_each_kpi_on_a_hand_made_day(store):
    today = overview(store, NOW)["today"]
    figures = today["all"]
    assert figures["avg_processing_seconds"] == Decimal("1803.500")  # (4 s + 3603 s) / 2
    assert figures["manual_intervention_pct"] == Decimal("50.00")  # B, D, G touched of 6 reviewed
    assert figures["order_error_pct"] == Decimal("16.67")  # D of 6 reviewed
    assert figures["cost_per_order"] == Decimal("10.50")  # (8.00 + 13.00) / 2
    assert figures["packages_per_order"] == Decimal("1.50")
    assert figures["automation_pct"] == Decimal("50.00")  # A of A, B
    assert figures["peak_orders_per_second"] == 3  # A, B, C at 10:00:00
    assert (figures["o2o_p50_seconds"], figures["o2o_p95_seconds"]) == (Decimal(5), Decimal(14400))
    assert today["by_warehouse"]["WH-SH"]["cost_per_order"] == Decimal("7.00")  # (8.00 + 6.00) / 2
    assert today["by_warehouse"]["WH-BJ"]["packages_per_order"] == Decimal("1.00")

    report = kpis(store, NOW, days=7)
    by_name = {k.name: k for k in report["kpis"]}
    cost = by_name["cost_per_order"]
    assert (cost.baseline, cost.target, cost.today, cost.anchor_met) == (Decimal("13.8"), Decimal("10.07"), Decimal("10.50"), True)
    manual = by_name["manual_intervention_pct"]
    assert (manual.today, manual.meets_target, manual.anchor_met) == (Decimal("50.00"), False, False)
    assert [t["value"] for t in manual.trend] == [None] * 6 + [Decimal("50.00")]
    assert report["by_ruleset"]["3"]["manual_intervention_pct"] == Decimal("50.00")
    assert report["by_policy"]["lowest-cost"]["automation_pct"] == Decimal("50.00")


def figures_of(store: OperationsStore) -> tuple:
    figures = overview(store, NOW)
    return figures["today"], figures["open_by_status"], figures["health"]["index"]


def test_a_redelivered_batch_counts_nothing_twice(store):
    before = figures_of(store)
    assert aggregate(CHANGES, store, SEQUENCE) == 0  # the same batch again (a crash after the commit)
    assert aggregate(CHANGES[:7], store, SEQUENCE[:7]) == 0  # a shorter one from the same record
    assert figures_of(store) == before


def test_a_batch_counted_in_runs_then_retried_counts_each_change_once(aws, monkeypatch):
    """Counted in runs of a few changes, each its own transaction; the third run fails. The stream
    retries from the record the function named (the failed run's first), then a whole batch is
    delivered again from its first record after a crash: what was counted is skipped."""
    expected = OperationsStore("expected")
    _create_table(expected)
    aggregate(CHANGES, expected, SEQUENCE, stream="other")
    store = OperationsStore()
    monkeypatch.setattr("shared.operations.usecases.MAX_TRANSACTION_ITEMS", 30)
    real_apply, calls = OperationsStore.apply, []

    def failing_third(self, stream, first, last, deltas):
        calls.append(first)
        if len(calls) == 3:
            raise RuntimeError("throttled")
        return real_apply(self, stream, first, last, deltas)

    monkeypatch.setattr(OperationsStore, "apply", failing_third)
    with pytest.raises(AggregationFailed) as failed:
        aggregate(CHANGES, store, SEQUENCE)
    retry_from = failed.value.first_failed
    assert 0 < retry_from < len(CHANGES) and SEQUENCE[retry_from] == calls[2]
    counted = aggregate(CHANGES[retry_from:], store, SEQUENCE[retry_from:])
    assert counted == len(CHANGES) - retry_from
    assert aggregate(CHANGES, store, SEQUENCE) == 0  # the whole batch again: every run is skipped
    assert figures_of(store) == figures_of(expected)


def _create_table(store: OperationsStore) -> None:
    from shared.aws.clients import client, resource_name

    db = client("dynamodb")
    spec = db.describe_table(TableName=resource_name("OPERATIONS_TABLE"))["Table"]
    db.create_table(TableName=store.table, KeySchema=spec["KeySchema"], AttributeDefinitions=spec["AttributeDefinitions"], BillingMode="PAY_PER_REQUEST")


def test_the_minute_snapshot_keeps_the_history(store):
    values = snapshot(store, NOW)
    assert values["all"] == Decimal("48.3")
    history = overview(store, NOW)["health_history"]
    assert history["minutes"] == [{"at": "2026-12-01T12:00", "index": Decimal("48.3")}]
    assert history["days"][0]["worst"] == Decimal("48.3")


def test_the_days_peak_is_written_only_when_a_second_beats_it(store, monkeypatch):
    writes: list[dict] = []
    db = store.db
    real = db.update_item
    monkeypatch.setattr(db, "update_item", lambda **kwargs: (writes.append(kwargs), real(**kwargs))[1])

    def received_at(second: str, *names: str) -> list[OrderChange]:
        return [OrderChange(old=None, new=OrderImage(order_id=n, channel="jd", created_at=f"{DAY}T{second}Z", updated_at=f"{DAY}T{second}Z", status="RECEIVED", version=1)) for n in names]

    quiet = received_at("11:59:00", "P1")  # 1 in its second: under the day's 3
    assert aggregate(quiet, store, ["9" * 21]) == 1
    assert writes == [] and overview(store, NOW)["today"]["all"]["peak_orders_per_second"] == 3
    busy = received_at("11:59:30", "P2", "P3", "P4", "P5")
    assert aggregate(busy, store, [f"8{n:020d}" for n in range(4)]) == 4
    assert len(writes) == 1 and overview(store, NOW)["today"]["all"]["peak_orders_per_second"] == 4


def test_today_and_the_kpis_days_are_chinas_days_not_utc_days(aws):
    """Decision 265: an order received at 00:30 in Beijing (16:30 UTC the day before) is today's
    order for a team in China at 01:00, and the order of 23:30 Beijing time is yesterday's."""
    operations = OperationsStore()

    def received(order_id: str, at: str) -> OrderChange:
        return OrderChange(old=None, new=OrderImage(order_id=order_id, channel="tmall", created_at=at, updated_at=at, status="RECEIVED", version=1))

    changes = [received("LATE", "2026-12-01T15:30:00.000Z"), received("EARLY-1", "2026-12-01T16:30:00.000Z"), received("EARLY-2", "2026-12-01T16:30:00.500Z")]
    assert aggregate(changes, operations, [f"{n:021d}" for n in range(3)]) == 3
    now = datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc)  # 01:00 on 2 December in Beijing

    today = overview(operations, now)["today"]
    assert (today["day"], today["received"], today["all"]["peak_orders_per_second"]) == ("2026-12-02", 2, 2)
    report = kpis(operations, now, days=2)
    assert report["window"] == {"from": "2026-12-01", "to": "2026-12-02"}
    peaks = {k.name: k for k in report["kpis"]}["peak_orders_per_second"]
    assert peaks.today == 2 and [(day["day"], day["value"]) for day in peaks.trend] == [("2026-12-01", 1), ("2026-12-02", 2)]
