"""Starting and stopping the local runtime from code: nothing keeps running after stop(), and a
served runtime logs one line per order event at INFO, nothing else below WARNING."""

from __future__ import annotations

import json
import logging
import threading
import time

from local.demo import http
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.observability import metrics


def test_stop_leaves_no_thread_running_and_no_metric_kept(shanghai_order, caplog):
    before = {t.ident for t in threading.enumerate()}
    caplog.set_level(logging.INFO, logger="oms.orders")
    with LocalRuntime() as runtime:
        load_seed()
        ids = []
        for i in range(3):
            status, answer = http("POST", f"{runtime.api_url}/orders", json.dumps({**shanghai_order, "external_id": f"LIFE-{i}-{time.time_ns()}"}).encode())
            assert status == 202, answer
            ids.append(answer["order_id"])
        time.sleep(0.2)  # executions and pollers busy when stop() comes
    left = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert left == [], [t.name for t in left]
    assert metrics.metric_set == {}  # disabled locally: cleared after each invocation, not kept
    events = [r.getMessage() for r in caplog.records if r.name == "oms.orders"]
    assert any(ids[0] in e and "→ RECEIVED" in e for e in events), events
