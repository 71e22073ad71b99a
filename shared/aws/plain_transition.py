"""A status change as plain single-item writes instead of a transaction (decision 154).

A transaction bills every item twice. A status change that writes only the order's own items
(META, its timeline entry and, at routing, its plan) needs no transaction when the items written
before META cannot be mistaken for the winner's by a loser, a retry or a crash:

1. the timeline entry is put under a key of its own, `TL#<version>!<token>` (the token hashes the
   entry), unconditioned: a retry writing the same entry rewrites the same item;
2. a plan is put under `META#PLAN!<version><token>` the same way;
3. then META is updated, conditioned on (version, status) as before, and records the keys it
   adopted: the entry's key appended to `tl_keys`, the plan's key as `plan_key`.

An entry or a plan written by an attempt that then lost its race, or crashed before step 3, stays
as an orphan that no reader shows: a `TL#…!…` item counts only when META's `tl_keys` names it, a
plan only when META's `plan_key` does (`META#PLAN` otherwise, the layout of orders stored before
this decision and of changes still written in a transaction). No key is shared by two attempts with
different content, so a loser can never overwrite what the winner wrote.

A plan stops being read once no META names it (decision 189): a change that adopts a new plan
deletes the one META named before (its old `plan_key`, returned by the update itself, or
META#PLAN), and a loser deletes its own plan unless META names it (a duplicate with the same
plan at the same version writes the same key). A re-routed order therefore reads one plan, not
every plan it ever had. Both deletes come after META's update and are best effort; a reader
that met META before a re-route and the plans after it reads again (`order_items.read_order`).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from shared.aws import order_items
from shared.aws.dynamo import to_item, to_value

# Off ("0") only for the first deploy of this layout, so every function reads it before any writes
# it (docs/data-model.md, "Migration").
SWITCH_ENV = "ORDER_PLAIN_TRANSITIONS"
ENTRY_KEYS = "tl_keys"  # on META: the sort keys of the entries written outside a transaction
PLAN_KEY = order_items.PLAN_KEY  # on META: the sort key of the plan item in force, when not META#PLAN


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1") != "0"


def _token(document: Any) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()[:8]


def entry_sk(version: int, entry_attribute: dict[str, Any]) -> str:
    """'!' sorts before '#': the version's entry before its notes (TL#<version>#<hash>)."""
    raw = entry_attribute.get("entry_z")
    return f"TL#{version:06d}!{_token(raw.hex() if raw is not None else entry_attribute['entry'])}"


def plan_sk(version: int, plan: Any) -> str:
    return f"{order_items.PLAN}!{version:06d}{_token(plan)}"


def _adopted(sk: str) -> str:
    """What META's `tl_keys` holds of an entry's key (TL#000003!59080504 -> 3!59080504): short,
    as META is rewritten by every change and billed by the KB."""
    version, token = sk.removeprefix("TL#").split("!", 1)
    return f"{int(version)}!{token}"


def shown(sk: str, meta: dict[str, Any]) -> bool:
    """Whether a timeline item belongs to the order's history: an entry written outside a
    transaction only when META adopted it."""
    return "!" not in sk or _adopted(sk) in (meta.get(ENTRY_KEYS) or ())


def entry_put(table: str, pk: str, version: int, entry_attribute: dict[str, Any]) -> dict[str, Any]:
    """The put_item request of a status change's entry under a key of its own, written before META."""
    return {"TableName": table, "Item": to_item({"pk": pk, "sk": entry_sk(version, entry_attribute), **entry_attribute})}


def adoption(entry_key: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The SET assignment by which META adopts an entry put on its own (appended to `tl_keys`),
    with its attribute names and values."""
    return (
        "#tlk = list_append(if_not_exists(#tlk, :nokeys), :tlk)",
        {"#tlk": ENTRY_KEYS},
        {":tlk": to_value([_adopted(entry_key)]), ":nokeys": to_value([])},
    )


def adopted_by(meta: dict[str, Any] | None, version: int, puts: list[dict[str, Any]]) -> bool:
    """Whether META, read after this attempt's update failed its condition, is this attempt's own
    change: SDK retries resend an update whose first send committed but whose answer was lost
    (a timeout, a closed connection), and the resend fails its own condition. The entry's token
    hashes the entry (its time included), so no other attempt adopts the same key."""
    if not meta or int(meta.get("version", -1)) != version:
        return False
    if _adopted(puts[0]["Item"]["sk"]["S"]) not in (meta.get(ENTRY_KEYS) or ()):
        return False
    return len(puts) < 2 or meta.get(PLAN_KEY) == puts[1]["Item"]["sk"]["S"]
