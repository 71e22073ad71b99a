"""Spreadsheet safety (CSV injection): a cell that a spreadsheet would run as a formula.

Flagged when an ERP file brings one in (a per-row warning in the import report; the order is
imported with the text as sent) and neutralised on every CSV oms writes (a leading apostrophe, so
the spreadsheet shows the text instead of running it). Data that merely starts with a sign, a
negative number or a phone such as +86 138 0013 8000, is data and is left alone."""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Only digits, spaces and the punctuation of numbers and phone numbers: -3, +86 138-0013-8000, -1.5
_NUMBER_OR_PHONE = re.compile(r"[+-]?[0-9][0-9 ().\-]*")


def looks_like_formula(cell: str | None) -> bool:
    if not cell or not cell.startswith(FORMULA_STARTS):
        return False
    if cell[0] in "\t\r":
        return True
    return not _NUMBER_OR_PHONE.fullmatch(cell)


def neutralised(cell: object) -> object:
    """The cell as a CSV export writes it: formula-looking text is prefixed with an apostrophe."""
    return f"'{cell}" if isinstance(cell, str) and looks_like_formula(cell) else cell
