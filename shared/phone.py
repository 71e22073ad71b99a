"""Chinese phone numbers as receivers write them: mobiles (11 digits from 13x to 19x, optionally
+86) and landlines (area code with its leading 0, then 7 or 8 digits, optionally an extension)."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_EXTENSION = re.compile(r"(?:转|ext\.?|#)\d{1,6}$", re.IGNORECASE)


def normalized(phone: str) -> str:
    """Digits only, without the country code: the form blacklists are kept in. Computed once per
    order by whoever holds its keys (review's Subject, RecentOrder.of): no process-wide cache."""
    # ASCII digits alone (most phones) are their own NFKC form, without separators or extension
    digits = phone if phone.isdigit() and phone.isascii() else _SEPARATORS.sub("", _EXTENSION.sub("", unicodedata.normalize("NFKC", phone).strip()))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits


def is_valid(phone: str) -> bool:
    return is_normalized_valid(normalized(phone))


def is_normalized_valid(digits: str) -> bool:
    return bool(_MOBILE.match(digits) or _LANDLINE.match(digits))
