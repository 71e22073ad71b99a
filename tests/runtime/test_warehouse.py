"""The local warehouse (LocalRuntime(warehouse=True), local/warehouse.py) takes each outbound note
off the WMS outbound queue as the WMS connector does, so the queue does not grow with every order
released; without it the notes stay queued for whoever reads them (the tests, the demo)."""

from __future__ import annotations

import json
import time

from local.demo import SETTLED, http
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.aws.stores import order_store


def _release(runtime: LocalRuntime, shanghai_order: dict, count: int) -> None:
    ids: list[str] = []
    for i in range(count):
        run = f"{i}-{time.time_ns()}"  # each its own buyer and address: review holds a repeat as a duplicate
        order = {
            **shanghai_order,
            "external_id": f"WMS-{run}",
            "buyer": {**shanghai_order["buyer"], "buyer_id": f"C-WMS-{run}"},
            "receiver": {**shanghai_order["receiver"], "detail": f"仓库路{run}号"},
        }
        status, answer = http("POST", f"{runtime.api_url}/orders", json.dumps(order).encode())
        assert status == 202, answer
        ids.append(answer["order_id"])
    settled = list(ids)
    deadline = time.monotonic() + 60
    while ids and time.monotonic() < deadline:
        ids = [i for i in ids if order_store().load(i).status not in SETTLED]
        time.sleep(0.2)
    assert not ids, f"{len(ids)} orders not settled"
    assert {order_store().load(i).status.value for i in settled} == {"RELEASED"}


def _until(check, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_local_warehouse_acknowledges_every_outbound_note(shanghai_order):
    with LocalRuntime(warehouse=True) as runtime:
        load_seed()
        _release(runtime, shanghai_order, 3)
        notes = runtime.warehouse_notes
        assert notes is not None
        # every note taken (at least once each, as SQS delivers) and none left queued
        assert _until(lambda: notes.notes >= 3 and runtime.queue_depth("wms_outbound") == 0), (notes.notes, runtime.queue_depth("wms_outbound"))


def test_without_it_the_notes_wait_in_their_queue(shanghai_order):
    with LocalRuntime() as runtime:
        load_seed()
        _release(runtime, shanghai_order, 2)
        assert runtime.warehouse_notes is None
        assert _until(lambda: runtime.queue_depth("wms_outbound") >= 2)
        time.sleep(1)
        assert runtime.queue_depth("wms_outbound") >= 2
