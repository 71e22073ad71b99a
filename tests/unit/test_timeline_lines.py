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
