"""Starting and stopping the local runtime from code: nothing keeps running after stop(), and a
served runtime logs one line per order event at INFO, nothing else below WARNING."""

from __future__ import annotations

import json
import logging
import os
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


def test_stop_survives_a_moto_reset_that_does_not_answer_in_time(monkeypatch, caplog):
    """After a long run on a starved machine moto's reset timed out in stop() and its exception
    crashed benchmarks.reconciliation after it had printed its figures: the wait is bounded, the
    stop finishes (server stopped, environment restored) and says what it left undone."""
    posted = LocalRuntime._post_moto_config
    answer_may_come, answered = threading.Event(), threading.Event()

    def starved(endpoint, config, path="config", timeout=10):
        if path != "reset":
            return posted(endpoint, config, path)
        posted(endpoint, config, path)  # moto forgets (the tests after this one start clean)...
        try:
            if not answer_may_come.wait(10):  # ...but its answer does not come in time...
                raise TimeoutError("timed out")  # ...and urlopen gives up, as it did
        finally:
            answered.set()

    monkeypatch.setattr(LocalRuntime, "_post_moto_config", staticmethod(starved))
    endpoint_before = os.environ.get("AWS_ENDPOINT_URL")
    caplog.set_level(logging.WARNING, logger="local.runtime")
    runtime = LocalRuntime().start()
    runtime.reset_wait_seconds = 0.3
    try:
        runtime.stop()  # waited the reset's 10 s and raised TimeoutError before the fix
        assert not answered.is_set()  # it returned while the reset still waited: the wait is bounded
    finally:
        answer_may_come.set()
    assert os.environ.get("AWS_ENDPOINT_URL") == endpoint_before
    assert not runtime._moto._thread.is_alive()  # moto's server stopped all the same
    warnings = [r.getMessage() for r in caplog.records if r.name == "local.runtime"]
    assert any("moto's reset did not finish within 0.3 s" in w for w in warnings), warnings


def test_stop_survives_a_moto_reset_that_fails(monkeypatch, caplog):
    posted = LocalRuntime._post_moto_config

    def refused(endpoint, config, path="config", timeout=10):
        if path != "reset":
            return posted(endpoint, config, path)
        posted(endpoint, config, path)  # the tests after this one start clean
        raise TimeoutError("timed out")  # the answer lost

    monkeypatch.setattr(LocalRuntime, "_post_moto_config", staticmethod(refused))
    caplog.set_level(logging.WARNING, logger="local.runtime")
    with LocalRuntime():
        pass  # leaving the block stops it: no exception comes out of __exit__
    warnings = [r.getMessage() for r in caplog.records if r.name == "local.runtime"]
    assert any("moto's reset failed after" in w and "TimeoutError" in w for w in warnings), warnings
