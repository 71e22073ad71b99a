"""N orders through the local runtime with every AWS request counted (recorder.py).

Orders arrive over HTTP on 127.0.0.1 as own-shop orders; a share of them has a receiver whose
city is not in its province, which review holds for a person, who approves it (POST
/orders/{id}/review) so it resumes and is released too. Status polling goes to the local store
directly, not through the API, so it adds no counted request.

Stream consumers get batches as full as the run can make them, not its pace's: at 1,200 orders/s
the orders table takes some 15-30 thousand WCU/s, so its stream has at least one shard per 1,000
WCU/s and each shard ~300 META records a second, which fill the aggregator's 1,000-record batch
in ~3.3 s, inside its 5 s window (decision 249). The run holds each stream batch until it is full
or PEAK_STREAM_WINDOW_SECONDS have passed (decision 116): 60 orders (~300 changes) are one partial
batch, so the aggregator's writes per order are an upper bound of a peak batch's.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.footprint.recorder import Recorder
from benchmarks.workflow_throughput import SKUS, sample_order

HELD_PLACE = {"province": "上海", "city": "成都市", "district": "武侯区"}  # a city outside its province: held
WAREHOUSES = ("WH-SH", "WH-BJ", "WH-GZ", "WH-CD")
PEAK_STREAM_WINDOW_SECONDS = 20.0


def patient_http(method: str, url: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
    """local.demo.http with a long timeout: on a shared, loaded machine an answer can take over
    30 s, and a re-sent order would add counted calls of its own."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def order_payload(i: int, run: str, held: bool) -> dict[str, Any]:
    order = sample_order(i, run)
    if held:
        order["receiver"] = {**order["receiver"], **HELD_PLACE}
    return order


def run_orders(count: int, held_share: float, run: str = "fp", on_write: Any = None) -> tuple[Recorder, dict[str, Any]]:
    import local.runtime as runtime_module
    from local.runtime import LocalRuntime
    from local.seed import load_seed
    from shared.aws.catalog_store import Product
    from shared.aws.stores import catalog_store, inventory_store, order_store
    from shared.inventory import StockRecord

    recorder = Recorder(on_write)
    original_handler_of = runtime_module.handler_of
    runtime_module.handler_of = lambda function: recorder.wrap(function.key, original_handler_of(function))
    held_every = round(1 / held_share) if held_share > 0 else 0
    try:
        from infra import topology

        windows = {consumer.key: PEAK_STREAM_WINDOW_SECONDS for consumer in topology.STREAM_CONSUMERS}
        with LocalRuntime(log_level="INFO", schedules="scaled", stream_windows=windows) as runtime:
            load_seed()
            for sku in SKUS:
                catalog_store().put_product(Product(sku=sku))
                for warehouse in WAREHOUSES:
                    inventory_store().put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=100_000))
            recorder.install()
            recorder.count_logs()
            try:
                held = {i for i in range(count) if held_every and i % held_every == held_every - 1}
                with ThreadPoolExecutor(max_workers=4) as pool:
                    answers = list(
                        pool.map(
                            lambda i: patient_http("POST", f"{runtime.api_url}/orders", json.dumps(order_payload(i, run, i in held)).encode()),
                            range(count),
                        )
                    )
                ids = [answer["order_id"] for status, answer in answers if status == 202]
                outcome = _settle(runtime, ids, order_store, patient_http)
            finally:
                recorder.uninstall()
    finally:
        runtime_module.handler_of = original_handler_of
    outcome.update({"orders": count, "accepted": len(ids), "held_planned": len(held)})
    return recorder, outcome


def _settle(runtime: Any, ids: list[str], order_store: Any, http: Any, timeout: float = 600) -> dict[str, Any]:
    pending, approved = set(ids), 0
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for order_id in sorted(pending):
            status = order_store().load(order_id).status.value
            if status == "ON_HOLD":
                decision = {"decision": "approve", "operator": "ops-footprint", "note": "address confirmed with the buyer"}
                answer, _ = http("POST", f"{runtime.api_url}/orders/{order_id}/review", json.dumps(decision).encode())
                approved += answer in (200, 202)
            elif status in ("RELEASED", "REJECTED", "BACKORDERED", "EXCEPTION", "CANCELLED"):
                pending.discard(order_id)
        time.sleep(0.05)
    runtime.wait_until_idle(timeout=60)
    final: dict[str, int] = {}
    for order_id in ids:
        status = order_store().load(order_id).status.value
        final[status] = final.get(status, 0) + 1
    return {"statuses": final, "approved": approved, "unsettled": len(pending)}
