"""ERP batch import: a CSV file with one row per order line, rows of one order sharing its
`order_no`. The ERP is the retailer's own system, so SKUs are oms's own. Order-level columns are
read from an order's first row; a later row may leave them blank or repeat them, and one that
gives another value (a second address, buyer or total) is refused as `order_conflict`: oms cannot
tell which is right. A bad row rejects its whole order (half an order must never ship) and nothing
else: the other orders of the file go ahead. Row numbers count the header as row 1,
as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from shared.channels.common import ChannelOrder, ChinaTime, Count, Money, PlatformModel, Text, canonical
from shared.orders import Channel, CustomerType, InvoiceKind, PaymentStatus
from shared.problems import InputRejected, Problem, problems_from_validation
from shared.spreadsheet import FORMULA_STARTS, looks_like_formula

CHANNEL = Channel.ERP
REQUIRED_COLUMNS = ("order_no", "buyer_id", "sku", "quantity", "unit_price", "placed_at")
OPTIONAL_COLUMNS = (
    "buyer_name", "customer_type", "receiver_name", "receiver_phone", "province", "city", "district",
    "address", "postal_code", "currency", "payment_status", "discount", "order_total",
    "invoice_title", "invoice_tax_id", "promised_delivery_date",
    "shipping_fee", "order_discount", "country", "gift", "buyer_id_number", "cross_border",
)  # fmt: skip
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_KNOWN = frozenset(COLUMNS)
_FORMULA_START = re.compile("(?:^|\x00)[" + re.escape("".join(FORMULA_STARTS)) + "]")


class Row(PlatformModel):
    order_no: Text = Field(min_length=1)
    buyer_id: Text = Field(min_length=1)
    buyer_name: Text | None = None
    customer_type: CustomerType | None = None
    receiver_name: Text | None = None
    receiver_phone: Text | None = None
    province: Text | None = None
    city: Text | None = None
    district: Text | None = None
    address: Text | None = None
    postal_code: Text | None = None
    currency: Text | None = None
    payment_status: PaymentStatus | None = None
    sku: Text = Field(min_length=1)
    quantity: Count
    unit_price: Money
    discount: Money | None = None
    order_total: Money | None = None
    invoice_title: Text | None = None
    invoice_tax_id: Text | None = None
    promised_delivery_date: date | None = None
    shipping_fee: Money | None = None  # order columns: read from the order's first row
    order_discount: Money | None = None
    country: Text | None = None
    buyer_id_number: Text | None = None
    cross_border: bool | None = None
    gift: bool | None = None  # a line column: 赠品
    placed_at: ChinaTime  # ERP exports write local time; without a zone it is Beijing time

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, values: Any) -> Any:
        # An empty cell is a value not given: a required column left empty reads "Field required".
        if isinstance(values, dict):
            return {k: text for k, v in values.items() if isinstance(v, str) and (text := v.strip())}
        return values


class RowRejection(BaseModel, defer_build=True):
    row: int
    order_no: str | None = None
    errors: list[Problem]


class RowWarning(BaseModel, defer_build=True):
    """Something an operator should look at in a row that was still imported (text kept as sent)."""

    row: int
    order_no: str | None = None
    warnings: list[Problem]


class BatchOrder(BaseModel, defer_build=True):
    order_no: str
    rows: list[int]  # rows[i] is the file row of line i
    channel_order: ChannelOrder


class Batch(BaseModel, defer_build=True):
    rows: int
    orders: list[BatchOrder]
    rejected: list[RowRejection]
    warnings: list[RowWarning] = []


def read_batch(text: str, max_rows: int) -> Batch:
    """Reads the whole file; raises InputRejected (400) only when the file itself is unusable."""
    records = _records(text, max_rows)
    rows_of: dict[str, list[tuple[int, Row]]] = defaultdict(list)
    rejected: dict[int, RowRejection] = {}
    warnings: list[RowWarning] = []
    for number, record in records:
        order_no = (record.get("order_no") or "").strip() or None
        if formulas := formula_cells(record):
            warnings.append(RowWarning(row=number, order_no=order_no, warnings=formulas))
        extra = record.pop(None, None)  # values beyond the header's columns
        problems = [Problem(field="row", rule="too_many_values", message=f"the row has {len(extra)} value(s) more than the header")] if extra else []
        try:
            row = Row.model_validate(record)
        except ValidationError as error:
            problems += problems_from_validation(error.errors())
            row = None
        if problems or row is None:
            rejected[number] = RowRejection(row=number, order_no=order_no, errors=problems)
        else:
            rows_of[row.order_no].append((number, row))

    for order_no, rows in rows_of.items():
        for number, row in rows[1:]:
            if conflicts := _conflicts(rows[0], (number, row)):
                rejected[number] = RowRejection(row=number, order_no=order_no, errors=conflicts)

    orders: list[BatchOrder] = []
    for order_no, rows in rows_of.items():
        bad_rows = sorted(n for n, r in rejected.items() if r.order_no == order_no)
        if bad_rows:
            for number, _ in rows:
                if number not in bad_rows:  # a row refused for itself (a conflict) keeps its reason
                    rejected[number] = held_back(number, order_no, bad_rows)
            continue
        try:
            orders.append(_order(order_no, rows))
        except InputRejected as refused:
            by_row = _problems_by_row(refused.problems, [n for n, _ in rows])
            for number, _ in rows:
                rejected[number] = (
                    RowRejection(row=number, order_no=order_no, errors=by_row[number])
                    if number in by_row
                    else held_back(number, order_no, sorted(by_row))
                )
    return Batch(rows=len(records), orders=orders, rejected=sorted(rejected.values(), key=lambda r: r.row), warnings=warnings)


def formula_cells(record: dict[str | None, Any]) -> list[Problem]:
    """Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first; not numbers or phones)."""
    # One search over the row's cells says whether any starts like one (most rows: none)
    if not _FORMULA_START.search("\x00".join(v for v in record.values() if isinstance(v, str))):
        return []
    return [
        Problem(field=column, rule="formula_like", message=f"'{column}' starts like a spreadsheet formula; stored as text, neutralised in every CSV export")
        for column, value in record.items()
        if isinstance(column, str) and isinstance(value, str) and looks_like_formula(value)
    ]


def _records(text: str, max_rows: int) -> list[tuple[int, dict[str, Any]]]:
    """The data rows as DictReader makes them (values beyond the header under None, missing ones
    None), each with the file line it starts on: a quoted cell may hold line breaks, and the row
    is where a person looks for it."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, [])
        _check_header(header)
        records = []
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            record: dict[str | None, Any] = dict(zip(header, values)) | {column: None for column in header[len(values) :]}
            if len(values) > len(header):
                record[None] = values[len(header) :]
            if not any((v or "").strip() for k, v in record.items() if k is not None):
                continue  # a blank line (spreadsheets leave them at the end)
            if len(records) == max_rows:
                raise InputRejected.one(413, "body", "too_many_rows", f"the file has more than {max_rows} order rows; split it")
            records.append((line, record))
    except csv.Error as error:
        raise InputRejected.one(400, "body", "csv_invalid", f"the file is not readable CSV (line {reader.line_num}): {error}") from None
    if not records:
        raise InputRejected.one(400, "body", "no_rows", "the file has a header but no order rows")
    return records


