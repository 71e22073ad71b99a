"""UTC time in ISO-8601, in one place so tests can pin it; China's one time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# China keeps one zone and no daylight saving. Its platforms, warehouses and cut-off times write
# local Beijing time, often without an offset ("2026-11-11 00:00:05").
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(utc_now())
