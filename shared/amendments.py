"""Amendments: a channel re-delivers an order it already sent, with different content (a corrected
address, a changed line). Before the order is routed to a warehouse the change is applied; after
that it is recorded, with the reason, for a person to act on. Either way it is a timeline note,
never a second order. Pure: no AWS."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from shared.lifecycle import Actor, OrderStatus, TimelineEntry
from shared.orders import OrderIn

S = OrderStatus

# Nothing has been planned for the warehouse yet: the workflow reads the order afresh from here.
APPLIES_IN = frozenset({S.RECEIVED, S.ON_HOLD, S.APPROVED, S.BACKORDERED})
_WHY_NOT = {
    S.ROUTED: "a warehouse plan is made for the old content",
    S.RESERVED: "stock is reserved for the old content",
    S.RELEASED: "the outbound note for the old content is at the warehouse",
    S.SHIPPED: "the parcel has left the warehouse",
    S.DELIVERED: "the order is delivered",
    S.REJECTED: "the order was rejected",
    S.CANCELLED: "the order was cancelled",
    S.EXCEPTION: "the order is in EXCEPTION and waits for an operator",
}


class Verdict(BaseModel, defer_build=True):
    applies: bool
    reason: str


def judge(status: OrderStatus) -> Verdict:
    if status in APPLIES_IN:
        return Verdict(applies=True, reason=f"the order is {status.value}: not routed to a warehouse yet")
    return Verdict(applies=False, reason=f"the order is {status.value}: {_WHY_NOT.get(status, 'it is past routing')}; an operator must apply the change")


def changed_fields(before: OrderIn, after: OrderIn) -> list[str]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return [name for name in OrderIn.model_fields if old.get(name) != new.get(name)]


def seen_fingerprints(timeline: Iterable[TimelineEntry]) -> set[str]:
    """Every content an amendment note has recorded, before and after: a late copy of any of them
    is a stale re-delivery, not a new change."""
    seen: set[str] = set()
    for entry in timeline:
        if entry.kind == "note":
            seen.update(v for k in ("fingerprint", "previous_fingerprint") if isinstance(v := entry.details.get(k), str))
    return seen


# When the platform last changed the order, as intake received it (shared/channels/common.py,
# `channel_updated`): on the RECEIVED entry (its received_via) and on each amendment note.
CHANNEL_UPDATED_AT = "channel_updated_at"  # written by shared.channels.common.channel_updated
# The refunds a copy's lines were already taken without (shared/channels: Shopify's refunds, Tmall's
# closed sub-orders): on the RECEIVED entry and on each applied amendment note.
REFUNDS_AT_INTAKE = "refunds_at_intake"


def newest_channel_update(timeline: Iterable[TimelineEntry]) -> str | None:
    """The latest time the platform said it changed the order, of every copy oms took or recorded
    (UTC ISO text of one width: compared as text)."""
    times = [v for entry in timeline if isinstance(v := entry.details.get(CHANNEL_UPDATED_AT), str)]
    return max(times, default=None)


def stale_note(status: OrderStatus, before: OrderIn, before_fingerprint: str, after: OrderIn, actor: Actor, updated_at: str, newest: str) -> TimelineEntry:
    """A copy older than the content oms holds or has recorded: kept on the timeline, not applied."""
    cause = f"channel re-delivered an older copy of the order (changed on the platform at {updated_at}, oms has its change of {newest}); amendment not applied"
    changes = changed_fields(before, after)
    return _note(status, actor, cause, "not_applied", "the copy is older than the content oms already has", changes, before_fingerprint, after, {"stale_" + CHANNEL_UPDATED_AT: updated_at})


def amendment_note(
    status: OrderStatus, before: OrderIn, before_fingerprint: str, after: OrderIn, actor: Actor, updated_at: str | None = None, refunds_at_intake: str | None = None
) -> tuple[TimelineEntry, Verdict]:
    """`refunds_at_intake`: the refunds the copy's lines were taken without (the channel's
    adapter says which); kept on an applied note, so their messages are recorded, not applied again."""
    verdict = judge(status)
    outcome = "applied" if verdict.applies else "not applied"
    changes = changed_fields(before, after)
    cause = f"channel re-delivered the order with changes to {', '.join(changes) or 'its content'}; amendment {outcome}"
    extra = {CHANNEL_UPDATED_AT: updated_at} if updated_at else {}
    if refunds_at_intake and verdict.applies:
        extra[REFUNDS_AT_INTAKE] = refunds_at_intake
    return _note(status, actor, cause, outcome.replace(" ", "_"), verdict.reason, changes, before_fingerprint, after, extra), verdict


def _note(status: OrderStatus, actor: Actor, cause: str, amendment: str, reason: str, changes: list[str], before_fingerprint: str, after: OrderIn, extra: dict[str, str]) -> TimelineEntry:
    """The timeline note of a re-delivery with changes: what changed, both fingerprints and the copy as delivered."""
    return TimelineEntry(
        kind="note",
        from_status=status,
        to_status=status,
        cause=cause,
        actor=actor,
        details={
            "amendment": amendment,
            "reason": reason,
            "changed": changes,
            "fingerprint": after.content_fingerprint(),
            "previous_fingerprint": before_fingerprint,
            "delivered": after.model_dump(mode="json"),
            **extra,
        },
    )