def _check_header(header: list[str]) -> None:
    if not header:
        raise InputRejected.one(400, "body", "no_header", f"the file is empty; its first row names the columns {', '.join(REQUIRED_COLUMNS)}")
    named = set(header)
    problems = [Problem(field=c, rule="missing_column", message=f"the header has no column '{c}'") for c in REQUIRED_COLUMNS if c not in named]
    problems += [Problem(field=c, rule="unknown_column", message=f"'{c}' is not a column oms knows (known: {', '.join(COLUMNS)})") for c in header if c not in _KNOWN]
    if len(named) < len(header):
        problems += [Problem(field=c, rule="duplicate_column", message=f"the header names '{c}' twice") for c in sorted({c for c in header if header.count(c) > 1})]
    if problems:
        raise InputRejected(400, problems)


def _order(order_no: str, rows: list[tuple[int, Row]]) -> BatchOrder:
    first = rows[0][1]
    values = {
        "channel": CHANNEL,
        "external_id": order_no,
        "buyer": {
            "buyer_id": first.buyer_id, "name": first.buyer_name, "id_number": first.buyer_id_number,
            **({"customer_type": first.customer_type} if first.customer_type else {}),
        },  # fmt: skip
        "receiver": {
            "name": first.receiver_name or "",
            "phone": first.receiver_phone or "",
            "province": first.province or "",
            "city": first.city or "",
            "district": first.district or "",
            "detail": first.address or "",
            "postal_code": first.postal_code,
            "country": (first.country or "CN").upper(),
        },
        "currency": first.currency or "CNY",
        "lines": [
            {"sku": r.sku, "quantity": r.quantity, "unit_price": r.unit_price, "gift": bool(r.gift), **({"discount": r.discount} if r.discount is not None else {})} for _, r in rows
        ],
        "shipping_fee": first.shipping_fee or 0,
        "order_discount": first.order_discount or 0,
        "cross_border": bool(first.cross_border),
        "payment_status": first.payment_status or PaymentStatus.PAID,
        "order_total": first.order_total,
        # A tax id without its title is still a request for an invoice: review holds it for the title.
        "invoice": {"kind": InvoiceKind.VAT_SPECIAL if first.invoice_tax_id else InvoiceKind.NORMAL, "title": first.invoice_title or "", "tax_id": first.invoice_tax_id}
        if first.invoice_title or first.invoice_tax_id
        else None,
        "promised_delivery_date": first.promised_delivery_date,
        "placed_at": first.placed_at,
    }
    channel_order = canonical(values, ["sku"] * len(rows), internal_skus=True, received_via={"route": "erp import"})
    return BatchOrder(order_no=order_no, rows=[n for n, _ in rows], channel_order=channel_order)


