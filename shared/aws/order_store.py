"""The order store on DynamoDB. Key design (docs/data-model.md):

  pk = ORDER#<order_id>  sk = META             the order's state: status, version, index keys (small)
                         sk = META#ORDER       its content and first timeline entry (shared/aws/order_items.py)
                         sk = META#PLAN        its routing plan (META#PLAN!<v><token>: decision 154)
                         sk = TL#<version>     the timeline entry that produced that version
                         sk = TL#<version>!<t> the same, written outside a transaction (decision 154)
                         sk = TL#<version>#<h> a timeline note without a status change
                         sk = NOTE#<warehouse> an outbound note
  GSI by_channel:  channel_key = <channel>#<shard>, created_at      KEYS_ONLY (META items only)
  GSI by_status:   status_key = <status>#<shard>, updated_at        KEYS_ONLY (META items only: queues,
                   stuck orders; write-sharded, read by scatter-gather: shared/aws/status_index.py;
                   statuses outside the workflow only)
  GSI by_flow:     flow_key = FLOW#<shard>, created_at              KEYS_ONLY (META of orders in a workflow
                   status: RECEIVED, APPROVED, ROUTED, RESERVED; entered and left once, decision 92)
  GSI by_customer, by_day: retired (decision 92): no longer written or read; dropped by a later deploy
  (keys only: a status change rewrites only by_status; listings read keys, then the orders:
  shared/aws/order_listing.py, which also scatters a listing over its shards)
A channel order's id is computed from channel + external id (shared/ids.py): no index needed.
  GSI by_buyer / by_address: review's recent-order lookups (shared/recent_orders.py); by_buyer
                   also lists a customer's orders, by_channel the last stored ones (what-if)

Every status change is decided by the META update conditioned on (version, status): a lost race
is a VersionConflict. A change that writes only the order's own items puts its timeline entry (and
plan) first under keys of their own, which META adopts (decision 154, shared/aws/plain_transition.py);
one that writes other items too is one transaction, its entry put before it (decision 155). History
and state never disagree: an entry or plan META did not adopt is never read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, Field

from shared.aws.clients import client, resource_name
from shared.aws import order_items, page_tokens, plain_release, plain_transition, status_index
from shared.aws.dynamo import (
    TransactionCancelled,
    batch_get,
    from_item,
    query_partition,
    raise_if_transient,
    to_item,
    to_value,
    transact_write,
)
from shared.aws.order_listing import channel_key, channel_partitions, list_page
from shared.clock import now_iso
from shared.errors import OrderNotFound, VersionConflict
from shared.lifecycle import OrderStatus, TimelineEntry, check_transition
from shared.orders import Channel, OrderIn
from shared.routing import PlannedLine, RoutingPlan

TABLE_ENV = "ORDERS_TABLE"


class StoredOrder(BaseModel, defer_build=True):
    order_id: str
    status: OrderStatus
    version: int
    created_at: str
    updated_at: str
    fingerprint: str
    order: OrderIn
    plan: RoutingPlan | None = None
    # Set once the order first reserved stock, and kept (an amendment too): the inventory lock reads
    # the order's reservation records only when it is set (decision 203).
    reservation_id: str | None = None
    escalated_at: str | None = None  # a held order nobody decided on in time
    failed_status: OrderStatus | None = None  # the status whose step failed, when EXCEPTION
    # Stuck-order re-drives of the current version (shared/recovery): how many, the last one's time,
    # and when re-driving was given up and operations told.
    redrive_version: int | None = None
    redrives: int = 0
    redriven_at: str | None = None
    stuck_escalated_version: int | None = None
    # Why and since when it was last put ON_HOLD (the transition's findings), kept on the order item
    # so the review queue reads one item per order, not each timeline.
    hold: dict[str, Any] | None = None
    # 合单 (shared/merging/): the merge a MERGED member ships in, or that a shipment order carries.
    merge_id: str | None = None


class NoteState(StrEnum):
    SENT = "SENT"  # with the warehouse
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    VOIDED = "VOIDED"  # the order was cancelled before the parcel left


class OutboundNote(BaseModel, defer_build=True):
    note_id: str
    order_id: str
    warehouse_id: str
    lines: list[PlannedLine]
    created_at: str
    state: NoteState = NoteState.SENT
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: str | None = None
    delivered_at: str | None = None
    service: str | None = None  # the carrier's service the strategy chose (快递策略)


class OrderQuery(BaseModel, defer_build=True):
    status: str | None = None
    channel: str | None = None
    customer: str | None = None
    created_from: str | None = None  # ISO-8601, inclusive
    created_to: str | None = None
    limit: int = Field(default=50, ge=1, le=200)
    next_token: str | None = None
    oldest_first: bool = False  # through an index (a filter given): the oldest first, e.g. the review queue


class OrderDetails(BaseModel, defer_build=True):
    """Everything operations see about one order, read in one query."""

    order: StoredOrder
    timeline: list[TimelineEntry]
    outbound_notes: list[OutboundNote]


# One line per order event (stored, each status change): what `oms serve` shows at INFO.
ORDER_EVENTS = logging.getLogger("oms.orders")


def log_order_event(order_id: str, from_status: OrderStatus | None, to_status: OrderStatus, cause: str) -> None:
    ORDER_EVENTS.info("%s %s → %s (%s)", order_id, from_status.value if from_status else "·", to_status.value, cause)


def _newest_cursor(position: Any) -> bool:
    """A token of the newest orders: the time (and, since several orders share a millisecond, the
    order key) the next page starts before."""
    return (
        isinstance(position, dict)
        and set(position) in ({"before"}, {"before", "pk"})
        and all(isinstance(value, str) for value in position.values())
    )


def _pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


# A timeline entry past this size (routing's, with its explanation and runners-up, is ~2.3 KB)
# is stored zlib-compressed as `entry_z`: written in a transaction, each started KB of an item
# costs two write units, and the entry is never queried by its content.
_COMPRESS_ENTRY_OVER = 900


def _entry_attribute(entry: TimelineEntry) -> dict[str, Any]:
    document = entry.model_dump(mode="json")
    encoded = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    if len(encoded) > _COMPRESS_ENTRY_OVER:
        return {"entry_z": zlib.compress(encoded, 9)}
    return {"entry": document}


def _entry_of(item: dict[str, Any]) -> TimelineEntry:
    if "entry_z" in item:
        raw = item["entry_z"]
        return TimelineEntry.model_validate_json(zlib.decompress(getattr(raw, "value", raw)))
    return TimelineEntry.model_validate(item["entry"])


# A timeline note kept on the item it is about (a customer notice's record, decision 118) rather
# than as a TL item of its own: `timeline_note` is the entry, `note_from_item` the details it takes from the
# item's own attributes (stored once). OrderStore.details places it by time.
NOTE_ATTRIBUTE = "timeline_note"
_NOTE_FROM_ITEM = "note_from_item"


def note_attribute(entry: TimelineEntry, from_item: tuple[str, ...] = ()) -> dict[str, Any]:
    document = entry.model_copy(update={"kind": "note"}).model_dump(mode="json")
    return {**document, _NOTE_FROM_ITEM: list(from_item)} if from_item else document


def _item_note(item: dict[str, Any]) -> TimelineEntry:
    document = dict(item[NOTE_ATTRIBUTE])
    taken = document.pop(_NOTE_FROM_ITEM, [])
    document["details"] = {**document.get("details", {}), **{name: item[name] for name in taken if name in item}}
    return TimelineEntry.model_validate(document)


def _with_item_notes(timeline: list[TimelineEntry], notes: list[TimelineEntry]) -> list[TimelineEntry]:
    """Each note after the last entry at or before its time (the timeline is in time order)."""
    for note in sorted(notes, key=lambda n: n.at):
        place = len(timeline)
        while place and timeline[place - 1].at > note.at:
            place -= 1
        timeline.insert(place, note)
    return timeline


# A transition's entry carried by an item its transaction creates anyway (release's first outbound
# note, decision 119) instead of a TL item: `carried_entry` = the entry and its version.
CARRIED_ENTRY = "carried_entry"


def carried_entry(entry: TimelineEntry, version: int) -> dict[str, Any]:
    return {**entry.model_dump(mode="json"), "version": version}


def _carried(item: dict[str, Any]) -> tuple[str, TimelineEntry]:
    document = dict(item[CARRIED_ENTRY])
    return _timeline_sk(int(document.pop("version"))), TimelineEntry.model_validate(document)


def _timeline_sk(version: int, entry: TimelineEntry | None = None) -> str:
    if entry is None:
        return f"TL#{version:06d}"
    # A note's key comes from its content: a retried step rewrites the same note, not a second one.
    digest = hashlib.sha256(entry.model_dump_json(exclude={"at"}).encode()).hexdigest()[:10]
    return f"TL#{version:06d}#{digest}"


def _timeline_order(pair: tuple[str, TimelineEntry]) -> tuple[int, bool, str]:
    """A version's entry (`TL#<v>`, or `TL#<v>!<token>` when written apart), then its notes
    (`TL#<v>#<digest>`) in time order: a digest of a note's content says nothing of when it came."""
    sk = pair[0]
    version = sk[3:].split("#", 1)[0].split("!", 1)[0]
    return int(version), "#" in sk[3:], pair[1].at


