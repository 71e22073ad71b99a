"""`oms orders`, `oms review`, `oms stock`: what operations do every day."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import click

from oms_cli.client import ApiError, segment
from oms_cli.main import Settings, api_command, cli, pass_settings, read_utf8
from oms_cli.output import as_json, console, fields, table
from shared.lifecycle import OrderStatus, change_text
from shared.spreadsheet import neutralised

STATUSES = [status.value for status in OrderStatus]  # the lifecycle's, as GET /orders takes them
CSV_COLUMNS = ("order_id", "status", "channel", "external_id", "buyer_id", "buyer_name", "receiver", "lines", "total", "created_at")


@cli.group()
def orders() -> None:
    """Find orders, see one with its timeline, cancel one."""


def _row(order: dict[str, Any]) -> tuple[Any, ...]:
    o = order["order"]
    receiver = o.get("receiver") or {}
    lines = " ".join(f"{line['sku']}×{line['quantity']}" for line in o["lines"])
    return (order["order_id"], order["status"], o["channel"], o["external_id"], o["buyer"]["buyer_id"], o["buyer"].get("name") or "", " ".join(receiver.get(k) or "" for k in ("province", "city", "district")).strip(), lines, o.get("order_total") or "", order["created_at"])


@orders.command("list")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False))
@click.option("--channel")
@click.option("--customer", help="A buyer id")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@click.option("--next-token", help="The next page (printed under the table)")
@click.option("--csv", "csv_file", type=click.File("w", encoding="utf-8-sig"), help="Write the page as CSV (formula-like cells neutralised); - for stdout")
@pass_settings
@api_command
def list_orders(settings: Settings, status: str | None, channel: str | None, customer: str | None, limit: int, next_token: str | None, csv_file: Any) -> None:
    """Orders by status, channel or customer (without a filter: the newest), newest first."""
    page = settings.client.get("/orders", status=status and status.upper(), channel=channel, customer=customer, limit=limit, next_token=next_token)
    if csv_file:
        writer = csv.writer(csv_file)
        writer.writerow(CSV_COLUMNS)
        writer.writerows([neutralised(cell) for cell in _row(order)] for order in page["orders"])
        return
    if settings.json:
        return as_json(page)
    shown = ("order_id", "status", "channel", "external_id", "buyer_name", "lines", "created_at")
    table(f"{len(page['orders'])} order(s)", shown, ([r[CSV_COLUMNS.index(c)] for c in shown] for r in map(_row, page["orders"])))
    if page.get("next_token"):
        console.print(f"more: --next-token {page['next_token']}", highlight=False)


@orders.command("show")
@click.argument("order_id")
@pass_settings
@api_command
def show_order(settings: Settings, order_id: str) -> None:
    """One order with its lines, outbound notes and timeline."""
    details = settings.client.get(f"/orders/{segment(order_id)}")
    if settings.json:
        return as_json(details)
    stored, o = details["order"], details["order"]["order"]
    receiver = o.get("receiver") or {}
    fields(
        f"{stored['order_id']}  {stored['status']}",
        [
            ("channel", f"{o['channel']} {o['external_id']}"),
            ("buyer", f"{o['buyer']['buyer_id']} {o['buyer'].get('name') or ''} ({o['buyer']['customer_type']})"),
            ("receiver", " ".join(receiver.get(k) or "" for k in ("name", "phone", "province", "city", "district", "detail"))),
            ("total", f"{o.get('order_total') or ''} {o['currency']}"),
            ("placed / stored", f"{o['placed_at']} / {stored['created_at']}"),
        ],
    )
    table("lines", ("sku", "quantity", "unit price", "discount"), ((line["sku"], line["quantity"], line["unit_price"], line["discount"]) for line in o["lines"]))
    if details["outbound_notes"]:
        table("outbound notes", ("note", "warehouse", "state", "lines", "tracking"), ((n["note_id"], n["warehouse_id"], n.get("state"), ", ".join(f"{x['sku']}×{x['quantity']}" for x in n["lines"]), n.get("tracking_number") or "") for n in details["outbound_notes"]))
    table("timeline", ("at", "from → to", "by", "cause"), ((e["at"], change_text(e), f"{e['actor']['kind']}:{e['actor']['name']}", e["cause"]) for e in details["timeline"]))


@orders.command("cancel")
@click.argument("order_id")
@click.option("--reason", required=True)
@click.option("--operator", required=True, envvar="OMS_OPERATOR", help="Who cancels (OMS_OPERATOR)")
@pass_settings
@api_command
def cancel_order(settings: Settings, order_id: str, reason: str, operator: str) -> None:
    """Cancel up to shipment: outbound notes voided, stock released."""
    answer = settings.client.post(f"/orders/{segment(order_id)}/cancel", {"reason": reason, "operator": operator})
    if settings.json:
        return as_json(answer)
    console.print(f"{order_id} cancelled; voided notes: {', '.join(n['note_id'] for n in answer.get('voided_notes', [])) or 'none'}; released lines: {answer.get('released_lines')}", highlight=False)


@orders.command("retry")
@click.argument("order_ids", nargs=-1, required=True)
@click.option("--reason", required=True, help="What was fixed")
@click.option("--operator", required=True, envvar="OMS_OPERATOR", help="Who retries (OMS_OPERATOR)")
@pass_settings
@api_command
def retry_orders(settings: Settings, order_ids: tuple[str, ...], reason: str, operator: str) -> None:
    """Resume EXCEPTION orders at the step that failed (one id, or many: a result per order)."""
    if len(order_ids) == 1:
        answer = settings.client.post(f"/orders/{segment(order_ids[0])}/retry", {"reason": reason, "operator": operator})
        if settings.json:
            return as_json(answer)
        console.print(f"{answer['order_id']}: failed in {answer['failed_status']} → {answer['status']}, resumes at {answer.get('resume_at') or 'a person (review queue)'}", highlight=False)
        return None
    answer = settings.client.post("/orders/retry", {"order_ids": list(order_ids), "reason": reason, "operator": operator})
    if settings.json:
        as_json(answer)
    else:
        table(f"{len(answer['results'])} order(s)", ("order", "outcome", "status", "message"), ((r["order_id"], r["outcome"], r.get("status") or "", r.get("message", "")) for r in answer["results"]))
    if not any(r["outcome"] == "done" for r in answer["results"]):
        raise SystemExit(1)  # nothing resumed: as a single refused retry (409/404)
    return None


@cli.group()
def review() -> None:
    """The manual review queue: held orders and the decisions on them."""


@review.command("queue")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@click.option("--next-token", help="The next page (printed under the table)")
@pass_settings
@api_command
def review_queue(settings: Settings, limit: int, next_token: str | None) -> None:
    """Held orders, oldest first, with the reasons (Chinese and English)."""
    queue = settings.client.get("/review-queue", limit=limit, next_token=next_token)
    if settings.json:
        return as_json(queue)
    rows = ((h["order_id"], h["channel"], h["external_id"], h["held_since"], "yes" if h.get("escalated") else "", "\n".join(f"{r.get('reason_zh', '')} / {r.get('reason_en', '')}" for r in h["reasons"])) for h in queue["held"])
    table(f"{len(queue['held'])} held order(s)", ("order", "channel", "external id", "held since", "escalated", "reasons"), rows)
    if queue.get("next_token"):
        console.print(f"more: --next-token {queue['next_token']}", highlight=False)


def _decide(settings: Settings, order_id: str, decision: str, operator: str, note: str, corrections: Path | None = None) -> None:
    body: dict[str, Any] = {"decision": decision, "operator": operator, "note": note}
    if corrections is not None:
        body["corrections"] = _corrections(corrections)
    answer = settings.client.post(f"/orders/{segment(order_id)}/review", body)
    if settings.json:
        return as_json(answer)
    console.print(f"{order_id}: {decision} → {answer['status']} (version {answer['version']})", highlight=False)


def _corrections(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(read_utf8(path))
    except json.JSONDecodeError as error:
        raise ApiError(400, {"message": f"{path} is not JSON", "errors": [{"field": f"line {error.lineno}, column {error.colno}", "rule": "json_invalid", "message": error.msg}]}) from None
    if not isinstance(document, dict):
        message = f'{path}: corrections are a JSON object ({{"receiver": {{...}}, "invoice": {{...}}}}), not {type(document).__name__}'
        raise ApiError(400, {"message": message, "errors": [{"field": "corrections", "rule": "model_attributes_type", "message": message}]})
    return document


@review.command("approve")
@click.argument("order_id")
@click.option("--operator", required=True, envvar="OMS_OPERATOR", help="Who decides (OMS_OPERATOR)")
@click.option("--note", default="")
@click.option(
    "--corrections", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A JSON file of what the reviewer corrects: {"receiver": {name, phone, province, city, district, detail, ...}, "invoice": {...}}; an order held for an unknown province needs the receiver',
)
@pass_settings
@api_command
def approve(settings: Settings, order_id: str, operator: str, note: str, corrections: Path | None) -> None:
    """Approve a held order: it goes on to routing."""
    _decide(settings, order_id, "approve", operator, note, corrections)


@review.command("reject")
@click.argument("order_id")
@click.option("--operator", required=True, envvar="OMS_OPERATOR", help="Who decides (OMS_OPERATOR)")
@click.option("--note", default="")
@pass_settings
@api_command
def reject(settings: Settings, order_id: str, operator: str, note: str) -> None:
    """Reject a held order."""
    _decide(settings, order_id, "reject", operator, note)


@cli.group()
def stock() -> None:
    """A SKU's stock in a warehouse; split it into buckets before a flash sale, merge after."""


