"""The opaque `next_token` the list APIs hand out: a page's position as base64url JSON.

A token read back is checked before it is used, so one the API never gave out (garbage, a token
of another list, one cut short) is a ValueError naming the parameter, which the APIs answer 400 in
the one error shape, never the decoder's own words or a 5xx from the database."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

NOT_OURS = "next_token is not a token this API gave out"


def encode(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def decode(token: str, valid: Callable[[Any], bool] = lambda position: isinstance(position, dict)) -> Any:
    """The position a token holds; ValueError(NOT_OURS) when it does not read or `valid` refuses it."""
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise ValueError(NOT_OURS) from None
    if not valid(position):
        raise ValueError(NOT_OURS)
    return position


def is_key(position: Any, names: set[str] | None = None) -> bool:
    """Whether `position` is a DynamoDB key as the low-level API writes one (these attributes, when
    given), each a typed string or number ({"S": ...} / {"N": ...})."""
    return (
        isinstance(position, dict)
        and (names is None or set(position) == names)
        and all(isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("S", "N") and isinstance(next(iter(v.values())), str) for v in position.values())
    )


def start_key(token: str, names: set[str]) -> dict[str, Any]:
    """A DynamoDB ExclusiveStartKey handed out as a token: exactly these attributes."""
    return decode(token, lambda position: is_key(position, names))
