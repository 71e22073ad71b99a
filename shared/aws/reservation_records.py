"""Reservation records on the inventory table: where a reserved line's state is kept (decision 183).

  pk = RESERVATION#<order_id> sk = <warehouse>#<sku>     one line, a record of its own: lines
                                                         reserved in chunks or as holds (they may
                                                         expire: `expiry_shard`), and every line
                                                         stored before decision 183
  pk = RESERVATION#<order_id> sk = ORDER#<version:06d>   every line of an order reserved in the
                                                         transaction of its status change (the
                                                         order's version after it): `lines` maps
                                                         `<warehouse>#<sku>` to the line's
                                                         warehouse, SKU, quantity, state and
                                                         bucket allocations

A shared record is one write unit in that transaction where a record per line took one per line
(two, transactions being billed twice). Both layouts are read together: `lines_of` turns either
item into ReservationLine values, each naming its record (`group`), and the writes below address
a line in its record, so callers settle, release or shrink lines without knowing the layout.
Within one transaction a record is written once: the lines of a shared record that settle
together are one update with one condition per line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.aws.dynamo import to_item, to_value
from shared.inventory import ReservationLine, ReservationState

GROUP_PREFIX = "ORDER#"
_HELD = ReservationState.HELD.value
_LINE_FIELDS = {"warehouse_id", "sku", "quantity", "state", "released_reason", "allocations"}


def group_key(version: int) -> str:
    """The shared record's sort key: the order's version once RESERVED, the same for a repeat."""
    return f"{GROUP_PREFIX}{version:06d}"


def line_name(line: ReservationLine) -> str:
    return f"{line.warehouse_id}#{line.sku}"


def record_key(line: ReservationLine) -> dict[str, str]:
    return {"pk": f"RESERVATION#{line.order_id}", "sk": line.group or line_name(line)}


def lines_of(item: dict[str, Any]) -> list[ReservationLine]:
    """The lines a stored record holds (a plain item, as `from_item` returns it)."""
    if "lines" not in item:
        return [ReservationLine.model_validate(item)]
    held = sorted(name for name, line in item["lines"].items() if line.get("state") == _HELD)
    shared = {"order_id": item["order_id"], "created_at": item["created_at"], "hold_expires_at": item["hold_expires_at"], "group": item["sk"], "group_held": held}
    return [ReservationLine.model_validate({**line, **shared}) for _, line in sorted(item["lines"].items())]


def group_put(table: str, lines: Sequence[ReservationLine], group: str) -> dict[str, Any]:
    """The shared record of lines reserved with their order's status change. Put only if absent:
    the order's own condition already makes the transaction happen once per version."""
    first = lines[0]
    record = {
        "pk": f"RESERVATION#{first.order_id}",
        "sk": group,
        "order_id": first.order_id,
        "created_at": first.created_at,
        "hold_expires_at": first.hold_expires_at,
        "lines": {line_name(line): line.model_dump(mode="json", include=_LINE_FIELDS, exclude_none=True) for line in lines},
    }
    return {"Put": {"TableName": table, "Item": to_item(record), "ConditionExpression": "attribute_not_exists(pk)"}}


def group_settle_update(table: str, lines: Sequence[ReservationLine], state: ReservationState, reason: str, ttl_epoch: int) -> dict[str, Any]:
    """HELD → `state` for these lines of one shared record, each conditioned on being HELD. The
    record gets its expiry (TTL) only when these are all the lines it held when read: a line
    never becomes HELD again, so none is left HELD in a record DynamoDB will delete."""
    names: dict[str, str] = {"#lines": "lines", "#state": "state"}
    values: dict[str, Any] = {":to": to_value(state.value), ":reason": to_value(reason), ":held": to_value(_HELD)}
    sets, conditions = [], []
    for n, line in enumerate(lines):
        names[f"#l{n}"] = line_name(line)
        sets += [f"#lines.#l{n}.#state = :to", f"#lines.#l{n}.released_reason = :reason"]
        conditions.append(f"#lines.#l{n}.#state = :held")
    if sets_expiry(lines):
        sets.append("expires_at_epoch = :ttl")
        values[":ttl"] = to_value(ttl_epoch)
    return {
        "Update": {
            "TableName": table,
            "Key": to_item(record_key(lines[0])),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def sets_expiry(lines: Sequence[ReservationLine]) -> bool:
    """Whether settling these lines of one shared record gives it its expiry: they are every line
    it held when read. Lines of one record settled in several transactions (a release split in
    batches, an intercept line by line, two warehouses' shipments at once) leave it to
    `settled_without_expiry`, read after the last of them."""
    return lines[0].group is not None and set(lines[0].group_held or ()) <= {line_name(line) for line in lines}


def leaves_expiry_to_a_read(lines: Sequence[ReservationLine]) -> bool:
    """Lines settled together that are part of a shared record but not all it held: the settle
    writes no expiry, so the caller reads the records once more afterwards
    (InventoryStore.expire_settled_records)."""
    return any(batch[0].group is not None and not sets_expiry(batch) for batch in grouped(lines))


def settled_without_expiry(item: dict[str, Any]) -> bool:
    """A shared record (a plain item) none of whose lines is HELD any more, still without its
    expiry: a line never becomes HELD again, so it may get one now."""
    return "lines" in item and "expires_at_epoch" not in item and all(line.get("state") != _HELD for line in item["lines"].values())


def line_paths(line: ReservationLine) -> tuple[str, dict[str, str]]:
    """The prefix that addresses the line's attributes in its record ("" for a record of its own,
    `#lines.#line.` in a shared one) and the names it uses."""
    if line.group is None:
        return "", {}
    return "#lines.#line.", {"#lines": "lines", "#line": line_name(line)}


def grouped(lines: Sequence[ReservationLine]) -> list[list[ReservationLine]]:
    """The lines by record, in their order: a shared record's lines together, others alone."""
    batches: dict[str, list[ReservationLine]] = {}
    for line in lines:
        batches.setdefault(line.group or f"\0{line_name(line)}", []).append(line)
    return list(batches.values())
