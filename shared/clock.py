"""UTC time in ISO-8601, in one place so tests can pin it; China's one time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# China keeps one zone and no daylight saving. Its platforms, warehouses and cut-off times write
# local Beijing time, often without an offset ("2026-11-11 00:00:05").
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_utc(moment: datetime, name: str = "") -> datetime:
    """An aware time in UTC; a ValueError (not OverflowError) when UTC cannot hold it, e.g. an
    ERP's empty date 0001-01-01 00:00:00 read as Beijing time falls before year 1 there. `name`
    starts the message (the field it came from)."""
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{name + ' ' if name else ''}{moment.isoformat()} is outside the years 1 to 9999 in UTC") from None


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(utc_now())
