"""Would a status change's timeline entry carried on META's own update (one item written, not two)
save write units? META's size over an order's life, what each step's entry weighs, and what
carrying entries on META would give on the footprint's order mix (decision 197).

  python -m benchmarks.meta_entries                  # the footprint's mix: 60 orders, 12% held
  python -m benchmarks.meta_entries --orders 20 --no-backorder

DynamoDB bills a write by the larger of the item's size before and after, in started KB; an entry
kept on META stays there (moving it out later is a write again), so it is paid for by every later
META write, the release's transactional one included. The simulation replays each order's
recorded writes (benchmarks/footprint/recorder.py) with entries carried under three rules:
- free: every entry carried and weighing nothing (the saving's upper bound);
- oracle: an entry carried only when no later META write of that order crosses a KB (knows the
  future: the best any rule can do with these entries);
- reserve R: carried when META after the change, with the entry, leaves R bytes under 1 KB (a
  rule a writer can apply; R = 55 is what the release adds in this run).
Each for the entry as stored today (a map) and as a compact JSON string (short keys, the
transition table's cause and kind left out). A backordered order (released on restock) is
measured on moto in process.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.footprint.units import WRITE_UNIT_BYTES, item_size, value_size

STEPS = ("intake", "review", "orders_api", "routing", "inventory_lock", "notification")


@dataclass
class Entry:
    item: int  # the TL item as written now (keys included)
    on_meta: int  # the entry as an element of a list on META (map, as stored now)
    compact: int  # the same as a compact JSON string
    adopted_key: int  # the element META's tl_keys would no longer hold
    document: dict[str, Any] | None


@dataclass
class Step:
    function: str
    before: int
    after: int
    transactional: bool
    entry: Entry | None = None


@dataclass
class Life:
    steps: list[Step] = field(default_factory=list)
    plan_item: int = 0


def _document(item: dict[str, Any]) -> dict[str, Any] | None:
    from shared.aws.dynamo import from_item

    if "entry_z" in item:
        raw = item["entry_z"]["B"]
        return json.loads(zlib.decompress(raw if isinstance(raw, bytes) else bytes(raw)))
    if "entry" in item:
        return from_item({"e": item["entry"]})["e"]
    return None


def compact_size(document: dict[str, Any]) -> int:
    from shared.lifecycle import TRANSITIONS

    compact = {"at": document["at"], "f": document["from_status"], "t": document["to_status"]}
    if TRANSITIONS.get((document["from_status"], document["to_status"])) != document["cause"]:
        compact["c"] = document["cause"]
    compact["a"] = f"{document['actor']['kind']}:{document['actor']['name']}"
    if document.get("details"):
        compact["d"] = document["details"]
    return 1 + len(json.dumps(compact, separators=(",", ":"), ensure_ascii=False).encode())


class Lives:
    """Each order's META writes in order, with the entry each step put before its META write."""

    def __init__(self) -> None:
        self.orders: dict[str, Life] = defaultdict(Life)
        self._pending: dict[str, tuple[str, Entry]] = {}

    def observe(self, function: str, before: dict[str, Any] | None, after: dict[str, Any] | None, transactional: bool) -> None:
        from shared.aws.plain_transition import _adopted

        source = after or before or {}
        pk, sk = source.get("pk", {}).get("S", ""), source.get("sk", {}).get("S", "")
        if not pk.startswith("ORDER#"):
            return
        if sk.startswith("TL#") and after and "!" in sk:
            on_meta = 1 + sum(len(k) + value_size(v) for k, v in after.items() if k.startswith("entry")) - len("entry")
            document = _document(after)
            compact = compact_size(document) if document and "entry" in after else 10**6  # compressed: no string would fit
            self._pending[pk] = (function, Entry(item_size(after), on_meta, compact, 1 + len(_adopted(sk)), document))
        elif sk.startswith("META#PLAN") and after:
            self.orders[pk].plan_item = item_size(after)
        elif sk == "META":
            waiting = self._pending.pop(pk, None)
            entry = waiting[1] if waiting and waiting[0] == function else None
            self.orders[pk].steps.append(Step(function, item_size(before), item_size(after), transactional, entry))


