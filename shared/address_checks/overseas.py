"""Overseas addresses checked by their own country's rules, not China's divisions: the state or
province where the country has them on every address (United States, Canada, Australia, Germany,
Japan) and the postal code's format. Countries without a table are not judged (None)."""

from __future__ import annotations

import re

from shared.address_checks.text import plain

_US = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas", "CA": "california", "CO": "colorado", "CT": "connecticut",
    "DE": "delaware", "DC": "district of columbia", "FL": "florida", "GA": "georgia", "HI": "hawaii", "ID": "idaho", "IL": "illinois",
    "IN": "indiana", "IA": "iowa", "KS": "kansas", "KY": "kentucky", "LA": "louisiana", "ME": "maine", "MD": "maryland",
    "MA": "massachusetts", "MI": "michigan", "MN": "minnesota", "MS": "mississippi", "MO": "missouri", "MT": "montana",
    "NE": "nebraska", "NV": "nevada", "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico", "NY": "new york",
    "NC": "north carolina", "ND": "north dakota", "OH": "ohio", "OK": "oklahoma", "OR": "oregon", "PA": "pennsylvania",
    "RI": "rhode island", "SC": "south carolina", "SD": "south dakota", "TN": "tennessee", "TX": "texas", "UT": "utah",
    "VT": "vermont", "VA": "virginia", "WA": "washington", "WV": "west virginia", "WI": "wisconsin", "WY": "wyoming",
    "PR": "puerto rico", "GU": "guam", "VI": "virgin islands", "AS": "american samoa", "MP": "northern mariana islands",
    "AA": "armed forces americas", "AE": "armed forces europe", "AP": "armed forces pacific",
}  # fmt: skip
_CA = {"AB": "alberta", "BC": "british columbia", "MB": "manitoba", "NB": "new brunswick", "NL": "newfoundland and labrador",
       "NS": "nova scotia", "NT": "northwest territories", "NU": "nunavut", "ON": "ontario", "PE": "prince edward island",
       "QC": "quebec", "SK": "saskatchewan", "YT": "yukon"}  # fmt: skip
_AU = {"NSW": "new south wales", "VIC": "victoria", "QLD": "queensland", "WA": "western australia", "SA": "south australia",
       "TAS": "tasmania", "ACT": "australian capital territory", "NT": "northern territory"}  # fmt: skip
_DE = {"BW": "baden-württemberg", "BY": "bayern", "BE": "berlin", "BB": "brandenburg", "HB": "bremen", "HH": "hamburg", "HE": "hessen",
       "MV": "mecklenburg-vorpommern", "NI": "niedersachsen", "NW": "nordrhein-westfalen", "RP": "rheinland-pfalz", "SL": "saarland",
       "SN": "sachsen", "ST": "sachsen-anhalt", "SH": "schleswig-holstein", "TH": "thüringen"}  # fmt: skip
_JP_PREFECTURES = (
    "北海道 青森 岩手 宮城 秋田 山形 福島 茨城 栃木 群馬 埼玉 千葉 東京 神奈川 新潟 富山 石川 福井 山梨 長野 岐阜 静岡 愛知 三重 滋賀 京都 大阪 兵庫 奈良 和歌山 "
    "鳥取 島根 岡山 広島 山口 徳島 香川 愛媛 高知 福岡 佐賀 長崎 熊本 大分 宮崎 鹿児島 沖縄"
).split()
_JP_ROMAJI = ("hokkaido aomori iwate miyagi akita yamagata fukushima ibaraki tochigi gunma saitama chiba tokyo kanagawa niigata toyama "
              "ishikawa fukui yamanashi nagano gifu shizuoka aichi mie shiga kyoto osaka hyogo nara wakayama tottori shimane okayama "
              "hiroshima yamaguchi tokushima kagawa ehime kochi fukuoka saga nagasaki kumamoto oita miyazaki kagoshima okinawa").split()  # fmt: skip
_REGIONS: dict[str, frozenset[str]] = {
    "US": frozenset(k.lower() for k in _US) | frozenset(_US.values()),
    "CA": frozenset(k.lower() for k in _CA) | frozenset(_CA.values()) | {"québec"},
    "AU": frozenset(k.lower() for k in _AU) | frozenset(_AU.values()),
    "DE": frozenset(k.lower() for k in _DE) | frozenset(_DE.values()) | {"bavaria", "baden-wuerttemberg", "thueringen", "north rhine-westphalia"},
    "JP": frozenset(_JP_PREFECTURES) | frozenset(p + s for p in _JP_PREFECTURES for s in "都道府県") | frozenset(_JP_ROMAJI),
}
_POSTAL: dict[str, re.Pattern[str]] = {
    "US": re.compile(r"^\d{5}(?:-\d{4})?$"),
    "CA": re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"),
    "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),
    "DE": re.compile(r"^\d{5}$"),
    "FR": re.compile(r"^\d{5}$"),
    "JP": re.compile(r"^\d{3}-?\d{4}$"),
    "AU": re.compile(r"^\d{4}$"),
    "SG": re.compile(r"^\d{6}$"),
    "KR": re.compile(r"^\d{5}$"),
}


def region_known(country: str, region: str) -> bool | None:
    """True/False where the country has a table of regions written on every address; else None."""
    known = _REGIONS.get(country)
    if known is None:
        return None
    return plain(region).lower() in known


def postal_code_valid(country: str, postal_code: str | None) -> bool | None:
    pattern = _POSTAL.get(country)
    if pattern is None:
        return None
    return bool(pattern.match(plain(postal_code or "").upper()))
