"""Reconciliation's vocabulary: a run's window and id, a platform order's state in oms's terms,
and a difference with its resolution. Pure: no AWS, no HTTP."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, computed_field, model_validator

from shared.clock import to_utc

MAX_WINDOW = timedelta(days=1)  # Taobao's increment call takes at most a day; every channel is held to it


class ChannelState(StrEnum):
    """Where the platform says an order is, the same words for every platform."""

    UNPAID = "UNPAID"  # not yet an order to ship
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    SHIPPED = "SHIPPED"  # the platform knows it left (partly or wholly)
    COMPLETED = "COMPLETED"  # received / finished
    CANCELLED = "CANCELLED"  # cancelled or closed before shipping
    REFUNDED = "REFUNDED"  # paid, then refunded in full
    OTHER = "OTHER"  # a status oms has no meaning for: a person looks if it matters


class RunKind(StrEnum):
    INCREMENTAL = "incremental"  # the last few minutes, from the shop's cursor
    NIGHTLY = "nightly"  # a whole day, once the day is over
    ON_DEMAND = "on_demand"  # a person asked (API or CLI)
    WAREHOUSE = "warehouse"  # a WMS shipped list against oms's notes


class RunState(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"  # the platform stayed unreachable; the checkpoint is kept, running it again resumes


class DifferenceKind(StrEnum):
    MISSING_IN_OMS = "missing_in_oms"  # the channel has it, oms never received it (漏单)
    MISSING_NOT_SHIPPABLE = "missing_not_shippable"  # oms lacks it, but the channel's copy is not an order to ship
    CANCELLED_ON_CHANNEL = "cancelled_on_channel"  # cancelled or refunded on the channel while oms fulfils it
    SHIPMENT_NOT_CONFIRMED = "shipment_not_confirmed"  # shipped in oms, the channel still waits for shipment
    AMOUNT_MISMATCH = "amount_mismatch"  # total or lines differ
    SHIPPED_IN_WMS_NOT_IN_OMS = "shipped_in_wms_not_in_oms"  # the WMS shipped it, oms still says RELEASED
    NOTE_NOT_SHIPPED_BY_WMS = "note_not_shipped_by_wms"  # oms sent a note long ago, the WMS never shipped it
    UNKNOWN_TO_OMS = "unknown_to_oms"  # the WMS shipped a note oms does not know


class Resolution(StrEnum):
    AUTO_FIXED = "auto_fixed"
    NEEDS_PERSON = "needs_person"
    RESOLVED_BY_PERSON = "resolved_by_person"


class Difference(BaseModel):
    """One finding of a run. Its id is deterministic (run, subject, kind): a resumed run that
    meets the same order again rewrites the same difference, never a second one."""

    run_id: str
    kind: DifferenceKind
    subject: str  # the platform's order id, or the outbound note's id
    order_id: str | None = None
    resolution: Resolution
    detail: str
    channel_value: str | None = None
    oms_value: str | None = None
    found_at: str
    resolved_at: str | None = None
    resolved_by: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def difference_id(self) -> str:
        return difference_id(self.run_id, self.subject, self.kind)


def difference_id(run_id: str, subject: str, kind: DifferenceKind | str) -> str:
    digest = hashlib.sha256(f"{run_id}\x1f{subject}\x1f{kind}".encode()).hexdigest()[:16]
    return f"DIFF-{digest.upper()}"


def as_utc(moment: datetime) -> datetime:
    """A window's end in UTC; ValueError without a zone, or when UTC cannot hold it."""
    if moment.tzinfo is None:
        raise ValueError("a time needs its zone (e.g. 2026-12-01T00:00:00Z)")
    return to_utc(moment)


class Window(BaseModel):
    """Orders modified in [since, until): both ends UTC, at most a day apart."""

    since: datetime
    until: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        self.since, self.until = as_utc(self.since), as_utc(self.until)
        if self.until <= self.since:
            raise ValueError("until must be after since")
        if self.until - self.since > MAX_WINDOW:
            raise ValueError("a window spans at most one day (the platforms' increment calls allow no more)")
        return self

    def iso(self) -> tuple[str, str]:
        return iso(self.since), iso(self.until)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_id_for(channel: str, shop: str, window: Window) -> str:
    """One run per shop and window, whoever asks for it and however often."""
    since, until = window.iso()
    digest = hashlib.sha256(f"{channel}\x1f{shop}\x1f{since}\x1f{until}".encode()).hexdigest()[:20]
    return f"REC-{digest.upper()}"


class PulledOrder(BaseModel):
    """One order of a platform's order list: the payload the existing channel adapter reads as it
    is, and the platform's own status beside its meaning for oms."""

    channel: str
    external_id: str
    platform_status: str
    state: ChannelState
    modified_at: str | None = None
    payload: dict[str, Any]


class Page(BaseModel):
    orders: list[PulledOrder]
    next_cursor: str | None = None  # None: that was the last page


class RunRequest(BaseModel):
    """What a run is asked to do; the queue message between the scheduler or API and the runner."""

    channel: str
    shop: str = Field(min_length=1, max_length=100)
    window: Window
    kind: RunKind = RunKind.ON_DEMAND
    requested_by: str = "system"

    @property
    def run_id(self) -> str:
        return run_id_for(self.channel, self.shop, self.window)


class RunSummary(BaseModel):
    run_id: str
    kind: RunKind
    channel: str | None = None
    shop: str | None = None
    warehouse_id: str | None = None
    since: str | None = None
    until: str | None = None
    state: RunState
    requested_by: str = "system"
    started_at: str
    finished_at: str | None = None
    pages: int = 0
    orders_seen: int = 0
    cursor: str | None = None  # the next page to fetch (checkpoint); None before the first page
    error: str | None = None
    differences: dict[str, int] = Field(default_factory=dict)  # kind -> count
    auto_fixed: int = 0
    needs_person: int = 0


def completed(run: RunSummary, differences: list[Difference], finished_at: str) -> RunSummary:
    """The run, finished: its counts by kind and by resolution, from its stored differences (so a
    page processed twice after a crash is never counted twice)."""
    by_resolution = Counter(d.resolution for d in differences)
    return run.model_copy(
        update={
            "state": RunState.COMPLETED,
            "finished_at": finished_at,
            "differences": dict(sorted(Counter(d.kind.value for d in differences).items())),
            "auto_fixed": by_resolution[Resolution.AUTO_FIXED],
            "needs_person": by_resolution[Resolution.NEEDS_PERSON],
        }
    )