def _units(size: int, transactional: bool = False) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES)) * (2 if transactional else 1)


def carried(lives: list[Life], rule: str, encoding: str = "map", reserve: int = 0, functions: tuple[str, ...] = STEPS) -> tuple[float, float, dict[str, int]]:
    """(write units per order of META and the entries now, with entries carried under `rule`,
    how many entries each function carried)."""
    now = after_all = 0
    counts: dict[str, int] = defaultdict(int)
    for life in lives:
        extra = 0  # bytes of entries on META
        for i, step in enumerate(life.steps):
            entry = step.entry
            now += _units(max(step.before, step.after), step.transactional) + (_units(entry.item) if entry else 0)
            size = 0
            if entry and step.function in functions:
                size = 0 if rule == "free" else (entry.on_meta if encoding == "map" else entry.compact) - entry.adopted_key
                if rule == "free":
                    carry = True
                elif rule == "oracle":
                    later = [max(s.before, s.after) + extra + size for s in life.steps[i + 1 :]]
                    carry = max([step.after + extra + size, *later]) <= WRITE_UNIT_BYTES
                else:
                    carry = step.after + extra + size + reserve <= WRITE_UNIT_BYTES
                size = size if carry else 0
                counts[step.function] += carry
            else:
                carry = False
            after_all += _units(max(step.before + extra, step.after + extra + size), step.transactional)
            after_all += 0 if carry or not entry else _units(entry.item)
            extra += size
    n = len(lives) or 1
    return now / n, after_all / n, dict(counts)


def _spread(values: list[int]) -> str:
    return f"{min(values):,}–{max(values):,} (median {statistics.median(values):,.0f})" if values else "–"


def report(lives: list[Life]) -> list[str]:
    out = ["META's size (bytes) after each step's write, and the entry each step puts:", "",
           "| step | META before | META after | entry item | entry on META (map) | compact string |", "|---|---|---|---|---|---|"]
    for function in STEPS:
        steps = [s for life in lives for s in life.steps if s.function == function]
        entries = [s.entry for s in steps if s.entry]
        out.append(
            f"| {function} | {_spread([s.before for s in steps])} | {_spread([s.after for s in steps])} | {_spread([e.item for e in entries])} "
            f"| {_spread([e.on_meta for e in entries])} | {_spread([e.compact for e in entries if e.compact < 10**6]) if entries else '–'} |"
        )
    last = [life.steps[-1].after for life in lives if life.steps]
    out += ["", f"Room left under 1 KB on META at the end of the run (whole life): {_spread([WRITE_UNIT_BYTES - x for x in last])}", ""]
    out += ["Write units per order of META and the steps' entries (now -> with entries carried on META):", "",
            "| rule | encoding | now | carried | saved | entries carried |", "|---|---|---|---|---|---|"]
    cases: list[tuple[str, str, int, tuple[str, ...]]] = [("free", "map", 0, STEPS), ("oracle", "map", 0, STEPS), ("oracle", "compact", 0, STEPS)]
    cases += [("reserve", encoding, r, STEPS) for encoding in ("map", "compact") for r in (55, 100)]
    for rule, encoding, reserve, functions in cases:
        now, after, counts = carried(lives, rule, encoding, reserve, functions)
        name = f"reserve {reserve} B" if rule == "reserve" else rule
        out.append(f"| {name} | {encoding if rule != 'free' else '-'} | {now:.2f} | {after:.2f} | {now - after:+.2f} | {counts} |")
    pairs = [life for life in lives if sum(1 for s in life.steps if s.entry and s.entry.document) >= 3]
    joined = [
        50 + len(zlib.compress(json.dumps([s.entry.document for s in life.steps if s.function in ("review", "routing") and s.entry], separators=(",", ":"), ensure_ascii=False).encode(), 9))
        for life in pairs
    ]
    on_plan = [life.plan_item + next(s.entry.on_meta for s in life.steps if s.function == "routing" and s.entry) for life in lives if life.plan_item]
    out += ["", "Other carriers:",
            f"- review's and routing's entries in one compressed item (moved out together): {_spread(joined)} bytes, "
            f"{sum(x <= WRITE_UNIT_BYTES for x in joined)} of {len(joined)} within 1 KB",
            f"- routing's entry on its plan item: {_spread(on_plan)} bytes, {sum(x <= WRITE_UNIT_BYTES for x in on_plan)} of {len(on_plan)} within 1 KB"]
    return out


