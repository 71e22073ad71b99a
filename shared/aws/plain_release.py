"""A release to the warehouse as plain single-item writes instead of a transaction (decision 225).

A transaction bills every item twice: the release's META update and its notes (one per warehouse)
cost 4 write units for a one-warehouse order. Written plainly they cost 2, in this order:

1. each note is put with `release_version` = the version META will have once released (the
   first one carries the RELEASED entry, decision 119), only if no note is at its key, or the one
   there is of an earlier release (`release_version` lower), or of an attempt at the same version
   that ended unsent more than REFRESH_SECONDS ago. A note stored in a transaction (no
   `release_version`, always named) is never overwritten. An attempt that read META at the same
   version and finds a fresh note there leaves it: a twin's (same plan, same content but for the
   times), which the twin's update may be naming right now. A stale one is rewritten so that its
   message's first-attempt bound (`first_attempt_at`, shared/outbox/publish.py) is this attempt's:
   a crash's note retried minutes later is sent, not parked UNCONFIRMED. It cannot be named: an
   attempt lives at most the notification function's timeout (10 s), so a note named by its
   writer's update was named less than that after it was put, after this attempt read META
   RESERVED (tests/unit/test_plain_release.py holds the timeout under REFRESH_SECONDS);
2. META is updated, conditioned on (version, status RESERVED) as before, naming the notes
   (`outbound_note_ids`). The order is released once this commits.

A note counts only when META names it (`shown`): the order's reads, the outbox's publishers and
the after-sales view skip a note written by an attempt that crashed before step 2, or lost its
race. Such a note is never sent (nobody publishes what META does not name) and is overwritten by
the next release of the order (a retry, a re-drive, a re-route's release), whose version is
higher. A committed release is never followed by another one (no status leads back to RESERVED
from RELEASED), so a named note is never overwritten.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from shared.aws.dynamo import to_value
from shared.clock import iso, utc_now

SWITCH_ENV = "ORDER_PLAIN_RELEASE"  # "0": the release stays one transaction (docs/data-model.md, "Migration")
CONTEXT_KEY = "plain_release"  # `cdk deploy -c plain_release=off`: every function gets SWITCH_ENV=0
RELEASE_VERSION = "release_version"  # on a note written plainly: META's version once it is released
NAMED = "outbound_note_ids"  # on META: the notes its release wrote
STATE = "outbox_state"  # shared/outbox/note_messages.STATE (not imported: the store loads no events)
REFRESH_SECONDS = 60  # a same-version note older than this is a finished attempt's (see above)


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1") != "0"


def shown(item: dict[str, Any], meta: dict[str, Any] | None) -> bool:
    """Whether an item of the order's partition belongs to it: anything but a note written plainly
    that META does not name."""
    if RELEASE_VERSION not in item or not str(item.get("sk", "")).startswith("NOTE#"):
        return True
    return meta is not None and item.get("note_id") in (meta.get(NAMED) or ())


def note_put(put: dict[str, Any], release_version: int) -> dict[str, Any]:
    """The put_item request of a note written before META's update (step 1 above), from its
    transaction item (`OrderStore.outbound_note_put`)."""
    request = dict(put["Put"])
    request["Item"] = {**request["Item"], RELEASE_VERSION: to_value(release_version)}
    request["ConditionExpression"] = (
        "attribute_not_exists(pk) OR #rv < :rv"
        " OR (#rv = :rv AND #state = :pending AND attribute_not_exists(#sent) AND #first < :stale)"
    )
    request["ExpressionAttributeNames"] = {"#rv": RELEASE_VERSION, "#state": STATE, "#sent": "wms_sent_at", "#first": "first_attempt_at"}
    request["ExpressionAttributeValues"] = {
        ":rv": to_value(release_version),
        ":pending": to_value("PENDING"),
        ":stale": to_value(iso(utc_now() - timedelta(seconds=REFRESH_SECONDS))),
    }
    return request
