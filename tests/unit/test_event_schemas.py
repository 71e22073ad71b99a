import json

import pytest

from local.openapi import OPENAPI, http_functions
from local.openapi import render as render_openapi
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


@pytest.mark.parametrize("function", http_functions(), ids=lambda f: f.key)
def test_published_openapi_document_matches_the_handler(function):
    path = OPENAPI / f"{function.key}.json"
    assert path.read_text("utf-8") == render_openapi(function), "run `make openapi` and commit the result"
