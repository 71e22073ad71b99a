"""Phone numbers of the receiver, judged by where the parcel goes: mainland China (mobile 1[3-9]
and 11 digits, landline with its area code), Hong Kong (+852, 8 digits), Macau (+853, 8 digits
from 6 or 28), Taiwan (+886, mobile 09 and 10 digits, landline with its area code), the North
American plan (+1, 10 digits) and elsewhere (a country code and 6-14 digits, E.164). A number
given with its country code is judged by that country's plan wherever the parcel goes.
Placeholders (00000000000, one digit repeated, a counting sequence, 138 followed by zeros) are
told apart from malformed numbers: a person typed them to get past a required field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.address_checks.text import plain

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_EXTENSION = re.compile(r"(?:转|ext\.?|x|#)\s*\d{1,6}$", re.IGNORECASE)
_PLANS: dict[str, re.Pattern[str]] = {
    # national numbers after the country code
    "86": re.compile(r"^(?:1[3-9]\d{9}|[1-9]\d{8,10})$"),  # mobile, or a landline without its trunk 0
    "852": re.compile(r"^[2-9]\d{7}$"),
    "853": re.compile(r"^(?:6\d{7}|28\d{6})$"),
    "886": re.compile(r"^(?:9\d{8}|[2-8]\d{7,8})$"),
    "1": re.compile(r"^[2-9]\d{2}[2-9]\d{6}$"),
}
_LOCAL: dict[str, re.Pattern[str]] = {
    # numbers as written inside their own region, without a country code
    "CN": re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}\d{7,8})$"),
    "HK": re.compile(r"^[2-9]\d{7}$"),
    "MO": re.compile(r"^(?:6\d{7}|28\d{6})$"),
    "TW": re.compile(r"^(?:09\d{8}|0[2-8]\d{7,8})$"),
    "US": re.compile(r"^1?[2-9]\d{2}[2-9]\d{6}$"),
    "CA": re.compile(r"^1?[2-9]\d{2}[2-9]\d{6}$"),
}
_CALLING = {"CN": "86", "HK": "852", "MO": "853", "TW": "886", "US": "1", "CA": "1"}
_COUNTRY_CODES = sorted(("86", "852", "853", "886", "1", "44", "49", "33", "81", "82", "61", "65", "60", "66", "64", "7", "39", "34", "31"), key=len, reverse=True)
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class Phone:
    digits: str  # national digits (the form blacklists are kept in for the mainland)
    country_code: str | None  # as written (+852 ...), else None
    valid: bool
    placeholder: bool


def _strip(phone: str) -> str:
    if phone.isdigit() and phone.isascii():  # most phones: their own NFKC form, no separator or extension
        return phone
    return _SEPARATORS.sub("", _EXTENSION.sub("", plain(phone)))


def _split_country(text: str) -> tuple[str | None, str]:
    if text.startswith("+") or (text.startswith("00") and text[2:3] not in ("", "0")):
        rest = text[1:] if text.startswith("+") else text[2:]
        for code in _COUNTRY_CODES:
            if rest.startswith(code):
                return code, rest[len(code):]
        return rest[:2] or None, rest[2:]
    # 852-91234567, 86-13912345678: the code written without its plus
    for code, length in (("852", 8), ("853", 8), ("886", 9), ("86", 11)):
        if text.startswith(code) and len(text) == len(code) + length:
            return code, text[len(code):]
    return None, text


def placeholder(digits: str) -> bool:
    if len(digits) < 5:
        return False
    if len(set(digits)) == 1 or digits in "012345678901234567890" or digits in "98765432109876543210":
        return True
    return bool(_MAINLAND_MOBILE.match(digits)) and len(set(digits[3:])) == 1  # 13800000000


def region_of(country: str, province_code: str | None) -> str:
    """Where the parcel goes, for phone plans: HK, MO and TW as Chinese platforms write them are provinces."""
    if country == "CN" and province_code in ("81", "82", "71"):
        return {"81": "HK", "82": "MO", "71": "TW"}[province_code]
    return country


def check(phone: str, region: str = "CN") -> Phone:
    text = _strip(phone)
    code, national = _split_country(text)
    if not national.isdigit():
        return Phone(national, code, False, False)
    if placeholder(text):
        return Phone(national, code, False, True)
    if code is not None:
        plan = _PLANS.get(code)
        valid = bool(plan.match(national.removeprefix("0"))) if plan else 6 <= len(national) <= 14
        return Phone(national, code, valid and not placeholder(national), placeholder(national))
    local = _LOCAL.get(region)
    if local is None:  # abroad without a code: the country's own national number, 6-14 digits
        valid = 6 <= len(national) <= 14
    else:
        # a mainland mobile is reachable from Hong Kong, Macau and Taiwan too (buyers give theirs)
        valid = bool(local.match(national)) or (region in ("HK", "MO", "TW") and bool(_MAINLAND_MOBILE.match(national)))
    # without a country code the national number is the text, found no placeholder above
    return Phone(national, _CALLING.get(region) if valid else None, valid, False)
