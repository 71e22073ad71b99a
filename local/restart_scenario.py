"""The fault matrix's "process stop mid-flight" row: the served runtime (`python -m local.demo
--serve`, what `make serve` and `oms serve` run) is stopped with SIGTERM while its orders are
queued and running, then started again from its data folder (local/persistence.py, as
tests/recovery/test_restart.py does in process). A real process is stopped, so nothing of the
first run (threads, executions, clients) survives into the second, as on a developer's machine.

Orders are posted over HTTP to the first process, several at once; the stop comes in the middle of
the burst, once half of them are sent (answered or not: an answer takes long on a loaded
machine), so some orders are RELEASED, some mid-workflow, some still in the intake queue (posted
one by one, and stopped after the last, a loaded machine had finished every order before the
stop). The orders the stopped process did not answer are sent
again to the restarted one, as a channel does. The restarted runtime (in this process) restores
tables and queues, re-drives the orders whose run the stop cut off, and the outcome is read as for
every other row. `detections` here are seconds from the restart to the re-drive note of each
cut-off order.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from local import persistence
from local.fault_scenarios import DETECTOR, POSTERS, SAMPLE, Outcome, Scenario, moment, order_status, post_order, read_outcomes, stock_up, unique_order, wait_settled
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.aws.stores import order_store
from shared.clock import now_iso
from shared.ids import order_id_for

NAME = "process stop mid-flight (SIGTERM, restart)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The served runtime in its own process, from the data folder; its API's URL once it is up."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    with open(log, "wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "local.demo", "--serve", "--no-demo", "--data-dir", str(data_dir), "--port", str(_free_port())],
            stdout=out, stderr=subprocess.STDOUT, cwd=root, env=env,
        )
    runtime_file = data_dir / persistence.RUNTIME_FILE
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the served runtime exited with {child.returncode}; see {log}")
        if runtime_file.exists():
            return child, json.loads(runtime_file.read_text("utf-8"))["api_url"]
        time.sleep(0.2)
    child.kill()
    raise TimeoutError(f"the served runtime did not start; see {log}")


def run_restart_scenario(orders: int, data_dir: Path, timeout: float, runtime_options: dict[str, Any]) -> Outcome:
    started = time.monotonic()
    scenario = Scenario(NAME)
    with LocalRuntime(data_dir=data_dir, empty=True, log_level="ERROR", schedules="scaled"):  # the state the server starts from
        load_seed()
        stock_up(orders)
    child, api = _serve(data_dir, data_dir / "served.log")
    sample = json.loads(SAMPLE.read_text("utf-8"))
    outcome = Outcome(NAME)
    bodies = [unique_order(sample, NAME, n) for n in range(orders)]
    ids = [order_id_for(body["channel"], body["external_id"]) for body in bodies]
    accepted: set[str] = set()
    sent: list[str] = []
    lock = threading.Lock()
    stopped = threading.Event()

    def stop() -> None:  # once, as an operator does (a second SIGTERM is tested on its own)
        if not stopped.is_set():
            stopped.set()
            child.send_signal(signal.SIGTERM)

    def post(body: dict[str, Any]) -> None:
        if stopped.is_set():
            return  # stopped: the channel sends it again later
        status, answer = post_order(api, body, attempts=1)
        with lock:
            sent.append(body["external_id"])
            if status == 202:
                accepted.add(answer["order_id"])
            if len(sent) >= orders // 2:
                stop()  # mid-flight: half of the burst sent (answered or not), the rest on its way

    try:
        with ThreadPoolExecutor(max_workers=POSTERS) as posters:
            list(posters.map(post, bodies))
    finally:
        stop()
        try:
            child.wait(timeout=120)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    restart_at = now_iso()
    with LocalRuntime(data_dir=data_dir, log_level="ERROR", schedules="scaled", **runtime_options) as runtime:
        for order_id, body in zip(ids, bodies):
            # Stored though unanswered, it is accepted; never stored, the channel sends it again.
            if order_id not in accepted and (order_status(order_id) or post_order(runtime.api_url, body)[0] == 202):
                accepted.add(order_id)
        outcome.order_ids = [order_id for order_id in ids if order_id in accepted]
        outcome.accepted = len(outcome.order_ids)
        wait_settled(runtime, outcome.order_ids, time.monotonic() + timeout)
        read_outcomes(runtime, [(scenario, outcome)])
        recovered = set(runtime.recovered)
        for order_id in outcome.order_ids:
            if order_id in recovered:
                notes = [e.at for e in order_store().details(order_id).timeline if e.actor.name == DETECTOR and e.at >= restart_at]
                if notes:
                    outcome.detections.append((moment(notes[0]) - moment(restart_at)).total_seconds())
    outcome.detected_from = "the restart"
    outcome.seconds = time.monotonic() - started
    return outcome
