"""A channel reconciliation run: page through the platform's orders modified in the window,
compare each with oms's copy, re-ingest what oms never received through the same idempotent
intake (cause "reconciliation" on the timeline), report every other difference.

One run per shop at a time (a lease on the shop), idempotent by run id (shop + window: asking
twice is the same run), resumable: after each page the next page's cursor is checkpointed with the
run, so a crash or a platform outage resumes at the page that failed, and a page processed twice
changes nothing (intake is idempotent, differences have deterministic ids).

Speed (a nightly run of a whole promotion day): oms's side is read in batches by fingerprint, the
next page is fetched while a page is reconciled, and a page's orders are reconciled on a few
threads (their DynamoDB calls overlap)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from shared.aws.order_store import OrderStore
from shared.channels import WEBHOOK_CHANNELS
from shared.channels.common import ChannelOrder
from shared.clock import now_iso
from shared.ids import order_id_for
from shared.lifecycle import Actor
from shared.problems import InputRejected
from shared.reconciliation.compare import Action, Finding, OmsCopy, compare
from shared.reconciliation.domain import (
    Difference,
    DifferenceKind,
    PulledOrder,
    Resolution,
    RunKind,
    RunRequest,
    RunState,
    RunSummary,
    completed,
)
from shared.reconciliation.oms_orders import oms_copies, with_order
from shared.reconciliation.pull import OrderLister, PlatformRefused, PlatformUnavailable, ShopCredentials
from shared.reconciliation.store import ReconciliationStore
from shared.sku_mapping import SkuCatalog, mapping_for, to_internal
from shared.usecases.intake_order import intake_order

CAUSE = "reconciliation"
ACTOR = Actor.system("reconciliation")
LEASE_SECONDS = 330.0  # the runner's timeout and a margin: a crashed run's lease lapses by itself
Outcome = Literal["completed", "deferred", "continue", "failed"]
_PARSERS = {webhook.channel.value: webhook.parse for webhook in WEBHOOK_CHANNELS}


@dataclass
class RunPorts:
    runs: ReconciliationStore
    orders: OrderStore
    catalog: SkuCatalog
    enqueue: Callable[[str], None]
    lister: OrderLister
    credentials: ShopCredentials
    workers: int = 8  # threads per run: the next page's fetch, and a page's orders (each a few DynamoDB calls)
    send_waiting: Callable[[str], int] | None = None  # a new order's waiting after-sales, sent again (decision 264)


@dataclass
class RunResult:
    outcome: Outcome
    run: RunSummary
    finished_now: bool = False  # this call completed it (metrics are emitted once per run)


def run_channel_reconciliation(
    request: RunRequest, ports: RunPorts, *, time_left: Callable[[], float] = lambda: math.inf, min_time_per_page: float = 30.0
) -> RunResult:
    since, until = request.window.iso()
    fresh = RunSummary(
        run_id=request.run_id,
        kind=request.kind,
        channel=request.channel,
        shop=request.shop,
        since=since,
        until=until,
        state=RunState.RUNNING,
        requested_by=request.requested_by,
        started_at=now_iso(),
    )
    run, _ = ports.runs.start_run(fresh)
    if run.state == RunState.COMPLETED:
        return RunResult("completed", run)  # asked again: the same run, already done
    owner = uuid.uuid4().hex
    if not ports.runs.acquire_lease(request.channel, request.shop, run.run_id, owner, LEASE_SECONDS):
        return RunResult("deferred", run)
    try:
        return _resume(request, ports.runs.run(run.run_id), ports, time_left, min_time_per_page)  # the checkpoint as the last holder left it
    finally:
        ports.runs.release_lease(request.channel, request.shop, owner)


def _resume(request: RunRequest, run: RunSummary, ports: RunPorts, time_left: Callable[[], float], min_time: float) -> RunResult:
    if run.state == RunState.COMPLETED:  # another delivery finished it while this one waited
        return RunResult("completed", run)
    run = run.model_copy(update={"state": RunState.RUNNING, "error": None})
    # Re-ingests started before a crash, whose outcome was never written: finished on this pass.
    pending = {d.subject for d in ports.runs.differences(run.run_id) if d.kind == DifferenceKind.MISSING_IN_OMS and d.resolution == Resolution.NEEDS_PERSON}
    with ThreadPoolExecutor(ports.workers, thread_name_prefix="reconcile") as pool:
        ahead = pool.submit(ports.lister.page, request.shop, ports.credentials, request.window, run.cursor) if not (run.pages > 0 and run.cursor is None) else None
        while ahead is not None:
            if run.pages > 0 and time_left() < min_time:
                ahead.cancel()
                ports.runs.save_run(run)
                return RunResult("continue", run)
            try:
                page = ahead.result()
            except (PlatformUnavailable, PlatformRefused) as error:
                run = run.model_copy(update={"state": RunState.FAILED, "error": str(error)})
                ports.runs.save_run(run)  # the checkpoint stays: running the same window again resumes here
                return RunResult("failed", run)
            # The next page is fetched while this one is reconciled (every platform's cursor is
            # known once a page has come); the checkpoint still moves only when a page is done.
            ahead = pool.submit(ports.lister.page, request.shop, ports.credentials, request.window, page.next_cursor) if page.next_cursor is not None else None
            _reconcile_page(run, page.orders, ports, pending, pool)
            run = run.model_copy(update={"pages": run.pages + 1, "orders_seen": run.orders_seen + len(page.orders), "cursor": page.next_cursor})
            ports.runs.save_run(run)
    return RunResult("completed", _finish(run, ports), finished_now=True)


def _finish(run: RunSummary, ports: RunPorts) -> RunSummary:
    run = completed(run, ports.runs.differences(run.run_id), now_iso())
    ports.runs.save_run(run)
    if run.kind == RunKind.INCREMENTAL and run.channel and run.shop and run.until:
        ports.runs.advance_cursor(run.channel, run.shop, run.until)
    return run


def _reconcile_page(run: RunSummary, pulled_orders: list[PulledOrder], ports: RunPorts, pending: set[str], pool: Executor) -> None:
    """oms's copies of the page in batches (status and fingerprint), then each order on its own
    (the whole copy read where the content differs, the re-ingest, the difference written) on the
    pool's threads: orders of a page do not depend on each other, and each one's own steps keep
    their order (a re-ingest's difference is written before its intake)."""
    assert run.channel and run.shop
    copies = oms_copies(ports.orders, run.channel, [p.external_id for p in pulled_orders])
    for done in [pool.submit(_reconcile_order, run, pulled, copies.get(pulled.external_id), ports, pending) for pulled in pulled_orders]:
        done.result()  # the first failure (after every order was tried) fails the page: it is done again on resume


def _reconcile_order(run: RunSummary, pulled: PulledOrder, copy: OmsCopy | None, ports: RunPorts, pending: set[str]) -> None:
    channel_order, refused = _read(pulled)
    if copy is not None and channel_order is not None and _fingerprint(channel_order, ports.catalog) != copy.fingerprint:
        copy = with_order(copy, ports.orders)
    findings = compare(pulled, channel_order.order if channel_order else None, refused, copy)
    if pulled.external_id in pending and channel_order and not any(f.kind == DifferenceKind.MISSING_IN_OMS for f in findings):
        findings.append(Finding(kind=DifferenceKind.MISSING_IN_OMS, action=Action.INGEST, detail=f"{pulled.channel} has order {pulled.external_id}; oms never received it", channel_value=pulled.platform_status))
    for finding in findings:
        _act(run, pulled, channel_order, finding, ports, copy, resumed=pulled.external_id in pending)


def _fingerprint(channel_order: ChannelOrder, catalog: SkuCatalog) -> str | None:
    """The fingerprint intake would store for this content (None when its SKUs do not map)."""
    try:
        return to_internal(channel_order, mapping_for(channel_order, catalog)).content_fingerprint()
    except InputRejected:
        return None


def _read(pulled: PulledOrder) -> tuple[ChannelOrder | None, str | None]:
    """The pulled payload as the channel's own webhook adapter reads it."""
    try:
        return _PARSERS[pulled.channel](pulled.payload), None
    except InputRejected as refused:
        return None, "; ".join(f"{p.field}: {p.message}" for p in refused.problems)


def _act(run: RunSummary, pulled: PulledOrder, channel_order: ChannelOrder | None, finding: Finding, ports: RunPorts, oms: OmsCopy | None, resumed: bool = False) -> None:
    difference = Difference(
        run_id=run.run_id,
        kind=finding.kind,
        subject=pulled.external_id,
        resolution=Resolution.NEEDS_PERSON,
        detail=finding.detail,
        channel_value=finding.channel_value,
        oms_value=finding.oms_value,
        found_at=now_iso(),
    )
    if finding.action in (Action.NONE, Action.REPORT) or channel_order is None:
        ports.runs.put_difference(difference.model_copy(update={"order_id": _order_id(pulled)}))
        return
    if finding.action == Action.INGEST:
        # Written first: a crash between the intake and the outcome leaves it pending, and the
        # resumed run finishes it (intake is idempotent) instead of forgetting it was missing.
        ports.runs.put_difference(difference.model_copy(update={"detail": finding.detail + " (re-ingest under way)"}))
    received = channel_order.model_copy(update={"received_via": {**channel_order.received_via, "route": "reconciliation", "shop": run.shop or "", "run_id": run.run_id}})
    try:
        acceptance = intake_order(received, ports.catalog, ports.orders, ports.enqueue, cause=CAUSE, actor=ACTOR, send_waiting=ports.send_waiting)
    except InputRejected as refused:
        reasons = "; ".join(f"{p.field}: {p.message}" for p in refused.problems)
        ports.runs.put_difference(difference.model_copy(update={"detail": f"{finding.detail}; intake refused it: {reasons}"}))
        return
    if finding.action == Action.INGEST and acceptance.duplicate and not resumed:
        # oms held the order by the time it was re-ingested, though not when the page was read:
        # its webhook arrived while the run went on. Not a missed order; the run does not count it.
        ports.runs.withdraw_difference(run.run_id, difference.difference_id)
        return
    if finding.action == Action.INGEST:
        fixed = difference.model_copy(
            update={"order_id": acceptance.order_id, "resolution": Resolution.AUTO_FIXED, "resolved_at": now_iso(), "resolved_by": "reconciliation", "detail": f"{finding.detail}; re-ingested as {acceptance.order_id}"}
        )
    elif acceptance.amendment == "applied":
        fixed = difference.model_copy(
            update={"order_id": acceptance.order_id, "resolution": Resolution.AUTO_FIXED, "resolved_at": now_iso(), "resolved_by": "reconciliation", "detail": f"{finding.detail}; the channel's version was applied as an amendment"}
        )
    else:
        status = oms.status.value if oms else "unknown"
        fixed = difference.model_copy(update={"order_id": acceptance.order_id, "detail": f"{finding.detail}; too late to amend (oms is {status}): a person decides"})
    ports.runs.put_difference(fixed)


def _order_id(pulled: PulledOrder) -> str:
    return order_id_for(pulled.channel, pulled.external_id)
