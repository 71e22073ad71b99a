"""A timeline entry in one line (local/demo.py, the e2e's compact views): a note keeps the status it
was written under, so it reads as a note, not as a change from a status to itself."""

from __future__ import annotations

from local.demo import timeline_change
from shared.lifecycle import Actor, OrderStatus, note_entry, transition_entry


def test_a_status_change_reads_as_an_arrow_and_a_note_as_a_note():
    change = transition_entry(OrderStatus.RESERVED, OrderStatus.RELEASED, Actor.system("workflow")).model_dump(mode="json")
    note = note_entry(OrderStatus.APPROVED, Actor.system("writeback"), "write-back to tmall queued").model_dump(mode="json")
    first = {**change, "from_status": None, "to_status": "RECEIVED"}
    assert [timeline_change(e) for e in (first, change, note)] == ["· → RECEIVED", "RESERVED → RELEASED", "APPROVED · note"]


def test_a_versions_notes_follow_its_entry_in_time_order():
    """A note's key ends in a digest of its content, which says nothing of when it was written: the
    order's timeline lists a version's entry, then its notes by time."""
    from shared.aws.order_store import _timeline_order

    actor = Actor.system("test")
    released = transition_entry(OrderStatus.RESERVED, OrderStatus.RELEASED, actor).model_copy(update={"at": "2026-11-11T10:00:00.000Z"})
    later = note_entry(OrderStatus.RELEASED, actor, "notice sent").model_copy(update={"at": "2026-11-11T10:00:03.000Z"})
    sooner = note_entry(OrderStatus.RELEASED, actor, "write-back queued").model_copy(update={"at": "2026-11-11T10:00:02.000Z"})
    reserved = transition_entry(OrderStatus.RECEIVED, OrderStatus.APPROVED, actor).model_copy(update={"at": "2026-11-11T09:59:59.000Z"})
    keyed = [("TL#000005#ffff000000", sooner), ("TL#000005!a1b2c3", released), ("TL#000005#0000000000", later), ("TL#000004", reserved)]
    assert [entry.cause for _, entry in sorted(keyed, key=_timeline_order)] == [reserved.cause, released.cause, "write-back queued", "notice sent"]


def test_oms_orders_show_prints_a_note_as_a_note(monkeypatch):
    from click.testing import CliRunner

    from oms_cli import operations  # noqa: F401  (its commands join the group)
    from oms_cli.client import Client
    from oms_cli.main import cli

    actor = Actor.system("notices")
    entries = [transition_entry(OrderStatus.RESERVED, OrderStatus.RELEASED, actor), note_entry(OrderStatus.RELEASED, actor, "customer notice sent")]
    order = {"channel": "tmall", "external_id": "T1", "buyer": {"buyer_id": "b1", "customer_type": "B2C"}, "receiver": {}, "currency": "CNY", "placed_at": "2026-11-11T10:00:00+08:00", "lines": []}
    details = {"order": {"order_id": "OMS-1", "status": "RELEASED", "created_at": "2026-11-11T02:00:00Z", "order": order}, "outbound_notes": [], "timeline": [e.model_dump(mode="json") for e in entries]}
    monkeypatch.setattr(Client, "get", lambda self, path, *a, **k: details)
    monkeypatch.setattr(operations.console, "width", 200)  # one row per entry, nothing wrapped
    shown = CliRunner().invoke(cli, ["orders", "show", "OMS-1"], catch_exceptions=False).output
    assert "RESERVED → RELEASED" in shown and "RELEASED · note" in shown and "RELEASED → RELEASED" not in shown
