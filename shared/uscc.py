"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters whose last one is a
check character over the first 17, so a mistyped tax id on a VAT invoice is caught before the
invoice is issued.

Layout: registration authority (1) · entity type (1) · administrative division (6 digits) ·
organisation code (9) · check character (1). The alphabet has 31 characters: digits and capital
letters without I, O, Z, S and V.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Weight of position i is 3**i mod 31 (the standard's table).
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_SHAPE = re.compile(rf"^[{ALPHABET}]{{2}}\d{{6}}[{ALPHABET}]{{10}}$")


def check_character(first17: str) -> str:
    """The check character for the code's first 17 characters."""
    remainder = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True)) % 31
    return ALPHABET[(31 - remainder) % 31]


def is_valid(code: str) -> bool:
    """True when `code` has the standard's shape and its check character is right."""
    code = code.strip().upper()
    return bool(_SHAPE.match(code)) and check_character(code[:17]) == code[17]
