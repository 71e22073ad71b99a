"""The WMS's daily shipped list: a CSV file per warehouse and day, dropped in the WMS reports
bucket as shipped/<warehouse_id>/<YYYY-MM-DD>.csv with the columns
note_id,order_id,shipped_at,carrier,tracking_number (UTF-8, a header row). Pure: reading it."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from pydantic import BaseModel, Field, ValidationError

COLUMNS = ("note_id", "order_id", "shipped_at", "carrier", "tracking_number")
_KEY = re.compile(r"^shipped/(?P<warehouse>[A-Za-z0-9._-]{1,64})/(?P<day>\d{4}-\d{2}-\d{2})\.csv$")


class ShippedRow(BaseModel):
    note_id: str = Field(min_length=1, max_length=100)
    order_id: str = Field(min_length=1, max_length=100)
    shipped_at: str = Field(min_length=1, max_length=40)
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)


class ShippedList(BaseModel):
    warehouse_id: str
    day: date
    rows: list[ShippedRow]
    problems: list[str]  # rows that could not be read, by line number


def list_key(key: str) -> tuple[str, date]:
    """(warehouse, day) from the object key; ValueError when the key does not follow the layout."""
    match = _KEY.match(key)
    if not match:
        raise ValueError(f"{key!r} is not shipped/<warehouse_id>/<YYYY-MM-DD>.csv")
    return match["warehouse"], date.fromisoformat(match["day"])


def read_shipped_list(key: str, text: str) -> ShippedList:
    warehouse_id, day = list_key(key)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("note_id", "order_id", "shipped_at") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"the header lacks {', '.join(missing)} (expected {','.join(COLUMNS)})")
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        try:
            rows.append(ShippedRow.model_validate({k: (v or None) if k in ("carrier", "tracking_number") else (v or "") for k, v in raw.items() if k in COLUMNS}))
        except ValidationError as error:
            problems.append(f"line {line}: " + "; ".join(f"{'.'.join(map(str, e['loc']))} {e['msg']}" for e in error.errors()))
    return ShippedList(warehouse_id=warehouse_id, day=day, rows=rows, problems=problems)
