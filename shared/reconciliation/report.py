"""A run's report as CSV, for a spreadsheet: one row per difference. A cell that a spreadsheet
would read as a formula (=, +, -, @, tab, carriage return first) is prefixed with a quote, so a
platform's text (a buyer's note, a SKU) can never run as a formula on an operator's machine."""

from __future__ import annotations

import csv
import io

from shared.reconciliation.domain import Difference, RunSummary

COLUMNS = (
    "run_id",
    "run_kind",
    "channel",
    "shop",
    "warehouse_id",
    "difference_id",
    "kind",
    "subject",
    "order_id",
    "resolution",
    "detail",
    "channel_or_wms_value",
    "oms_value",
    "found_at",
    "resolved_at",
    "resolved_by",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def report_csv(run: RunSummary, differences: list[Difference]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for d in sorted(differences, key=lambda d: (d.kind.value, d.subject)):
        row = (
            run.run_id,
            run.kind.value,
            run.channel,
            run.shop,
            run.warehouse_id,
            d.difference_id,
            d.kind.value,
            d.subject,
            d.order_id,
            d.resolution.value,
            d.detail,
            d.channel_value,
            d.oms_value,
            d.found_at,
            d.resolved_at,
            d.resolved_by,
        )
        writer.writerow([neutralised(v) for v in row])
    return out.getvalue()
