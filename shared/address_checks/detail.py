"""Whether a courier can deliver to the detail line and ask for the receiver by name.

The detail line fails when it says the buyer collects (门店自提), names a post-office box
(couriers do not deliver to 邮政信箱 or a P.O. Box), sends the reader elsewhere (详见备注: the
address is in a note the warehouse never prints), or holds no place at all (a bare number, a
single character). The name fails when it has no letter of any script (emoji, symbols).
"""

from __future__ import annotations

import re

from shared.address_checks.text import has_letter, plain

PROBLEMS = {"pickup": "门店自提", "po_box": "邮政信箱", "see_note": "详见备注", "no_place": "没有具体地址"}
_PICKUP = re.compile(r"自提|自取|到店取")
_PO_BOX = re.compile(r"邮政信箱|信箱\s*\d|\bp\.?\s*o\.?\s*box\b|\bpost\s+office\s+box\b", re.IGNORECASE)
_SEE_NOTE = re.compile(r"(?:详|请)?见(?:订单)?(?:备注|留言)|看备注|地址在备注")
# Any of the three, each with its own flags: most detail lines match none, one search says so
_ANY_PROBLEM = re.compile(f"(?:{_PICKUP.pattern})|(?i:{_PO_BOX.pattern})|(?:{_SEE_NOTE.pattern})")
_SPACE = re.compile(r"\s")


def detail_problem(detail: str) -> str | None:
    text = plain(detail)
    if not text:
        return None  # an empty detail is the completeness rule's
    if _ANY_PROBLEM.search(text):
        if _PICKUP.search(text):
            return "pickup"
        if _PO_BOX.search(text):
            return "po_box"
        if _SEE_NOTE.search(text):
            return "see_note"
    if not has_letter(text) or len(_SPACE.sub("", text)) < 3:
        return "no_place"
    return None


def name_readable(name: str) -> bool | None:
    text = plain(name)
    return None if not text else has_letter(text)