def _notes_only(items: list[dict[str, Any]] | None) -> bool:
    """Whether a change's extra items are all outbound notes' puts (a release since decision 185)."""
    return bool(items) and all("Put" in i and i["Put"]["Item"]["sk"]["S"].startswith("NOTE#") for i in items or ())


def _unless_condition_fails(write: Any) -> bool:
    """Runs a conditioned single-item write: False when its condition failed."""
    try:
        write()
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise_if_transient(error)
        raise
    return True


class OrderStore:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self.table = table_name or resource_name(TABLE_ENV)
        self._client = dynamodb

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")

    # -- reads -------------------------------------------------------------------------------

    def load(self, order_id: str) -> StoredOrder:
        meta, _ = order_items.read_order(self.db, self.table, order_id)
        if meta is None:
            raise OrderNotFound(order_id)
        return StoredOrder.model_validate(meta)

    def details(self, order_id: str) -> OrderDetails:
        items, by_sk, merged = self.partition(order_id)
        meta = by_sk[order_items.META]
        keyed = [(i["sk"], _entry_of(i)) for i in items if i["sk"].startswith("TL#") and plain_transition.shown(i["sk"], meta)]
        content = by_sk.get(order_items.CONTENT, {})
        if _timeline_sk(1) not in by_sk and ("entry" in content or "entry_z" in content):
            keyed.append((_timeline_sk(1), _entry_of(content)))  # the RECEIVED entry, stored with the content
        keyed += [_carried(i) for i in items if CARRIED_ENTRY in i and not i["sk"].startswith("TL#")]
        keyed.sort(key=_timeline_order)
        timeline = [entry for _, entry in keyed]
        timeline = _with_item_notes(timeline, [_item_note(i) for i in items if NOTE_ATTRIBUTE in i and not i["sk"].startswith("TL#")])
        return OrderDetails(
            order=StoredOrder.model_validate(merged),
            timeline=timeline,
            outbound_notes=[OutboundNote.model_validate(i) for i in items if i["sk"].startswith("NOTE#")],
        )

    # -- writes ------------------------------------------------------------------------------

    def create(self, order: OrderIn, entry: TimelineEntry) -> tuple[StoredOrder, bool]:
        """Stores a new order once. Returns (the stored order, whether this call created it).

        Two single-item writes, no transaction (decision 90): the content with its RECEIVED entry
        first, then META, each only if absent. The order exists once META does; a retry after a
        crash between the two finds the content and writes META from it (the first content wins)."""
        content = {
            "pk": _pk(order.order_id),
            "sk": order_items.CONTENT,
            "order": order.model_dump(mode="json", exclude_none=True),
            **_entry_attribute(entry),
        }
        from shared.recent_orders import index_attributes  # address data: only intake pays for it (cold import)

        if not self._put_if_absent(content):
            meta, stored_content = order_items.read_order(self.db, self.table, order.order_id)
            if meta is not None:
                return StoredOrder.model_validate(meta), False
            if stored_content is not None:
                order = OrderIn.model_validate(stored_content["order"])
        now = now_iso()
        stored = StoredOrder(
            order_id=order.order_id,
            status=OrderStatus.RECEIVED,
            version=1,
            created_at=now,
            updated_at=now,
            fingerprint=order.content_fingerprint(),
            order=order,
        )
        meta = {
            "pk": _pk(stored.order_id),
            "sk": order_items.META,
            **stored.model_dump(mode="json", exclude_none=True, exclude=set(order_items.MOVED)),
            "channel_key": channel_key(order.channel.value, stored.order_id),  # write-sharded
            # No customer_key or day_key since decision 92: by_buyer and by_channel answer those.
            **status_index.key_fields(stored.status.value, stored.order_id)[0],  # in the flow: by_flow
            **index_attributes(stored.order_id, order, now),  # review's recent-order indexes
        }
        if not self._put_if_absent(meta):
            return self.load(stored.order_id), False
        log_order_event(stored.order_id, None, stored.status, entry.cause)
        return stored, True

    def _put_if_absent(self, item: dict[str, Any]) -> bool:
        return _unless_condition_fails(lambda: self.db.put_item(TableName=self.table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"))

    def transition_items(
        self,
        current: StoredOrder,
        to_status: OrderStatus,
        entry: TimelineEntry,
        set_fields: dict[str, Any] | None = None,
        entry_first: bool = False,
    ) -> list[dict[str, Any]]:
        """The transaction items of a status change, for callers that add their own items: the
        META update first, the timeline put second, then the content or plan item it sets.

        `entry_first` (decision 155): the timeline entry is put now, on its own, under a key of its
        own (`TL#<v>!<token>`, shared/aws/plain_transition.py) that the META update adopts, and is
        not an item of the transaction (billed once, not twice); an attempt whose transaction then
        fails leaves it unadopted, unread. The items are then the META update and the moved ones."""
        if not entry_first:
            update, moved_items = self._meta_update(current, to_status, entry, set_fields)
            return [update, self._timeline_put(current.order_id, current.version + 1, entry, note=False), *moved_items]
        put = plain_transition.entry_put(self.table, _pk(current.order_id), current.version + 1, _entry_attribute(entry))
        update, moved_items = self._meta_update(current, to_status, entry, set_fields, adopt_entry=put["Item"]["sk"]["S"])
        self._put_all([put])
        return [update, *moved_items]

    def _put_all(self, puts: list[dict[str, Any]]) -> None:
        """Unconditioned puts (an entry or a plan under a key of its own): a throttle is StoreUnavailable."""
        for put in puts:
            try:
                self.db.put_item(**put)
            except ClientError as error:
                raise_if_transient(error)
                raise

    def _meta_update(
        self,
        current: StoredOrder,
        to_status: OrderStatus,
        entry: TimelineEntry,
        set_fields: dict[str, Any] | None,
        *,
        plan_sk: str | None = None,
        adopt_entry: str | None = None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The conditioned META update of a status change and the items of the content or plan it
        sets. Written without a transaction (decision 154), the plan goes under `plan_sk`, which
        META names as `plan_key`, and META adopts the entry put under `adopt_entry`; otherwise the
        plan goes to META#PLAN and a `plan_key` left by a plain change is removed."""
        check_transition(current.order_id, current.status, to_status)
        next_version = current.version + 1
        held = {"hold": {"since": entry.at, "findings": entry.details.get("findings", [])}} if to_status == OrderStatus.ON_HOLD else {}
        if current.status == OrderStatus.ON_HOLD and to_status != OrderStatus.ON_HOLD and current.hold:
            # Decided: the findings (in the ON_HOLD entry too) leave META, which every later change
            # rewrites; `since` stays, so the order still counts as touched by a person (decision 157).
            held = {"hold": {"since": current.hold["since"]}}
        kept, moved_items = order_items.moved_writes(self.table, current.order_id, set_fields or {}, plan_sk)
        index_keys, unindexed = status_index.key_fields(to_status.value, current.order_id)
        fields = {
            "status": to_status.value,
            **index_keys,  # by_flow's key is the same all through the workflow: no index write
            "updated_at": entry.at,
            **held,
            **kept,
        }
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": to_value(value) for i, value in enumerate(fields.values())}
        assignments = ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
        if adopt_entry is not None:
            adopting, adopt_names, adopt_values = plain_transition.adoption(adopt_entry)
            assignments, names, values = f"{assignments}, {adopting}", {**names, **adopt_names}, {**values, **adopt_values}
        # Content written to its own item leaves META (an order stored before the split, decision 90).
        removed = [name for name in order_items.MOVED if name in (set_fields or {})] + unindexed
        if plan_sk is None and "plan" in (set_fields or {}):
            removed.append(plain_transition.PLAN_KEY)
        for i, name in enumerate(removed):
            names[f"#m{i}"] = name
        remove = (" REMOVE " + ", ".join(f"#m{i}" for i in range(len(removed)))) if removed else ""
        update = {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(current.order_id), "sk": "META"}),
                "UpdateExpression": f"SET {assignments}, #version = :next{remove}",
                "ConditionExpression": "#version = :expected AND #status = :from",
                "ExpressionAttributeNames": {**names, "#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {
                    **values,
                    ":next": to_value(next_version),
                    ":expected": to_value(current.version),
                    ":from": to_value(current.status.value),
                },
            }
        }
        return update, moved_items

    def transition(
        self,
        current: StoredOrder,
        to_status: OrderStatus,
        entry: TimelineEntry,
        set_fields: dict[str, Any] | None = None,
        extra_items: list[dict[str, Any]] | None = None,
        entry_on_first_extra: bool = False,
    ) -> StoredOrder:
        """Applies one status change; raises IllegalTransition or VersionConflict.

        With `entry_on_first_extra`, the first extra item (a Put the change creates, conditioned on
        its absence: release's first outbound note) carries the timeline entry instead of a TL item
        of its own: one item fewer in the transaction (decision 119). Extra items that are all
        notes' puts are written plainly before META (decision 225).

        A change that writes only the order's own items, and not its content, is plain writes
        (decision 154, shared/aws/plain_transition.py): no transaction."""
        if not extra_items and "order" not in (set_fields or {}) and plain_transition.enabled():
            self._plain_transition(current, to_status, entry, set_fields)
        elif entry_on_first_extra and _notes_only(extra_items) and plain_release.enabled() and plain_transition.enabled():
            self._plain_release(current, to_status, entry, set_fields, extra_items or [])
        else:
            self._transact_transition(current, to_status, entry, set_fields, extra_items, entry_on_first_extra)
        log_order_event(current.order_id, current.status, to_status, entry.cause)
        return StoredOrder.model_validate(
            {
                **current.model_dump(mode="json"),
                **{k: v for k, v in (set_fields or {}).items() if k in StoredOrder.model_fields},
                "status": to_status,
                "version": current.version + 1,
                "updated_at": entry.at,
            }
        )

    def _plain_transition(self, current: StoredOrder, to_status: OrderStatus, entry: TimelineEntry, set_fields: dict[str, Any] | None) -> None:
        version, pk = current.version + 1, _pk(current.order_id)
        entry_put = plain_transition.entry_put(self.table, pk, version, _entry_attribute(entry))
        plan_key = plain_transition.plan_sk(version, set_fields["plan"]) if "plan" in (set_fields or {}) else None
        update, moved_items = self._meta_update(current, to_status, entry, set_fields, plan_sk=plan_key, adopt_entry=entry_put["Item"]["sk"]["S"])
        puts = [entry_put, *(item["Put"] for item in moved_items)]
        self._put_all(puts)  # the entry and the plan under keys of their own, adopted by META below
        # With a new plan, META's old plan_key comes back with the answer: the plan it replaces.
        meta_update = {**update["Update"], "ReturnValues": "UPDATED_OLD"} if plan_key else update["Update"]
        answer: dict[str, Any] = {}
        if not _unless_condition_fails(lambda: answer.update(self.db.update_item(**meta_update))):
            meta = self.db.get_item(TableName=self.table, Key=to_item({"pk": pk, "sk": order_items.META}), ConsistentRead=True).get("Item")
            meta = from_item(meta) if meta else None
            if not plain_transition.adopted_by(meta, version, puts):
                if plan_key and meta and meta.get(plain_transition.PLAN_KEY) != plan_key:
                    self._delete_plan(current.order_id, plan_key)  # a loser's plan: nobody names it
                raise VersionConflict(current.order_id, current.version)
            return
        if plan_key:
            replaced = from_item(answer.get("Attributes") or {}).get(plain_transition.PLAN_KEY)
            if replaced or current.plan is not None:
                self._delete_plan(current.order_id, replaced or order_items.PLAN)

    def _plain_release(
        self, current: StoredOrder, to_status: OrderStatus, entry: TimelineEntry, set_fields: dict[str, Any] | None, note_puts: list[dict[str, Any]]
    ) -> None:
        """The release's notes, then META naming them, as plain writes (decision 225,
        shared/aws/plain_release.py). A note already at its key for this version (a twin's, or a
        crashed attempt's) is left as it is, and named as it is. A failed META condition is a lost race
        or an SDK resend of an update that committed: either way the caller reads the order again
        and finds it released, or moved on."""
        version = current.version + 1
        update, moved_items = self._meta_update(current, to_status, entry, set_fields)
        if moved_items:
            raise ValueError("a plain release writes no content or plan")
        for i, put in enumerate(note_puts):
            request = plain_release.note_put(put, version)
            if i == 0:  # the RELEASED entry rides on the first note (decision 119)
                request["Item"][CARRIED_ENTRY] = to_value(carried_entry(entry, version))
            _unless_condition_fails(lambda: self.db.put_item(**request))
        if not _unless_condition_fails(lambda: self.db.update_item(**update["Update"])):
            raise VersionConflict(current.order_id, current.version)

    def _delete_plan(self, order_id: str, sk: str) -> None:
        """Deletes a plan no META names any more (decision 189), so a re-routed order's reads stay
        one plan long. Best effort: the change is made already; a plan left by a failure here, or
        by a crash, is an orphan as before (read, never shown)."""
        try:
            self.db.delete_item(TableName=self.table, Key=to_item({"pk": _pk(order_id), "sk": sk}))
        except (ClientError, BotoCoreError) as error:
            ORDER_EVENTS.warning("%s: superseded plan %s not deleted (%s)", order_id, sk, error)

    def _transact_transition(
        self,
        current: StoredOrder,
        to_status: OrderStatus,
        entry: TimelineEntry,
        set_fields: dict[str, Any] | None,
        extra_items: list[dict[str, Any]] | None,
        entry_on_first_extra: bool,
    ) -> None:
        carried = bool(entry_on_first_extra and extra_items and "Put" in extra_items[0])
        entry_first = not carried and plain_transition.enabled()
        items = self.transition_items(current, to_status, entry, set_fields, entry_first=entry_first) + list(extra_items or [])
        if carried:
            carrier = items.pop(len(items) - len(extra_items))
            carrier["Put"]["Item"][CARRIED_ENTRY] = to_value(carried_entry(entry, current.version + 1))
            items[1] = carrier  # in the TL put's place: its failed condition is a lost race too
        try:
            transact_write(self.db, items)
        except TransactionCancelled as cancelled:
            if cancelled.failed(0) or (not entry_first and cancelled.failed(1)):  # META, or the entry's put
                raise VersionConflict(current.order_id, current.version) from cancelled
            raise

    def write_conditioned(self, current: StoredOrder, items: list[dict[str, Any]]) -> None:
        """Writes items that change no status; a failed condition means the order moved on."""
        try:
            transact_write(self.db, items)
        except TransactionCancelled as cancelled:
            raise VersionConflict(current.order_id, current.version) from cancelled

    def add_note(self, current: StoredOrder, entry: TimelineEntry) -> None:
        """A timeline entry without a status change (a shortage seen, an amendment received)."""
        entry = entry.model_copy(update={"kind": "note"})
        put = self._timeline_put(current.order_id, current.version, entry, note=True)["Put"]
        put.pop("ConditionExpression")
        self.db.put_item(**put)

    def list_orders(self, query: OrderQuery) -> tuple[list[StoredOrder], str | None]:
        """One page of orders, newest first, through the index that fits the most selective filter.
        The other filters apply to the page read (a page may hold fewer than `limit`)."""
        if query.customer:
            # by_buyer (review's index, keyed "<channel>#<buyer id>") over every channel: the
            # customer listing needs no index of its own (decision 92). Newest placed first.
            index, key, sort = "by_buyer", "buyer_key", "placed_key"
            partitions = [f"{channel.value}#{query.customer}" for channel in Channel]
        elif query.channel:
            index, key, partitions, sort = "by_channel", "channel_key", channel_partitions(query.channel), "created_at"
        elif query.status:
            index, key, partitions, sort = status_index.listing(query.status)
        else:
            return self.newest(query)
        low, high = query.created_from or "", query.created_to or "~"
        ranged = bool(query.created_from or query.created_to)

        def keep(item: dict[str, Any]) -> bool:
            if query.status and item.get("status") != query.status:
                return False
            if query.channel and str(item.get("channel_key", "")).split("#")[0] != query.channel:
                return False
            return not ranged or low <= item.get("created_at", "") <= high

        items, token = list_page(
            self.db, self.table, index, key, partitions, sort, limit=query.limit,
            sort_range=(low, high) if ranged and sort == "created_at" else None, token=query.next_token, keep=keep,
            newest_first=not query.oldest_first,
        )
        return [StoredOrder.model_validate(i) for i in order_items.hydrate(self.db, self.table, items)], token

    def newest(self, query: OrderQuery) -> tuple[list[StoredOrder], str | None]:
        """The newest stored orders (no filter but dates): every channel's by_channel shards read
        newest first and merged (the by_day index is retired, decision 92), on (created_at, order
        id). The token is the stored time and order id the next page starts before: several orders
        share a millisecond at a promotion's rate, and the next page must hold those the last one
        had no room for."""
        cursor = page_tokens.decode(query.next_token, _newest_cursor) if query.next_token else {}
        before = cursor.get("before") or query.created_to or "~"
        after_pk = cursor.get("pk")  # None: a first page (created_to inclusive), or a token of before this change
        floor = query.created_from or "0"

        def on_page(created_at: str, pk: str) -> bool:
            if created_at != before or not cursor:
                return True
            return after_pk is not None and pk < after_pk

        found: list[tuple[str, str]] = []
        for channel in Channel:
            for partition in channel_partitions(channel.value):
                kwargs: dict[str, Any] = {
                    "TableName": self.table,
                    "IndexName": "by_channel",
                    "KeyConditionExpression": "channel_key = :c AND created_at BETWEEN :from AND :before",
                    "ExpressionAttributeValues": {":c": to_value(partition), ":from": to_value(floor), ":before": to_value(before)},
                    "ScanIndexForward": False,
                    "Limit": query.limit + 1,
                }
                kept: list[tuple[str, str]] = []
                while True:  # read past the entries of `before`'s millisecond the last page showed
                    page = self.db.query(**kwargs)
                    kept += [(i["created_at"]["S"], i["pk"]["S"]) for i in page["Items"] if on_page(i["created_at"]["S"], i["pk"]["S"])]
                    if len(kept) > query.limit or "LastEvaluatedKey" not in page:
                        break
                    kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
                found += kept
        found.sort(reverse=True)
        chosen = found[: query.limit]
        metas = {m["pk"]: m for m in batch_get(self.db, self.table, [{"pk": pk, "sk": "META"} for _, pk in chosen])} if chosen else {}
        items = order_items.hydrate(self.db, self.table, [metas[pk] for _, pk in chosen if pk in metas])
        orders = [StoredOrder.model_validate(i) for i in items]
        if len(found) > query.limit:  # more than a page: go on before its last order
            return orders, page_tokens.encode({"before": chosen[-1][0], "pk": chosen[-1][1]})
        return orders, None

    def waiting_since(
        self, status: OrderStatus, before: str, limit: int = 100, next_token: str | None = None
    ) -> list[StoredOrder]:
        """Orders in `status` whose last change is older than `before` (oldest first): stuck orders."""
        return self.waiting_page(status, before, limit, next_token)[0]

    def waiting_page(
        self, status: OrderStatus, before: str, limit: int = 100, next_token: str | None = None
    ) -> tuple[list[StoredOrder], str | None]:
        entries, token = status_index.query_status(
            self.db, self.table, status.value, limit=limit, newest_first=False, next_token=next_token, before=before
        )
        # The index holds keys only: read the orders, and drop any that moved on since.
        keys = [from_item(i)["pk"] for i in entries]
        found = {i["pk"]: i for i in batch_get(self.db, self.table, [{"pk": pk, "sk": "META"} for pk in keys])}
        # A workflow status's entries are the flow's, read on created_at: keep those in `status`
        # since before `before`.
        still = [found[pk] for pk in keys if pk in found and found[pk].get("status") == status.value and found[pk].get("updated_at", "") < before]
        return [StoredOrder.model_validate(i) for i in order_items.hydrate(self.db, self.table, still)], token

    def count_in(self, status: OrderStatus) -> int:
        return status_index.count_status(self.db, self.table, status.value)

    def set_if_unchanged(self, current: StoredOrder, fields: dict[str, Any], expect: dict[str, Any] | None = None) -> bool:
        """Sets attributes that change no status (bookkeeping: re-drives, escalations) if the order
        is still at the version the caller saw and each `expect` attribute still has the value the
        caller saw (None: absent); else False. A concurrent second run then does nothing.
        Only META's own attributes: content and plan change with a status change or `amend`."""
        if set(fields) & set(order_items.MOVED):
            raise ValueError(f"set_if_unchanged sets META attributes only, not {sorted(set(fields) & set(order_items.MOVED))}")
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": to_value(value) for i, value in enumerate(fields.values())}
        conditions = ["#version = :seen"]
        for i, (name, seen) in enumerate((expect or {}).items()):
            names[f"#e{i}"] = name
            if seen is None:
                conditions.append(f"attribute_not_exists(#e{i})")
            else:
                values[f":e{i}"] = to_value(seen)
                conditions.append(f"#e{i} = :e{i}")
        return _unless_condition_fails(
            lambda: self.db.update_item(
                TableName=self.table,
                Key=to_item({"pk": _pk(current.order_id), "sk": "META"}),
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames={**names, "#version": "version"},
                ExpressionAttributeValues={**values, ":seen": to_value(current.version)},
            )
        )

    def mark_escalated(self, current: StoredOrder, at: str) -> bool:
        """Flags a held order as escalated once; False when it was flagged or moved on meanwhile."""
        return self.set_if_unchanged(current, {"escalated_at": at}, expect={"escalated_at": None})

    def note_update_item(self, note: OutboundNote, expected_state: NoteState) -> dict[str, Any]:
        """The transaction item that moves a note on, only from the state the caller saw."""
        fields = note.model_dump(mode="json", include={"state", "carrier", "tracking_number", "shipped_at", "delivered_at"}, exclude_none=True)
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": to_value(value) for i, value in enumerate(fields.values())}
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(note.order_id), "sk": f"NOTE#{note.warehouse_id}"}),
                "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                "ConditionExpression": "#state = :expected",
                "ExpressionAttributeNames": {**names, "#state": "state"},
                "ExpressionAttributeValues": {**values, ":expected": to_value(expected_state.value)},
            }
        }

    def note_state_check(self, note: OutboundNote) -> dict[str, Any]:
        """A transaction item that only checks a note is still in the state the caller saw."""
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(note.order_id), "sk": f"NOTE#{note.warehouse_id}"}),
                "ConditionExpression": "#state = :expected",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {":expected": to_value(note.state.value)},
            }
        }

    def outbound_note_put(self, note: OutboundNote, carried: dict[str, Any] | None = None) -> dict[str, Any]:
        """The note's Put; `carried`: the attributes of the outbox message it carries (decision 185)."""
        item = {"pk": _pk(note.order_id), "sk": f"NOTE#{note.warehouse_id}", **note.model_dump(mode="json"), **(carried or {})}
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(item),
                # a plain release's note that no release names is taken over (decision 225)
                "ConditionExpression": plain_release.adoptable_in_a_transaction(),
            }
        }

    def _timeline_put(self, order_id: str, version: int, entry: TimelineEntry, *, note: bool) -> dict[str, Any]:
        sk = _timeline_sk(version, entry if note else None)
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item({"pk": _pk(order_id), "sk": sk, **_entry_attribute(entry)}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def amend(self, current: StoredOrder, order: OrderIn, entry: TimelineEntry, extra_items: list[dict[str, Any]] | None = None) -> StoredOrder:
        """Replaces the order's content with a channel's correction: a new version without a status
        change, plus its timeline note, in one transaction conditioned on (version, status). A
        workflow step that read the old content then loses its race and reads the new one.
        Raises VersionConflict."""
        next_version = current.version + 1
        fingerprint = order.content_fingerprint()
        update = {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(current.order_id), "sk": "META"}),
                # The content lives on its own item (decision 90); an order stored before the split
                # loses its copy on META here.
                "UpdateExpression": "SET #fingerprint = :fingerprint, #version = :next REMOVE #order",
                "ConditionExpression": "#version = :expected AND #status = :status",
                "ExpressionAttributeNames": {"#order": "order", "#fingerprint": "fingerprint", "#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {
                    ":fingerprint": to_value(fingerprint),
                    ":next": to_value(next_version),
                    ":expected": to_value(current.version),
                    ":status": to_value(current.status.value),
                },
            }
        }
        content = order_items.content_update(self.table, current.order_id, order.model_dump(mode="json", exclude_none=True))
        note = self._timeline_put(current.order_id, next_version, entry.model_copy(update={"kind": "note"}), note=True)
        try:
            transact_write(self.db, [update, note, content, *(extra_items or [])])
        except TransactionCancelled as cancelled:
            raise VersionConflict(current.order_id, current.version) from cancelled
        return current.model_copy(update={"order": order, "fingerprint": fingerprint, "version": next_version})

    def partition(self, order_id: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
        """The order's whole partition, read consistently: its items, the same by sort key, and its
        META merged with the order's content and items (`order_items.merged`). Raises OrderNotFound."""
        by_sk = order_items.read_with_plan(lambda: query_partition(self.db, self.table, _pk(order_id), consistent=True))
        if order_items.META not in by_sk:
            raise OrderNotFound(order_id)
        meta = by_sk[order_items.META]  # a note META does not name is no note of the order (decision 225)
        by_sk = {sk: item for sk, item in by_sk.items() if plain_release.shown(item, meta)}
        return list(by_sk.values()), by_sk, order_items.merged(by_sk[order_items.META], by_sk)
