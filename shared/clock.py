"""UTC time in ISO-8601, in one place so tests can pin it; China's one time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# China keeps one zone and no daylight saving. Its platforms, warehouses and cut-off times write
# local Beijing time, often without an offset ("2026-11-11 00:00:05").
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def business_day(moment: datetime) -> str:
    """The day (YYYY-MM-DD) a moment falls on in China: the day oms's daily counters, the
    console's "today" and the KPIs' days are kept by (decision 265). A naive time is UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(CHINA_TIME).strftime("%Y-%m-%d")


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


def iso_bound(text: str, *, end: bool = False, name: str = "") -> str:
    """A listing's `created_from` / `created_to` as the stored times are written (UTC, ISO-8601,
    milliseconds, Z), so that comparing the texts compares the instants: a time with an offset
    (`2026-12-01T00:00:00+08:00`) is converted, one without is UTC; a date alone is that day's
    first millisecond in China, or with `end` its last (the bound is inclusive; decision 265). A ValueError naming `name`
    for anything else: compared as text, `xyz` or an offset selected nothing, or the wrong hours."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=CHINA_TIME)
            moment = day + timedelta(days=1, milliseconds=-1) if end else day
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith(("Z", "z")) else value)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return iso(to_utc(moment, name))
    except (ValueError, OverflowError):
        raise ValueError(f"{name + ' ' if name else ''}{text!r} is not an ISO-8601 date (2026-12-01) or time (2026-12-01T08:00:00+08:00)") from None
