"""What the schedules ask for: per shop, an incremental window from its cursor (every few minutes)
or the whole previous day (nightly). Windows end a little in the past and on a whole minute, so
two ticks in the same minute ask for the same run (same id) and a platform's late writes land in
the window before it is read."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.reconciliation.domain import MAX_WINDOW, RunKind, RunRequest, Window

LAG = timedelta(minutes=1)  # platforms index a modified order a little after the change
OVERLAP = timedelta(minutes=2)  # each window re-reads the end of the last: a late index entry is not skipped
FIRST_LOOK_BACK = timedelta(minutes=15)  # a shop's first incremental run


def incremental_window(cursor: str | None, now: datetime) -> Window | None:
    until = (now - LAG).replace(second=0, microsecond=0)
    since = datetime.fromisoformat(cursor.replace("Z", "+00:00")) - OVERLAP if cursor else until - FIRST_LOOK_BACK
    if since >= until:
        return None
    if until - since > MAX_WINDOW:  # far behind (an outage): catch up a day per run
        until = since + MAX_WINDOW
    return Window(since=since, until=until)


def nightly_window(now: datetime) -> Window:
    """The whole previous day (UTC)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(since=today - timedelta(days=1), until=today)


def plan_runs(kind: RunKind, shops: list[tuple[str, str]], cursor_of, now: datetime) -> list[RunRequest]:
    """`cursor_of(channel, shop)` reads a shop's cursor (the store's)."""
    requests = []
    for channel, shop in shops:
        window = nightly_window(now) if kind == RunKind.NIGHTLY else incremental_window(cursor_of(channel, shop), now)
        if window is not None:
            requests.append(RunRequest(channel=channel, shop=shop, window=window, kind=kind, requested_by=f"schedule:{kind.value}"))
    return requests
