"""`make demo`: start oms on the embedded runtime, post the sample orders in events/orders/ to the
local HTTP API and one sample of every other channel (signed webhooks, an ERP CSV over HTTP and in
the import bucket, a partner event on the partner bus), wait for each to settle and print its
final status, timeline and time taken.
`--serve` keeps the runtime (and its API on 127.0.0.1) running afterwards, with its state in a data
folder (.oms-data/, or --data-dir / $OMS_DATA_DIR) that the next `--serve` starts from: then the
demo orders are not posted again. `--empty` starts from nothing; `--no-demo` only serves.
The schedules (outbox and stuck-order sweeps, stock pushes, health snapshots…) run at their AWS
rates; OMS_LOCAL_SCHEDULES=scaled runs them every few seconds (local/scheduler.py)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import urllib.error
from collections import Counter
import urllib.request
from pathlib import Path
from typing import Any

from local.demo_channels import post_channel_samples
from local import persistence
from local.runtime import LocalRuntime, log_order_events
from local.sandbox_platforms import PLATFORMS as WRITEBACK_PLATFORMS
from local.seed import load_channel_secrets, load_seed
from shared.clock import now_iso
from shared.lifecycle import change_text

EVENTS = Path(__file__).resolve().parent.parent / "events"
# Where the automated path stops: a person, the warehouse or replenishment takes over from here.
SETTLED = {"RELEASED", "REJECTED", "ON_HOLD", "BACKORDERED", "EXCEPTION", "CANCELLED"}


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_settled(api: str, order_id: str, timeout: float = 60.0, statuses: set[str] = SETTLED) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, order = http("GET", f"{api}/orders/{order_id}")
        if status == 200 and order["order"]["status"] in statuses or time.monotonic() > deadline:
            return order
        time.sleep(0.05)


timeline_change = change_text  # "RELEASED → SHIPPED", or "SHIPPED · note" for a note


def print_order(name: str, details: dict[str, Any], seconds: float) -> None:
    order = details["order"]
    print(f"\n{name}  {order['order_id']}  ({order['order']['channel']} {order['order']['external_id']})")
    print(f"  final status: {order['status']}   order → settled in {seconds:.2f} s")
    for entry in details["timeline"]:
        arrow = timeline_change(entry)
        detail = _summary(entry["details"])
        print(f"  {entry['at']}  {arrow:<26} {entry['actor']['kind']}:{entry['actor']['name']:<15} {entry['cause']}{detail}")
    for note in details["outbound_notes"]:
        lines = ", ".join(f"{line['sku']}×{line['quantity']}" for line in note["lines"])
        print(f"  outbound note {note['note_id']} → {note['warehouse_id']}: {lines}")


def _summary(details: dict[str, Any]) -> str:
    if details.get("findings"):
        return " — " + "; ".join(f["reason_zh"] + " / " + f["reason_en"] for f in details["findings"])
    if details.get("short_lines"):
        return " — short: " + ", ".join(f"{s['sku']} needs {s.get('requested', s.get('quantity'))}" for s in details["short_lines"])
    if details.get("warehouses"):
        km = details.get("distance_km")
        distances = ", ".join(f"{d} km" for d in (km if isinstance(km, list) else [km]))
        cost = f", {details['total_cost']} yuan" if details.get("total_cost") else ""
        return f" — {', '.join(details['warehouses'])} ({distances}{cost}, {details.get('strategy')})"
    return ""


def operate(runtime: LocalRuntime, settled: list[dict[str, Any]]) -> None:
    """What operations and the warehouse do next, through the same API and bus."""
    api = runtime.api_url
    print("\noperations")
    for details in [d for d in settled if d["order"]["status"] == "ON_HOLD"]:
        order_id = details["order"]["order_id"]
        receiver = {**details["order"]["order"]["receiver"], "province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路90号"}
        decision = {"decision": "approve", "operator": "ops-chen", "note": "buyer confirmed a Hangzhou address", "corrections": {"receiver": receiver}}
        status, answer = http("POST", f"{api}/orders/{order_id}/review", json.dumps(decision).encode())
        after = wait_settled(api, order_id)
        notes = ", ".join(n["warehouse_id"] for n in after["outbound_notes"])
        shipped_from = f" (outbound note to {notes})" if notes else ""
        print(f"  review queue: {order_id} approved with a corrected address → {status}; now {after['order']['status']}{shipped_from}")
    released = [d for d in settled if d["order"]["status"] == "RELEASED"]
    if released:
        order_id, note = released[0]["order"]["order_id"], released[0]["outbound_notes"][0]
        scan = {"order_id": order_id, "warehouse_id": note["warehouse_id"], "carrier": "SF", "tracking_number": "SF1402387765123"}
        for source, kind, at in (("wms.demo", "ParcelShipped", "2026-11-11T08:00:00Z"), ("carrier.sf", "ParcelDelivered", "2026-11-12T15:30:00Z")):
            runtime.client("events").put_events(
                Entries=[{"Source": source, "DetailType": kind, "Detail": json.dumps({**scan, "occurred_at": at}), "EventBusName": runtime.resources.env["EVENT_BUS_NAME"]}]
            )
        delivered = wait_settled(api, order_id, statuses={"DELIVERED"})
        print(f"  warehouse and carrier events: {order_id} → {delivered['order']['status']} (tracking {delivered['outbound_notes'][0]['tracking_number']})")
    if len(released) > 1:
        order_id = released[1]["order"]["order_id"]
        status, answer = http("POST", f"{api}/orders/{order_id}/cancel", json.dumps({"reason": "buyer cancelled", "operator": "ops-li"}).encode())
        voided = ", ".join(n["note_id"] for n in answer.get("voided_notes", []))
        print(f"  cancel: {order_id} → {status}; outbound note {voided} voided, {answer.get('released_lines')} reserved line(s) released")
    platform_orders = [d for d in released[2:] if d["order"]["order"]["channel"] in WRITEBACK_PLATFORMS]
    platform_orders.sort(key=lambda d: not any(e["details"].get("shop") for e in d["timeline"][:1]))  # a webhook's (its shop named) first
    if platform_orders and runtime.platforms:
        _ship_and_write_back(runtime, platform_orders[0])


def _ship_and_write_back(runtime: LocalRuntime, details: dict[str, Any], timeout: float = 30.0) -> None:
    """A platform's order ships: its platform is told (发货回传), here its sandbox."""
    order_id, note = details["order"]["order_id"], details["outbound_notes"][0]
    scan = {"order_id": order_id, "warehouse_id": note["warehouse_id"], "carrier": note.get("carrier") or "SF", "tracking_number": f"SF{order_id[-10:]}", "occurred_at": now_iso()}
    runtime.client("events").put_events(
        Entries=[{"Source": f"wms.{note['warehouse_id'].lower()}", "DetailType": "ParcelShipped", "Detail": json.dumps(scan), "EventBusName": runtime.resources.env["EVENT_BUS_NAME"]}]
    )
    channel, deadline = details["order"]["order"]["channel"], time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, current = http("GET", f"{runtime.api_url}/orders/{order_id}")
        told = [e for e in current.get("timeline", []) if e["actor"]["name"] == "writeback" and "queued" not in e["cause"]]
        if told:
            reference = told[-1]["details"].get("platform_reference")
            calls = [c["api"] for c in runtime.platforms.calls if c["status"] in (200, 201) and not c["problems"]] if runtime.platforms else []
            print(f"  shipped to the buyer: {order_id} ({channel}) → {current['order']['status']}; write-back: {told[-1]['cause']}" + (f" (platform reference {reference})" if reference else "") + f"; the sandbox took {', '.join(calls)}")
            return
        time.sleep(0.2)
    print(f"  shipped to the buyer: {order_id} ({channel}): no write-back recorded within {timeout:.0f} s", file=sys.stderr)


