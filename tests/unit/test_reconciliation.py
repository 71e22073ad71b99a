"""Reconciliation's pure parts: which difference a pulled order shows, windows and run ids, the
CSV report's neutralised cells, the WMS shipped list."""

from __future__ import annotations

import copy
import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from local.platform_orders import PARSERS, template
from shared.lifecycle import OrderStatus
from shared.reconciliation.compare import Action, OmsCopy, compare
from shared.reconciliation.domain import ChannelState, Difference, DifferenceKind, PulledOrder, Resolution, RunKind, RunState, RunSummary, Window, run_id_for
from shared.reconciliation.report import neutralised, report_csv
from shared.reconciliation.usecases.plan_runs import incremental_window, nightly_window, plan_runs
from shared.reconciliation.warehouse import read_shipped_list

NOW = datetime(2026, 12, 1, 10, 7, 42, tzinfo=UTC)


def pulled(state: ChannelState, status: str = "s") -> PulledOrder:
    payload = template("shopify")
    return PulledOrder(channel="shopify", external_id=str(payload["id"]), platform_status=status, state=state, payload=payload)


def oms(status: OrderStatus, with_order: bool = True) -> OmsCopy:
    order = PARSERS["shopify"](template("shopify")).order
    return OmsCopy(order_id="OMS-1", status=status, fingerprint="f", order=order if with_order else None)


def channel_order(**changes):
    payload = copy.deepcopy(template("shopify"))
    payload.update(changes)
    return PARSERS["shopify"](payload).order


def kinds(findings) -> list[tuple[DifferenceKind, Action]]:
    return [(f.kind, f.action) for f in findings]


def test_missing_shippable_orders_are_ingested_and_missing_cancelled_ones_are_nothing_lost() -> None:
    assert kinds(compare(pulled(ChannelState.AWAITING_SHIPMENT), channel_order(), None, None)) == [(DifferenceKind.MISSING_IN_OMS, Action.INGEST)]
    assert compare(pulled(ChannelState.CANCELLED), None, "cancelled_at: not fulfillable", None) == []
    assert compare(pulled(ChannelState.UNPAID), None, "status", None) == []
    shipped = compare(pulled(ChannelState.SHIPPED), None, "fulfilled elsewhere", None)
    assert kinds(shipped) == [(DifferenceKind.MISSING_NOT_SHIPPABLE, Action.REPORT)] and "fulfilled elsewhere" in shipped[0].detail


@pytest.mark.parametrize("state", [ChannelState.SHIPPED, ChannelState.COMPLETED])
def test_a_missing_order_the_channel_already_shipped_is_reported_not_ingested_even_when_its_adapter_reads_it(state) -> None:
    # Shopify's webhook adapter reads a fulfilled order (nothing in it refuses fulfillment_status):
    # re-ingesting it would ship the goods a second time.
    fulfilled = channel_order(fulfillment_status="fulfilled")
    [finding] = compare(pulled(state, "paid/fulfilled"), fulfilled, None, None)
    assert (finding.kind, finding.action, finding.channel_value) == (DifferenceKind.MISSING_NOT_SHIPPABLE, Action.REPORT, "paid/fulfilled")


@pytest.mark.parametrize("status", [OrderStatus.RECEIVED, OrderStatus.RESERVED, OrderStatus.RELEASED, OrderStatus.SHIPPED])
def test_cancelled_or_refunded_on_the_channel_while_oms_fulfils_needs_a_person(status) -> None:
    for state in (ChannelState.CANCELLED, ChannelState.REFUNDED):
        [finding] = compare(pulled(state, "refunded/unfulfilled"), channel_order(), None, oms(status, with_order=False))
        assert (finding.kind, finding.action, finding.oms_value) == (DifferenceKind.CANCELLED_ON_CHANNEL, Action.REPORT, status.value)
    assert compare(pulled(ChannelState.CANCELLED), None, "x", oms(OrderStatus.CANCELLED, with_order=False)) == []


def test_shipped_in_oms_but_still_waiting_on_the_channel_is_a_shipment_not_confirmed() -> None:
    [finding] = compare(pulled(ChannelState.AWAITING_SHIPMENT), channel_order(), None, oms(OrderStatus.SHIPPED))
    assert finding.kind == DifferenceKind.SHIPMENT_NOT_CONFIRMED
    assert compare(pulled(ChannelState.SHIPPED), channel_order(), None, oms(OrderStatus.SHIPPED)) == []


def test_amounts_are_compared_by_total_and_lines() -> None:
    assert compare(pulled(ChannelState.AWAITING_SHIPMENT), channel_order(), None, oms(OrderStatus.RECEIVED)) == []
    base = template("shopify")
    more = [{**base["line_items"][0], "quantity": base["line_items"][0]["quantity"] + 1}, *base["line_items"][1:]]
    [lines] = compare(pulled(ChannelState.AWAITING_SHIPMENT), channel_order(line_items=more), None, oms(OrderStatus.RECEIVED))
    assert (lines.kind, lines.action) == (DifferenceKind.AMOUNT_MISMATCH, Action.REDELIVER) and "lines" in lines.detail
    [total] = compare(pulled(ChannelState.AWAITING_SHIPMENT), channel_order(total_price="1.00"), None, oms(OrderStatus.RECEIVED))
    assert "total" in total.detail and total.channel_value.startswith("1.00")