def _layout(settings: Settings, answer: dict[str, Any], title: str) -> None:
    if settings.json:
        return as_json(answer)
    fields(title, list(answer.items()))


@stock.command("show")
@click.argument("sku")
@click.argument("warehouse_id")
@pass_settings
@api_command
def show_stock(settings: Settings, sku: str, warehouse_id: str) -> None:
    """On hand, reserved, safety stock and available, summed over buckets."""
    _layout(settings, settings.client.get(f"/stock/{segment(sku)}/{segment(warehouse_id)}"), f"{sku} in {warehouse_id}")


@stock.command("split")
@click.argument("sku")
@click.argument("warehouse_id")
@click.option("--buckets", required=True, type=int, help="2-… (8 lifts one SKU's write ceiling about 8x)")
@pass_settings
@api_command
def split(settings: Settings, sku: str, warehouse_id: str, buckets: int) -> None:
    """Split the stock into buckets (refused while reservations are held)."""
    _layout(settings, settings.client.post(f"/stock/{segment(sku)}/{segment(warehouse_id)}/buckets", {"buckets": buckets}), f"{sku} in {warehouse_id}: split")


@stock.command("merge")
@click.argument("sku")
@click.argument("warehouse_id")
@pass_settings
@api_command
def merge(settings: Settings, sku: str, warehouse_id: str) -> None:
    """Merge the buckets back into one stock item (refused while reservations are held)."""
    _layout(settings, settings.client.delete(f"/stock/{segment(sku)}/{segment(warehouse_id)}/buckets"), f"{sku} in {warehouse_id}: merged")