def footprint_lives(orders: int, held_share: float) -> list[Life]:
    from benchmarks.footprint.run import run_orders

    lives = Lives()
    _, outcome = run_orders(orders, held_share, on_write=lives.observe)
    print(f"run: {outcome}")
    return list(lives.orders.values())


def backordered_life() -> list[str]:
    """One order backordered at routing, then released on restock (moto in process)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    from local import moto_patches
    from local.api_gateway import LocalRoute, proxy_event
    from local.moto_patches import LocalLambdaContext
    from local.provision import provision
    from local.samples import load_event
    from local.seed import load_catalog, load_seed
    from shared.aws import stores

    moto_patches.install_dynamodb_fidelity()
    events, level = logging.getLogger("oms"), logging.getLogger("oms").level
    events.setLevel(logging.WARNING)  # the steps' order events: not this report's
    with mock_aws():
        stores.reset()
        os.environ.update(provision("bench").env)
        load_catalog()
        load_seed()
        from functions.intake.handler import handler as intake
        from functions.review.handler import handler as review
        from functions.routing.handler import handler as routing
        from shared.aws.stores import inventory_store, order_store
        from shared.backorders.release import release_backorders
        from shared.backorders.signals import RestockSignal
        from shared.inventory import StockDelta, StockRecord
        from shared.usecases.sync_stock import apply_delta

        sku, warehouse = "GIFTBOX-MOONCAKE", "WH-GZ"
        inventory_store().put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=1, safety_stock=1))
        order = {**load_event("orders/01_own_shop_shanghai.json"), "external_id": "BO-META", "lines": [{"sku": sku, "quantity": 2, "unit_price": "258.00"}]}
        answer = intake(proxy_event("POST", LocalRoute("POST", "/orders", "bench", intake), "/orders", {}, {"Content-Type": "application/json"}, "", json.dumps(order).encode()), LocalLambdaContext("bench"))
        order_id = json.loads(answer["body"])["order_id"]
        store = order_store()

        def sizes() -> dict[str, int]:
            items = store.db.query(TableName=store.table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": f"ORDER#{order_id}"}}, ConsistentRead=True)["Items"]
            return {i["sk"]["S"]: item_size(i) for i in items}

        out, seen = ["", "A backordered order released on restock (item sizes in bytes; TL items are the entries):", ""], set()

        def step(name: str, run: Callable[[], Any]) -> None:
            run()
            now = sizes()
            new = {sk: size for sk, size in now.items() if sk.startswith("TL#") and sk not in seen}
            seen.update(new)
            out.append(f"- {name}: {store.load(order_id).status.value}, META {now['META']}, entries {sorted(new.items())}")

        step("review", lambda: review({"order_id": order_id}, LocalLambdaContext("bench")))
        step("routing", lambda: routing({"order_id": order_id, "route_attempt": 0}, LocalLambdaContext("bench")))

        def restock() -> None:
            apply_delta(StockDelta(delta_id="GRN-META", sku=sku, warehouse_id=warehouse, change=3, reason="goods received"), inventory_store())
            release_backorders(RestockSignal(sku=sku, warehouse_id=warehouse, trigger="movement:GRN-META"), store, inventory_store(), start_run=lambda *run: None, continue_later=lambda *_: None)

        step("restock (re-route and lock)", restock)
    stores.reset()
    events.setLevel(level)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--held-share", type=float, default=0.12)
    parser.add_argument("--no-backorder", action="store_true")
    args = parser.parse_args()
    backorder = [] if args.no_backorder else backordered_life()
    print("\n".join(report(footprint_lives(args.orders, args.held_share)) + backorder))


if __name__ == "__main__":
    main()
