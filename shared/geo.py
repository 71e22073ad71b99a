"""Chinese provinces and great-circle distance, from the data file the package ships."""

from __future__ import annotations

import json
import math
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from pydantic import BaseModel

_DATA = Path(__file__).parent / "data" / "cn_provinces.json"
# Official names carry these suffixes; channels often drop them (上海 / 上海市, 广西 / 广西壮族自治区).
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
# What buyers write besides the official and the short name: the ethnic word without 自治区
# (广西壮族, 宁夏回族), 内蒙 for 内蒙古, and a wrong suffix (广西省) which _short already drops.
_ETHNIC_WORDS = ("维吾尔", "壮族", "回族")
_ALIASES = {"内蒙": "内蒙古"}


class Province(BaseModel, defer_build=True):
    code: str
    name_zh: str
    name_en: str
    lat: float
    lon: float


def _short(name: str) -> str:
    name = name.strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@cache
def _index() -> dict[str, Province]:
    provinces = [Province(**row) for row in json.loads(_DATA.read_text("utf-8"))["provinces"]]
    index: dict[str, Province] = {}
    for p in provinces:
        for key in (p.code, p.name_zh, _short(p.name_zh), p.name_en.lower()):
            index[key] = p
    return index


@lru_cache(maxsize=1024)  # pure in the name (the index is fixed); routing asks it for every decision
def find_province(name: str) -> Province | None:
    """Accepts 上海, 上海市, Shanghai, shanghai, the GB/T 2260 code 31, and the variants buyers
    write: 内蒙, 广西省, 宁夏回族, full-width forms."""
    name = unicodedata.normalize("NFKC", name).strip()
    index = _index()
    found = index.get(name) or index.get(_short(name)) or index.get(name.lower())
    if found is None:
        short = _short(name)
        for word in _ETHNIC_WORDS:
            short = short.removesuffix(word)
        found = index.get(_ALIASES.get(short, short))
    return found


EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