# The columns that describe the order, not the line: read from its first row (see _order).
ORDER_COLUMNS = (
    "buyer_id", "buyer_name", "customer_type", "receiver_name", "receiver_phone", "province", "city", "district", "address",
    "postal_code", "currency", "payment_status", "order_total", "invoice_title", "invoice_tax_id", "promised_delivery_date",
    "shipping_fee", "order_discount", "country", "buyer_id_number", "cross_border", "placed_at",
)  # fmt: skip


_DEFAULTS = {"cross_border": False}  # a blank cell means this, as _order reads it


def _conflicts(first: tuple[int, Row], later: tuple[int, Row]) -> list[Problem]:
    """The order-level values a later row of the order gives differently from its first row (a
    blank cell in the later row gives none)."""
    (first_number, head), (_, row) = first, later

    def value(r: Row, column: str) -> Any:
        found = getattr(r, column)
        return _DEFAULTS.get(column) if found is None else found

    return [
        Problem(field=column, rule="order_conflict", message=f"'{column}' is {value(row, column)} here but {'blank' if value(head, column) is None else value(head, column)} in row {first_number} of the same order")
        for column in ORDER_COLUMNS
        if getattr(row, column) is not None and value(row, column) != value(head, column)
    ]


def _problems_by_row(problems: list[Problem], rows: list[int]) -> dict[int, list[Problem]]:
    """Canonical problems of line i belong to the line's row; order-level ones to the first row."""
    by_row: dict[int, list[Problem]] = defaultdict(list)
    for problem in problems:
        parts = problem.field.split(".")
        if parts[:2] == ["canonical", "lines"] and len(parts) > 2 and parts[2].isdigit() and int(parts[2]) < len(rows):
            by_row[rows[int(parts[2])]].append(problem)
        else:
            by_row[rows[0]].append(problem)
    return dict(by_row)


def held_back(row: int, order_no: str, bad_rows: list[int]) -> RowRejection:
    rows = ", ".join(str(n) for n in bad_rows)
    return RowRejection(
        row=row,
        order_no=order_no,
        errors=[Problem(field="order_no", rule="order_incomplete", message=f"order {order_no} is not imported because row(s) {rows} of it are invalid")],
    )