def test_a_window_is_utc_ordered_and_at_most_a_day_and_its_run_id_is_stable() -> None:
    window = Window(since="2026-12-01T08:00:00+08:00", until="2026-12-01T02:00:00Z")
    assert window.iso() == ("2026-12-01T00:00:00Z", "2026-12-01T02:00:00Z")
    assert run_id_for("shopify", "s", window) == run_id_for("shopify", "s", Window(since="2026-12-01T00:00:00Z", until="2026-12-01T02:00:00Z"))
    assert run_id_for("shopify", "s", window) != run_id_for("shopify", "t", window)
    for since, until in (("2026-12-01T02:00:00Z", "2026-12-01T01:00:00Z"), ("2026-12-01T00:00:00Z", "2026-12-02T00:00:01Z"), ("2026-12-01T00:00:00", "2026-12-01T01:00:00Z"), ("0001-01-01T00:00:00+08:00", "0001-01-01T12:00:00+08:00"), ("9999-12-31T06:00:00-12:00", "9999-12-31T18:00:00-12:00")):
        with pytest.raises(ValidationError):
            Window(since=since, until=until)


def test_incremental_windows_follow_the_cursor_with_overlap_and_lag_and_catch_up_a_day_at_a_time() -> None:
    first = incremental_window(None, NOW)
    assert first.iso() == ("2026-12-01T09:51:00Z", "2026-12-01T10:06:00Z")
    assert incremental_window("2026-12-01T10:00:00Z", NOW).iso() == ("2026-12-01T09:58:00Z", "2026-12-01T10:06:00Z")
    assert incremental_window("2026-12-01T10:06:00Z", NOW + timedelta(seconds=10)).iso()[0] == "2026-12-01T10:04:00Z"
    behind = incremental_window("2026-11-28T00:00:00Z", NOW)
    assert behind.until - behind.since == timedelta(days=1)
    assert nightly_window(NOW).iso() == ("2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z")
    requests = plan_runs(RunKind.NIGHTLY, [("jd", "a"), ("tmall", "b")], lambda c, s: None, NOW)
    assert [(r.channel, r.shop, r.kind) for r in requests] == [("jd", "a", RunKind.NIGHTLY), ("tmall", "b", RunKind.NIGHTLY)]
    # Two ticks in the same minute ask for the same run.
    assert plan_runs(RunKind.INCREMENTAL, [("jd", "a")], lambda c, s: None, NOW)[0].run_id == plan_runs(RunKind.INCREMENTAL, [("jd", "a")], lambda c, s: None, NOW + timedelta(seconds=5))[0].run_id


def test_the_csv_report_neutralises_every_cell_a_spreadsheet_would_run_as_a_formula() -> None:
    assert [neutralised(v) for v in ("=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "plain", None, 5)] == ["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "'\tx", "plain", "", "5"]
    run = RunSummary(run_id="REC-1", kind=RunKind.ON_DEMAND, channel="shopify", shop="=evil", state=RunState.COMPLETED, started_at="t")
    difference = Difference(run_id="REC-1", kind=DifferenceKind.MISSING_IN_OMS, subject="=HYPERLINK(\"http://x\")", resolution=Resolution.NEEDS_PERSON, detail="@SUM(1)", found_at="t")
    rows = list(csv.reader(io.StringIO(report_csv(run, [difference]))))
    assert rows[1][3] == "'=evil" and rows[1][7] == "'=HYPERLINK(\"http://x\")" and rows[1][10] == "'@SUM(1)"
    assert rows[1][5] == difference.difference_id


def test_the_wms_shipped_list_is_read_with_its_warehouse_and_day_and_bad_rows_named() -> None:
    text = "\ufeffnote_id,order_id,shipped_at,carrier,tracking_number\nON-1,OMS-1,2026-12-01T08:00:00Z,SF,SF1\n,OMS-2,2026-12-01T09:00:00Z,,\n"
    shipped = read_shipped_list("shipped/WH-SH/2026-12-01.csv", text)
    assert (shipped.warehouse_id, shipped.day, len(shipped.rows)) == ("WH-SH", date(2026, 12, 1), 1)
    assert shipped.rows[0].carrier == "SF" and shipped.problems[0].startswith("line 3: note_id")
    with pytest.raises(ValueError, match="shipped/<warehouse_id>"):
        read_shipped_list("shipped/WH-SH/today.csv", text)
    with pytest.raises(ValueError, match="lacks shipped_at"):
        read_shipped_list("shipped/WH-SH/2026-12-01.csv", "note_id,order_id\n")