def run(serve: bool, api_port: int, data_dir: Path | None = None, empty: bool = False, demo: bool = True, platforms: bool = True) -> int:
    began = time.monotonic()
    print("starting oms on the embedded runtime: moto server, tables, queues, workflow, API ...", flush=True)
    if serve:  # from now: a stop signal while starting stops the runtime once it is up, with its snapshot
        _serving.update(started=False, asked=False)
        signal.signal(signal.SIGTERM, _stop_serving)
    with LocalRuntime(api_port=api_port, data_dir=data_dir, empty=empty, platforms=platforms) as runtime:
        api = runtime.api_url
        print(f"[{time.monotonic() - began:4.1f} s] oms local runtime: API {api}   (moto at {runtime.client('sqs').meta.endpoint_url})")
        if runtime.platforms:
            print(f"the platforms' sandbox (Shopify, Taobao, JD, Douyin write-back, stock and order-list APIs) at {runtime.platforms.fake.url}, for the seed's shops")
        if runtime.restored:
            restored = runtime.restored
            print(
                f"restored from {data_dir} (snapshot of {restored.taken_at}): "
                + ", ".join(f"{n} {table} items" for table, n in restored.items.items())
                + f"; {sum(restored.messages.values())} queued messages; {len(runtime.recovered)} orders re-driven (their runs ended with the last process)"
            )
            load_channel_secrets()
        else:
            seeded = load_seed()
            print(
                f"seeded from events/seed/: {seeded.warehouses} warehouses, {seeded.stock} stock records, "
                f"{seeded.products} products, {seeded.mappings} channel SKU mappings, {seeded.shops} shops' signing secrets"
            )
        if demo and not runtime.restored:
            code = _demo(runtime)
            if code:
                return code
        if serve:
            log_order_events()
            kept = f"; state kept in {data_dir}" if data_dir else ""
            print(f"\nserving on {api} (POST /orders; GET /orders, /orders/{{order_id}}, /review-queue; POST /orders/{{order_id}}/cancel, /review, /retry){kept}; Ctrl-C stops")
            print(f"the operations console: {api}/ (development sign-in: a user name and a group)")
            try:
                _serving["started"] = True  # `kill` now stops as cleanly as Ctrl-C: state saved
                if _serving["asked"]:
                    raise KeyboardInterrupt  # a stop signal came while the runtime was starting
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                # A second Ctrl-C or SIGTERM while stopping (an impatient user, a process manager
                # sending its signal again) interrupted the stop before its last snapshot: the
                # orders accepted since the periodic one were lost. Until the state is saved, they
                # are ignored (`kill -9` still ends it).
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                print("stopping: saving the state (a second Ctrl-C waits for it)", flush=True)
    return 0


