"""Scheduled every minute: find orders past their status's time limit (shared/recovery/policy.py)
through the sharded status index, oldest first, and move each on.

A re-drivable order is re-driven (queued again, or a new workflow run resumes at its step) at most
`max_redrives` times per status, one limit apart; every re-drive is counted on the order (its
bookkeeping fields, written conditioned on the version the detector saw, so two overlapping runs
cannot both act), noted in its timeline and announced (OrderStuck). When re-driving has not helped,
or cannot help, the order is escalated once per status: a note and StuckOrderEscalated. Every
step the re-drive starts is idempotent and every write version-conditioned, so a re-drive that
races a slow original run is harmless.

A run acts on a page's orders at once (`workers` threads: each act is three or four calls, and a
backlog of thousands after an intake outage must be worked off within minutes, not one order at a
time), and keeps reading pages, oldest first, until its time is nearly up (`time_left`, from the
Lambda context) or it has acted on MAX_PER_STATUS_PER_RUN orders of one status; the next run takes
the rest (decision 152)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from datetime import datetime, timedelta

from shared.aws.order_store import OrderStore, StoredOrder
from shared.clock import iso, utc_now
from shared.events import DomainEvent, OrderStuck, StuckOrderEscalated
from shared.lifecycle import Actor, OrderStatus, note_entry
from shared.recovery.policy import COUNTED, REDRIVE, Resume, StuckPolicy

Publish = Callable[[Sequence[DomainEvent]], None]
Enqueue = Callable[[str], None]
StartRun = Callable[[str, str, str], bool]  # (order id, resume_at, run name) -> started
MAX_PER_STATUS_PER_RUN = 5000  # a backlog beyond this is worked off over several runs, oldest first
ACT_WORKERS = 16  # orders of one page acted on at once
RESERVE_SECONDS = 15.0  # no new page is read with less time than this left (a page's acts finish in it)
_ACTOR = Actor.system("stuck-order-detector")


@dataclass
class StuckReport:
    stuck: dict[str, int] = field(default_factory=dict)  # status -> orders past the limit, not yet escalated
    redriven: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=dict)  # EXCEPTION: a person's already
    # Seconds from the limit passing to this run acting on the order (time to detect).
    detection_delays: list[float] = field(default_factory=list)


def _parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def detect_stuck_orders(
    orders: OrderStore,
    policy: StuckPolicy,
    enqueue: Enqueue,
    start_run: StartRun,
    publish: Publish,
    now: datetime | None = None,
    *,
    time_left: Callable[[], float] | None = None,
    workers: int = ACT_WORKERS,
) -> StuckReport:
    now = now or utc_now()
    report = StuckReport()

    def act(order: StoredOrder, limit: int) -> tuple[str, float] | None:
        return _act(order, limit, policy, orders, enqueue, start_run, publish, now)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="stuck-act") as pool:
        for status, limit in policy.scanned():
            token, seen = None, 0
            while seen < MAX_PER_STATUS_PER_RUN and (time_left is None or time_left() > RESERVE_SECONDS):
                page, token = orders.waiting_page(status, iso(now - timedelta(seconds=limit)), limit=100, next_token=token)
                # Escalated at this version: operations have it, no longer counted (the alarm clears).
                open_ = [order for order in page if order.stuck_escalated_version != order.version]
                if open_:
                    report.stuck[status.value] = report.stuck.get(status.value, 0) + len(open_)
                for order, acted in zip(open_, pool.map(act, open_, repeat(limit))):
                    if acted is not None:
                        kind, delay = acted
                        (report.redriven if kind == "redriven" else report.escalated).append(order.order_id)
                        report.detection_delays.append(delay)
                seen += len(page)
                if token is None:
                    break
    for status in COUNTED:
        report.counted[status.value] = orders.count_in(status)
    return report


def _act(
    order: StoredOrder,
    limit: int,
    policy: StuckPolicy,
    orders: OrderStore,
    enqueue: Enqueue,
    start_run: StartRun,
    publish: Publish,
    now: datetime,
) -> tuple[str, float] | None:
    """What this run did to the order ("redriven" or "escalated", with the seconds since it became
    overdue), or None when it was left alone."""
    same_version = order.redrive_version == order.version
    redrives = order.redrives if same_version else 0
    last_redrive = _parse(order.redriven_at) if same_version and order.redriven_at else None
    if last_redrive and (now - last_redrive).total_seconds() < limit:
        return None  # the last re-drive gets a whole limit to work
    overdue_since = (last_redrive or _parse(order.updated_at)) + timedelta(seconds=limit)
    resume = REDRIVE.get(order.status)
    if resume is not None and redrives < policy.max_redrives:
        if _redrive(order, resume, redrives + 1, limit, orders, enqueue, start_run, publish, now):
            return "redriven", (now - overdue_since).total_seconds()
        return None
    if not orders.set_if_unchanged(order, {"stuck_escalated_version": order.version}, expect={"stuck_escalated_version": order.stuck_escalated_version}):
        return None  # moved on, or another run escalated it
    why = (
        f"re-driven {redrives} times without moving on" if resume is not None else f"waits on {_waits_on(order.status)}"
    )
    orders.add_note(
        order,
        note_entry(order.status, _ACTOR, f"{order.status.value} for longer than {_duration(limit)}: {why}; escalated to operations", redrives=redrives),
    )
    publish([StuckOrderEscalated(event_id=f"{order.order_id}:stuck-escalated:{order.version}", redrives=redrives, **_facts(order, limit))])
    return "escalated", (now - overdue_since).total_seconds()


def _redrive(
    order: StoredOrder,
    resume: Resume,
    attempt: int,
    limit: int,
    orders: OrderStore,
    enqueue: Enqueue,
    start_run: StartRun,
    publish: Publish,
    now: datetime,
) -> bool:
    counted = orders.set_if_unchanged(
        order,
        {"redrive_version": order.version, "redrives": attempt, "redriven_at": iso(now)},
        expect={"redriven_at": order.redriven_at},
    )
    if not counted:
        return False  # it moved on meanwhile, or an overlapping run re-drove it
    if resume == Resume.INTAKE_QUEUE and attempt > 1:
        # Queued again once already and still RECEIVED: its run may have started and died (a
        # second start under the order id is refused), so start one at review directly.
        resume = Resume.REVIEW
    if resume == Resume.INTAKE_QUEUE:
        enqueue(order.order_id)
        run = None
    else:
        run = f"{order.order_id}-redrive-v{order.version}-{attempt}"
        start_run(order.order_id, resume.value, run)
    orders.add_note(
        order,
        note_entry(
            order.status,
            _ACTOR,
            f"{order.status.value} for longer than {_duration(limit)}: re-driven ({resume.value}), attempt {attempt}",
            attempt=attempt,
            resume_at=resume.value,
            **({"run": run} if run else {}),
        ),
    )
    publish([OrderStuck(event_id=f"{order.order_id}:stuck:{order.version}:{attempt}", attempt=attempt, resume_at=resume.value, **_facts(order, limit))])
    return True


def _facts(order: StoredOrder, limit: int) -> dict[str, object]:
    return {"order_id": order.order_id, "status": order.status.value, "stuck_since": order.updated_at, "limit_seconds": limit}


def _waits_on(status: OrderStatus) -> str:
    return {
        OrderStatus.RELEASED: "the warehouse's shipment update",
        OrderStatus.SHIPPED: "the carrier's delivery update",
        OrderStatus.DELIVERY_EXCEPTION: "the carrier",
        OrderStatus.BACKORDERED: "replenishment",
        OrderStatus.RETURN_PENDING: "the buyer's return (RMA) reaching the warehouse",
    }.get(status, "a person")


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def redrive_after_restart(orders: OrderStore, enqueue: Enqueue, start_run: StartRun, publish: Publish) -> list[str]:
    """The local runtime's restart (local/runtime.py): no workflow run survived it, so every order
    waiting on a run is re-driven now rather than when its limit passes."""
    policy = StuckPolicy(limits={status: 1 for status in REDRIVE}, max_redrives=StuckPolicy.from_env().max_redrives)
    return detect_stuck_orders(orders, policy, enqueue, start_run, publish).redriven
