"""`oms reconcile`: run a reconciliation now for a shop and a window, follow it, read its report
(table, JSON or CSV) and record a person's resolution of a difference. Through the API
(/reconciliation/runs), so the same command works on the local runtime and on a deployed stage."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from oms_cli.client import segment
from oms_cli.main import Settings, api_command, cli, pass_settings
from oms_cli.output import as_json, console, fields, table

CHANNELS = ["shopify", "tmall", "jd", "douyin"]
POLL_SECONDS = 1.0


@cli.group()
def reconcile() -> None:
    """Reconciliation (对账): the channel's orders against oms's, missed orders re-ingested."""


def _moment(value: str | None, default: datetime) -> str:
    if value is None:
        return default.isoformat()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} needs its zone (e.g. 2026-12-01T00:00:00+08:00)")
    return moment.isoformat()


def _summary(run: dict[str, Any]) -> list[tuple[str, Any]]:
    keys = ("run_id", "kind", "channel", "shop", "warehouse_id", "since", "until", "state", "pages", "orders_seen", "auto_fixed", "needs_person", "started_at", "finished_at", "error")
    pairs = [(k, run.get(k)) for k in keys if run.get(k) not in (None, "")]
    pairs += [(f"differences: {kind}", count) for kind, count in (run.get("differences") or {}).items()]
    return pairs


def _show(settings: Settings, run_id: str) -> None:
    report = settings.client.get(f"/reconciliation/runs/{segment(run_id)}")
    if settings.json:
        return as_json(report)
    fields(f"run {run_id}", _summary(report["run"]))
    differences = report["differences"]
    if differences:
        columns = ("difference_id", "kind", "subject", "order_id", "resolution", "detail")
        table(f"{len(differences)} difference(s)", columns, ([d.get(c) for c in columns] for d in differences))


@reconcile.command("run")
@click.argument("channel", type=click.Choice(CHANNELS))
@click.argument("shop")
@click.option("--since", help="ISO-8601 with a zone (default: a day before --until)")
@click.option("--until", help="ISO-8601 with a zone, not in the future (default: a minute ago, or a day after --since if that is sooner); at most a day after --since")
@click.option("--no-wait", is_flag=True, help="Ask for the run and return (it runs on the queue)")
@click.option("--timeout", default=1800, show_default=True, type=click.IntRange(1), help="Seconds to wait for the run to finish")
@click.option("--by", "requested_by", default="cli", show_default=True, help="Who asked (on the run)")
@pass_settings
@api_command
def run(settings: Settings, channel: str, shop: str, since: str | None, until: str | None, no_wait: bool, timeout: int, requested_by: str) -> None:
    """Reconcile CHANNEL's SHOP for a window now, wait for the run and print its report. The same
    window is the same run: asking again returns it (a failed run resumes from its checkpoint)."""
    now = datetime.now(UTC) - timedelta(minutes=1)  # a window that has ended: the API refuses one that ends in the future
    if until is None and since is not None:  # the day from --since (the longest window), or up to now if that is sooner
        start = _moment(since, now)
        end = min(datetime.fromisoformat(start) + timedelta(days=1), now).isoformat()
    else:
        end = _moment(until, now)
        start = _moment(since, datetime.fromisoformat(end) - timedelta(days=1))
    asked = settings.client.post("/reconciliation/runs", {"channel": channel, "shop": shop, "since": start, "until": end, "requested_by": requested_by})
    run_id = asked["run_id"]
    if no_wait:
        return as_json(asked) if settings.json else console.print(f"{run_id} {asked['state']} ({'new' if asked['created'] else 'asked before'})", highlight=False)
    deadline = time.monotonic() + timeout
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, disable=settings.json, transient=True)
    with progress:
        task = progress.add_task(f"{run_id}: asked", total=None)
        while True:
            summary = settings.client.get(f"/reconciliation/runs/{segment(run_id)}")["run"]
            progress.update(task, description=f"{run_id}: {summary['state']}, {summary['pages']} page(s), {summary['orders_seen']:,} orders seen")
            if summary["state"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                console.print(f"{run_id} still running after {timeout} s: `oms reconcile show {run_id}` later", highlight=False)
                sys.exit(3)
            time.sleep(POLL_SECONDS)
    _show(settings, run_id)
    if summary["state"] == "FAILED":
        sys.exit(1)


@reconcile.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@click.option("--next-token")
@pass_settings
@api_command
def list_runs(settings: Settings, limit: int, next_token: str | None) -> None:
    """Runs, newest first."""
    page = settings.client.get("/reconciliation/runs", limit=limit, next_token=next_token)
    if settings.json:
        return as_json(page)
    columns = ("run_id", "kind", "channel", "shop", "state", "orders_seen", "auto_fixed", "needs_person", "started_at")
    table(f"{len(page['runs'])} run(s)", columns, ([r.get(c) for c in columns] for r in page["runs"]))
    if page.get("next_token"):
        console.print(f"more: --next-token {page['next_token']}", highlight=False)


@reconcile.command("show")
@click.argument("run_id")
@click.option("--csv", "csv_file", type=click.File("w", encoding="utf-8-sig"), help="Write the report as CSV (one row per difference); - for stdout")
@pass_settings
@api_command
def show(settings: Settings, run_id: str, csv_file: Any) -> None:
    """A run's counts and every difference with its resolution."""
    if csv_file:
        csv_file.write(settings.client.get_text(f"/reconciliation/runs/{segment(run_id)}", format="csv").lstrip("\ufeff"))
        return
    _show(settings, run_id)


@reconcile.command("resolve")
@click.argument("run_id")
@click.argument("difference_id")
@click.option("--by", required=True, help="Who resolved it")
@click.option("--note", required=True, help="What was done")
@pass_settings
@api_command
def resolve(settings: Settings, run_id: str, difference_id: str, by: str, note: str) -> None:
    """Record that a person resolved a difference (it leaves the unresolved alarm's count)."""
    resolved = settings.client.post(f"/reconciliation/runs/{segment(run_id)}/differences/{segment(difference_id)}/resolve", {"by": by, "note": note})
    if settings.json:
        return as_json(resolved)
    fields(f"{difference_id} resolved", [(k, resolved.get(k)) for k in ("kind", "subject", "resolution", "resolved_by", "resolved_at")])