_serving = {"started": False, "asked": False}


def _stop_serving(signum: int, frame: object) -> None:
    """SIGTERM: Ctrl-C's clean stop once serving; while the runtime starts (the API may already
    answer, the main thread not yet serving), remembered and acted on when it serves."""
    if _serving["started"]:
        raise KeyboardInterrupt
    _serving["asked"] = True


def _demo(runtime: LocalRuntime) -> int:
    api = runtime.api_url
    posted: list[tuple[str, str, float]] = []
    for path in sorted((EVENTS / "orders").glob("*.json")):
        started = time.monotonic()
        status, answer = http("POST", f"{api}/orders", path.read_bytes())
        print(f"POST /orders {path.name:<36} → {status} {answer}")
        if status == 202:
            posted.append((path.stem, answer["order_id"], started))

    posted += post_channel_samples(runtime)

    for path in sorted((EVENTS / "invalid").glob("*.json")):
        status, answer = http("POST", f"{api}/orders", path.read_bytes())
        print(f"POST /orders {path.name:<36} → {status}")
        for error in answer.get("errors", []):
            print(f"    {error['field']}: {error['message']} ({error['rule']})")

    results = []
    for name, order_id, started in posted:
        details = wait_settled(api, order_id)
        results.append((name, details, time.monotonic() - started))
    for name, details, seconds in results:
        print_order(name, details, seconds)
    outcomes = Counter(d["order"]["status"] for _, d, _ in results)
    print(f"\n{len(results)} orders from {len({d['order']['order']['channel'] for _, d, _ in results})} channels: " + ", ".join(f"{n} {s}" for s, n in outcomes.most_common()))

    operate(runtime, [d for _, d, _ in results])
    runtime.wait_until_idle(timeout=30)
    print(
        f"\nWMS outbound queue holds {runtime.queue_depth('wms_outbound')} message(s) (outbound notes and voids); "
        f"dead-letter queues hold {sum(runtime.queue_depth(k, dead_letter=True) for k in runtime.resources.queue_urls)} message(s)"
    )
    unsettled = [n for n, d, _ in results if d["order"]["status"] not in SETTLED]
    if unsettled:
        print(f"NOT SETTLED: {unsettled}", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help="keep the runtime running after the demo")
    parser.add_argument("--port", type=int, default=0, help="API port on 127.0.0.1 (default: any free port; 8080 with --serve)")
    parser.add_argument("--data-dir", help=f"with --serve: the folder the state is kept in (default: ${persistence.DATA_DIR_ENV} or .oms-data)")
    parser.add_argument("--empty", action="store_true", help="with --serve: start from nothing, forgetting the data folder's state")
    parser.add_argument("--no-demo", action="store_true", help="with --serve: do not post the demo orders")
    parser.add_argument("--no-platforms", action="store_true", help="no platforms' sandbox: every shipment's write-back to a platform fails (no shop to write back to)")
    args = parser.parse_args()
    port = args.port or (8080 if args.serve else 0)
    folder = persistence.data_dir(args.data_dir) if args.serve else None  # a plain demo keeps nothing
    sys.exit(run(args.serve, port, folder, args.empty, demo=not args.no_demo, platforms=not args.no_platforms))


if __name__ == "__main__":
    main()
