"""China's administrative divisions (province → city → district) and whether an address's three
names exist and agree. Data: shared/data/cn_divisions.json (GB/T 2260 codes), refreshed from a
maintained package by `python -m local.refresh_divisions`.

Channels write names loosely (广州 / 广州市, 恩施州 for 恩施土家族苗族自治州, 上海 上海市 or 市辖区
for a municipality), so a name matches exactly, by its stem without the administrative suffix, or
as the unique official name it begins.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from shared.geo import find_province

_DATA = Path(__file__).parent / "data" / "cn_divisions.json"
_CITY_SUFFIXES = ("自治州", "地区", "林区", "盟", "州", "市")
_DISTRICT_SUFFIXES = ("自治县", "自治旗", "新区", "林区", "特区", "区", "县", "市", "旗")
# What channels write in the city field of a municipality (直辖市) besides its own name.
_MUNICIPALITY_CITY_WORDS = frozenset({"市辖区", "县", "郊县", "城区"})
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True)
class Division:
    code: str
    name: str


@dataclass(frozen=True)
class City(Division):
    districts: tuple[Division, ...]


@dataclass(frozen=True)
class ResolvedAddress:
    """What the division table says about an address. None means "cannot tell" (a name is empty,
    or the level above it is unknown, or the table has no list for that level)."""

    province_code: str | None = None
    province_known: bool | None = None
    city_code: str | None = None
    city_matches_province: bool | None = None
    district_code: str | None = None
    district_matches_city: bool | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """Known codes from the most to the least specific (remote-area lists name any level)."""
        return tuple(c for c in (self.district_code, self.city_code, self.province_code) if c)


@cache
def cities() -> dict[str, tuple[City, ...]]:
    """Province code -> its cities, each with its districts (loaded once)."""
    raw = json.loads(_DATA.read_text("utf-8"))["provinces"]
    return {
        code: tuple(City(c_code, c_name, tuple(Division(d_code, d_name) for d_code, d_name in districts)) for c_code, c_name, districts in rows)
        for code, rows in raw.items()
    }


def _stem(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _match(name: str, candidates: tuple[Division, ...], suffixes: tuple[str, ...]) -> Division | None:
    for candidate in candidates:
        if candidate.name == name:
            return candidate
    stem = _stem(name, suffixes)
    same_stem = [c for c in candidates if _stem(c.name, suffixes) == stem]
    if len(same_stem) == 1:
        return same_stem[0]
    if len(stem) >= 2:
        begins = [c for c in candidates if c.name.startswith(stem)]
        if len(begins) == 1:
            return begins[0]
    return None


@lru_cache(maxsize=65_536)  # addresses repeat (the same buyers, the same cities): resolve each once
def resolve(province: str, city: str, district: str) -> ResolvedAddress:
    province, city, district = (unicodedata.normalize("NFKC", part).strip() for part in (province, city, district))
    if not province:
        return ResolvedAddress()
    found = find_province(province)
    if found is None:
        return ResolvedAddress(province_known=False)
    in_province = cities().get(found.code, ())
    if not city or not in_province:
        return ResolvedAddress(province_code=found.code, province_known=True)
    matched_city = _match_city(found.code, {found.name_zh, found.name_en.lower()}, city, in_province)
    if matched_city is None:
        return ResolvedAddress(province_code=found.code, province_known=True, city_matches_province=False)
    resolved = ResolvedAddress(province_code=found.code, province_known=True, city_code=matched_city.code, city_matches_province=True)
    if not district or not matched_city.districts:
        return resolved
    matched_district = _match(district, matched_city.districts, _DISTRICT_SUFFIXES)
    if matched_district is None:
        return _replace(resolved, district_matches_city=False)
    return _replace(resolved, district_code=matched_district.code, district_matches_city=True)


def _match_city(province_code: str, province_names: set[str], city: str, in_province: tuple[City, ...]) -> City | None:
    if province_code in _MUNICIPALITIES:
        [only] = in_province
        names = province_names | {_stem(n, ("市",)) for n in province_names} | _MUNICIPALITY_CITY_WORDS
        if city in names or city.lower() in names or _match(city, only.districts, _DISTRICT_SUFFIXES) is not None:
            return only  # some channels put the district in the city field of a municipality
        return None
    found = _match(city, in_province, _CITY_SUFFIXES)
    return found if isinstance(found, City) else None


def _replace(resolved: ResolvedAddress, **changes: object) -> ResolvedAddress:
    return ResolvedAddress(**{**resolved.__dict__, **changes})
