"""`oms import erp FILE`: an ERP CSV sent in parts (each within the API's limits, rows of one order
never split), a progress bar over the rows, then the per-row report in the file's row numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from oms_cli.client import ApiError
from oms_cli.main import Settings, api_command, cli, pass_settings, read_utf8
from oms_cli.output import as_json, console, table
from shared.request_limits import MAX_IMPORT_BODY_BYTES, MAX_IMPORT_ROWS_PER_REQUEST

ROWS_PER_PART = 200  # a progress step every ~200 rows; far inside the API's 1,000 rows and 256 KB


@dataclass
class Part:
    text: str
    file_rows: list[int]  # the file row (line number) of each record, in order
    part_rows: list[int] = field(default_factory=list)  # the same records' line numbers inside the part


def parts(text: str, rows_per_part: int = ROWS_PER_PART, max_bytes: int = MAX_IMPORT_BODY_BYTES) -> list[Part]:
    """The file cut into parts with its header; the rows of one order stay in one part."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        return [Part(text, [])]
    order_column = header.index("order_no") if "order_no" in header else None
    groups: list[list[tuple[int, list[str]]]] = []
    by_order: dict[str, list[tuple[int, list[str]]]] = {}
    for record in reader:
        entry = (reader.line_num, record)
        key = record[order_column].strip() if order_column is not None and len(record) > order_column else None  # as the API reads it
        if key and key in by_order:
            by_order[key].append(entry)
            continue
        groups.append([entry])
        if key:
            by_order[key] = groups[-1]
    result: list[Part] = []
    current: list[tuple[int, list[str]]] = []
    for group in groups:
        if current and (len(current) + len(group) > rows_per_part or len(_csv(header, current + group)) > max_bytes // 2):
            result.append(_part(header, current))
            current = []
        current += group
    if current or not result:
        result.append(_part(header, current))
    return result


def _csv(header: list[str], records: list[tuple[int, list[str]]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(r for _, r in records)
    return out.getvalue().encode("utf-8")


def _part(header: list[str], records: list[tuple[int, list[str]]]) -> Part:
    text = _csv(header, records).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    part_rows = [reader.line_num for _ in reader]
    return Part(text, [n for n, _ in records], part_rows)


@cli.group("import")
def import_group() -> None:
    """Import orders from other systems."""


@import_group.command("erp")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_settings
@api_command
def import_erp(settings: Settings, file: Path) -> None:
    """Import an ERP CSV (UTF-8): good orders accepted, each bad row reported with field and rule."""
    pieces = parts(read_utf8(file))
    total = sum(len(p.file_rows) for p in pieces)
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    progress = Progress(TextColumn("[bold]import"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"), TimeElapsedColumn(), console=console, disable=settings.json, transient=False)
    with progress:
        task = progress.add_task("rows", total=total)
        for piece in pieces:
            try:
                report = settings.client.request("POST", "/channels/erp/imports", raw=piece.text.encode("utf-8"), content_type="text/csv")
            except ApiError as error:
                if error.status != 422 or not isinstance(error.answer, dict) or "rejected" not in error.answer:
                    raise  # the file itself is unusable: nothing of this part was stored
                report = error.answer
            to_file = dict(zip(piece.part_rows, piece.file_rows, strict=True))
            accepted += [{**a, "rows": [to_file.get(r, r) for r in a["rows"]]} for a in report.get("accepted", [])]
            rejected += [{**r, "row": to_file.get(r["row"], r["row"])} for r in report.get("rejected", [])]
            warnings += [{**w, "row": to_file.get(w["row"], w["row"])} for w in report.get("warnings", [])]
            progress.advance(task, len(piece.file_rows))
    summary = {"source": str(file), "rows": total, "orders_accepted": len(accepted), "rows_rejected": len(rejected), "accepted": accepted, "rejected": rejected, "warnings": warnings}
    if settings.json:
        as_json(summary)
    else:
        table(f"{len(accepted)} order(s) accepted", ("order no", "file rows", "order id", "duplicate"), ((a["order_no"], ", ".join(map(str, a["rows"])), a["acceptance"]["order_id"], "yes" if a["acceptance"].get("duplicate") else "") for a in accepted))
        if rejected:
            table(f"{len(rejected)} row(s) rejected", ("row", "order no", "field", "rule", "message"), ((r["row"], r.get("order_no"), e["field"], e["rule"], e["message"]) for r in rejected for e in r["errors"]))
        if warnings:
            table(f"{len(warnings)} row(s) imported with warnings", ("row", "order no", "field", "rule", "message"), ((w["row"], w.get("order_no"), p["field"], p["rule"], p["message"]) for w in warnings for p in w["warnings"]))
    if not accepted and rejected:
        raise SystemExit(1)
