"""Writes the JSON Schemas of oms's domain events to events/schemas/ (`make schemas`); a test
keeps the files equal to the models in shared/events.py, so partners can rely on them."""

from __future__ import annotations

import json
from pathlib import Path

from shared.events import ALL_EVENTS, SOURCE

SCHEMAS = Path(__file__).resolve().parent.parent / "events" / "schemas"


def schema_document(event_type: type) -> dict:
    schema = event_type.model_json_schema()
    schema["$id"] = f"https://oms.example/schemas/{event_type.detail_type}.json"
    schema["description"] = (
        f"EventBridge detail of detail-type '{event_type.detail_type}', source '{SOURCE}'. "
        + (event_type.__doc__ or "").strip()
    )
    return schema


def render(event_type: type) -> str:
    return json.dumps(schema_document(event_type), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    for event_type in ALL_EVENTS:
        (SCHEMAS / f"{event_type.detail_type}.json").write_text(render(event_type), "utf-8")
        print(f"wrote events/schemas/{event_type.detail_type}.json")


if __name__ == "__main__":
    main()
