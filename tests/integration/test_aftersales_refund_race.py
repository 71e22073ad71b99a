"""Two refunds of one order applied at the same moment (the after-sales queue is a standard queue
consumed ten at a time): the second refund reads the order's refunds before the first one writes.
Whatever the interleaving, one of them claims the units and the other reads again and decides
again: it is refused as quantity_above_ordered when the units are taken, applied when some remain
(decision 255)."""

from __future__ import annotations

import pytest

from shared.aftersales.domain import AfterSalesRequest, Nonsense
from shared.aftersales.records import RefundOutcome
from shared.aftersales.store import AfterSalesStore
from shared.aftersales.usecases import AfterSales
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aws.stores import order_store
from tests.integration.test_aftersales_refunds_twice import shipped
from tests.integration.test_aftersales_stages import CHANNEL, ask, deps  # noqa: F401  (deps is a fixture)
from tests.integration.test_operations import drive


def interleaved(deps: AfterSales, monkeypatch, first: AfterSalesRequest, second: AfterSalesRequest) -> tuple[str | Nonsense, str | Nonsense]:  # noqa: F811
    """Applies `first`; right after its first read of the order's refunds (and before it writes
    anything), `second` is applied whole. Returns each one's outcome, or the Nonsense it raised."""
    read = deps.records.refunds
    outcomes: dict[str, str | Nonsense] = {}

    def apply(request: AfterSalesRequest) -> str | Nonsense:
        try:
            return apply_refund(request, CHANNEL, deps)
        except Nonsense as refused:
            return refused

    def refunds(order_id: str):
        records = read(order_id)
        if "second" not in outcomes:
            outcomes["second"] = "running"
            outcomes["second"] = apply(second)
        return records

    monkeypatch.setattr(deps.records, "refunds", refunds)
    outcomes["first"] = apply(first)
    return outcomes["first"], outcomes["second"]


def refused_as_above_ordered(outcome: str | Nonsense) -> bool:
    return isinstance(outcome, Nonsense) and outcome.rule == "quantity_above_ordered"


TEA_TWICE = [{"sku": "TEA-LONGJING-250G", "quantity": 2}]


@pytest.mark.parametrize("return_pending", [False, True], ids=["shipped", "return_pending"])
def test_two_refunds_of_the_same_shipped_units_at_once_expect_one_return(deps, shanghai_order, monkeypatch, return_pending):  # noqa: F811
    order_id = shipped(shanghai_order)  # 2 × TEA-LONGJING-250G, 1 × CUP-CELADON-6PK
    if return_pending:  # an earlier refund of the cup made the order RETURN_PENDING: no status change follows
        assert apply_refund(ask(shanghai_order, "RF-CUP", lines=[{"sku": "CUP-CELADON-6PK"}]), CHANNEL, deps) == "return_expected"
        assert order_store().load(order_id).status == "RETURN_PENDING"
    first, second = interleaved(deps, monkeypatch, ask(shanghai_order, "RF-A", lines=TEA_TWICE), ask(shanghai_order, "RF-B", lines=TEA_TWICE))
    assert second == "return_expected"
    assert refused_as_above_ordered(first), first
    assert "(2 of them by refund RF-B)" in str(first)
    store = AfterSalesStore()
    rmas = [rma for rma in store.rmas(order_id) if rma.refund_id != "RF-CUP"]
    assert [rma.refund_id for rma in rmas] == ["RF-B"]
    assert sum(line.expected for rma in rmas for line in rma.lines if line.sku == "TEA-LONGJING-250G") == 2  # claimed once
    assert sorted(r.refund_id for r in store.refunds(order_id)) == sorted(["RF-B", *(["RF-CUP"] if return_pending else [])])
    # Its retry after the other's write, as the DLQ's redrive would send it: refused again, nothing written.
    monkeypatch.undo()
    with pytest.raises(Nonsense, match="quantity_above_ordered|units of TEA-LONGJING-250G refunded"):
        apply_refund(ask(shanghai_order, "RF-A", lines=TEA_TWICE), CHANNEL, deps)


def test_two_refunds_at_once_that_fit_together_both_apply(deps, shanghai_order, monkeypatch):  # noqa: F811
    order_id = shipped(shanghai_order)
    assert apply_refund(ask(shanghai_order, "RF-CUP", lines=[{"sku": "CUP-CELADON-6PK"}]), CHANNEL, deps) == "return_expected"
    one = [{"sku": "TEA-LONGJING-250G", "quantity": 1}]
    first, second = interleaved(deps, monkeypatch, ask(shanghai_order, "RF-A", lines=one), ask(shanghai_order, "RF-B", lines=one))
    assert (first, second) == ("return_expected", "return_expected")  # the loser read again: one unit was left
    rmas = AfterSalesStore().rmas(order_id)
    assert sorted(rma.refund_id for rma in rmas) == ["RF-A", "RF-B", "RF-CUP"]
    assert sum(line.expected for rma in rmas for line in rma.lines if line.sku == "TEA-LONGJING-250G") == 2


def test_two_refunds_of_the_same_released_units_at_once_ask_one_intercept(deps, shanghai_order, monkeypatch):  # noqa: F811
    order_id = drive(shanghai_order, "RELEASED")
    cup = [{"sku": "CUP-CELADON-6PK"}]
    first, second = interleaved(deps, monkeypatch, ask(shanghai_order, "RF-E", lines=cup), ask(shanghai_order, "RF-F", lines=cup))
    assert second == "intercept_requested"
    assert refused_as_above_ordered(first), first
    [record] = AfterSalesStore().refunds(order_id)
    assert (record.refund_id, record.outcome) == ("RF-F", RefundOutcome.INTERCEPT_REQUESTED)
    assert [(line.sku, line.quantity) for lines in record.intercept_lines.values() for line in lines] == [("CUP-CELADON-6PK", 1)]  # asked once
    timeline = order_store().details(order_id).timeline
    assert sum("intercept (拦截) requested" in entry.cause for entry in timeline) == 1


def test_a_refund_whose_status_change_finds_the_guard_moved_reads_again(deps, shanghai_order, monkeypatch):  # noqa: F811
    """A refund that changes the order's status (a partial refund of a reserved order goes back to
    RECEIVED) writes the guard in the same transaction: another refund's write that changed only
    the guard since it was read is a lost race (VersionConflict, read again), not a failure."""
    order_id = drive(shanghai_order, "RESERVED")
    read, records = deps.records.refunds, AfterSalesStore()
    moved: list[int] = []

    def refunds(order_id: str):
        found = read(order_id)
        if not moved:  # another refund's guarded write lands between this read and the write
            seen = records.claims_written(order_id)
            records.db.transact_write_items(TransactItems=[records.refunds_guard(order_id, seen)])
            moved.append(seen)
        return found

    monkeypatch.setattr(deps.records, "refunds", refunds)
    assert apply_refund(ask(shanghai_order, "RF-1", lines=[{"sku": "TEA-LONGJING-250G", "quantity": 1}]), CHANNEL, deps) == "amended"
    assert moved == [0] and records.claims_written(order_id) == 2  # the other one's, then this one's on its second attempt
    assert order_store().load(order_id).status == "RECEIVED"
