"""A release to the warehouse as plain single-item writes instead of a transaction (decision 225).

A transaction bills every item twice: the release's META update and its notes (one per warehouse)
cost 4 write units for a one-warehouse order. Written plainly they cost 2, in this order:

1. each note is put with `release_version` = the version META will have once released (the
   first one carries the RELEASED entry, decision 119), only if no note is at its key, or the one
   there is of an earlier release (`release_version` lower). A note stored in a transaction (no
   `release_version`, always named) is never overwritten, nor is a note of this release's version:
   a twin's (an attempt that read the same META, a duplicate Express execution: same plan, same
   content but for the times), which the twin's update may be naming right now or has named,
   or a crashed attempt's, which this attempt's update names as it is. Its `first_attempt_at`
   and `created_at` may then be older than this release: nothing is sent before META names the
   note, so the publishers take the first send's bound as the later of `first_attempt_at` and the
   release's time (`first_send_bound`: META's `updated_at` at the release's version, or the stream
   record's creation), and the release stream's grace counts from the release too;
2. META is updated, conditioned on (version, status RESERVED) as before, naming the notes
   (`outbound_note_ids`). The order is released once this commits.

A note counts only when META names it (`shown`): the order's reads, the outbox's publishers and
the after-sales view skip a note written by an attempt that crashed before step 2, or lost its
race. Such a note is never sent (nobody publishes what META does not name); the release's retry
(same version) names it as it is, a later release of the order (a re-route's), whose version is
higher, overwrites it. A committed release is never followed by another one (no status leads back to RESERVED
from RELEASED), so a named note is never overwritten.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from shared.aws.dynamo import to_value

SWITCH_ENV = "ORDER_PLAIN_RELEASE"  # "0": the release stays one transaction (docs/data-model.md, "Migration")
CONTEXT_KEY = "plain_release"  # `cdk deploy -c plain_release=off`: every function gets SWITCH_ENV=0
RELEASE_VERSION = "release_version"  # on a note written plainly: META's version once it is released
NAMED = "outbound_note_ids"  # on META: the notes its release wrote


class ReleaseTime(NamedTuple):
    """When the release at `version` committed, at the earliest (META's `updated_at` at that version:
    the time its writer took before its writes; a stream record's creation, rounded down)."""

    version: int
    at: str


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1") != "0"


def release_time(meta: dict[str, Any] | None) -> ReleaseTime | None:
    """The release time META tells: its `updated_at` is the release's while META is at the version
    a note's `release_version` names (later changes rewrite it)."""
    if not meta or meta.get("version") is None or not meta.get("updated_at"):
        return None
    return ReleaseTime(int(meta["version"]), str(meta["updated_at"]))


def first_send_bound(note: dict[str, Any], released: ReleaseTime | None) -> str | None:
    """The earliest a note may have been first sent: its `first_attempt_at`, or its release's time
    when later (a note written plainly is sent only once META names it; a note put by an attempt
    that crashed, then named by a later one, keeps its older times). Only for the release that
    wrote it (`release_version`); otherwise the note's own bound."""
    first = note.get("first_attempt_at")
    if released is None or RELEASE_VERSION not in note or int(note[RELEASE_VERSION]) != released.version:
        return first
    return max(first or "", released.at)


def shown(item: dict[str, Any], meta: dict[str, Any] | None) -> bool:
    """Whether an item of the order's partition belongs to it: anything but a note written plainly
    that META does not name."""
    if RELEASE_VERSION not in item or not str(item.get("sk", "")).startswith("NOTE#"):
        return True
    return meta is not None and item.get("note_id") in (meta.get(NAMED) or ())


def adoptable_in_a_transaction() -> str:
    """The condition of a note's put in the release transaction (switched off, or before decision
    225): its key is free, or holds a note written plainly, which no committed release names
    since the transaction's META condition (still RESERVED at the version read) holds only
    before any release commits. A release that crashed between its plain writes is then completed
    by the transaction after a rollback to `-c plain_release=off` (decision 225's M2 mend). Not
    switched: the first deploy's code has it."""
    return f"attribute_not_exists(pk) OR attribute_exists({RELEASE_VERSION})"


def note_put(put: dict[str, Any], release_version: int) -> dict[str, Any]:
    """The put_item request of a note written before META's update (step 1 above), from its
    transaction item (`OrderStore.outbound_note_put`)."""
    request = dict(put["Put"])
    request["Item"] = {**request["Item"], RELEASE_VERSION: to_value(release_version)}
    # Never a note of this version (a twin's, perhaps named already: decision 225's M1 mend).
    request["ConditionExpression"] = "attribute_not_exists(pk) OR #rv < :rv"
    request["ExpressionAttributeNames"] = {"#rv": RELEASE_VERSION}
    request["ExpressionAttributeValues"] = {":rv": to_value(release_version)}
    return request
