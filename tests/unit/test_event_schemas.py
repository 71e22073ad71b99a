import json

import pytest

from local.schemas import SCHEMAS, render
from shared.events import ALL_EVENTS, OutboundNoteCreated


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda t: t.detail_type)
def test_published_schema_file_matches_the_model(event_type):
    path = SCHEMAS / f"{event_type.detail_type}.json"
    assert path.read_text("utf-8") == render(event_type), "run `make schemas` and commit the result"


def test_outbound_note_schema_requires_what_a_warehouse_needs():
    schema = json.loads((SCHEMAS / "OutboundNoteCreated.json").read_text("utf-8"))
    assert {"note_id", "warehouse_id", "lines", "receiver", "order_id", "event_id"} <= set(schema["required"])
    assert OutboundNoteCreated.detail_type == "OutboundNoteCreated"
