"""The embedded runtime: all of oms on one machine, no AWS account, no Docker.

moto runs in server mode on 127.0.0.1 (boto3 code is unchanged: AWS_ENDPOINT_URL points at it),
its ASL engine executes the real workflow with our handlers invoked in process, our pollers feed
the SQS consumers, and an HTTP server on 127.0.0.1 serves the API routes. Every function, route,
queue, rule and table comes from infra/topology.py.

With a data folder (`data_dir`) the state survives a restart: tables and queues are loaded from the
folder's snapshot before anything starts, written back on a timer and at stop (local/persistence.py),
and orders whose workflow run the restart cut off are re-driven at once.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
import sys
import time
import warnings
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from infra import topology
from local import heap, moto_patches, persistence, shutdown, transport
from local.api_gateway import LocalApiGateway, LocalRoute, StaticFiles
from local.sandbox_platforms import SandboxPlatforms
from local.provision import LOCAL_ENV_NAME, SERVICES, LocalResources, provision
from local.scheduler import LocalSchedule, schedule_pace, schedule_period, schedule_phase
from local.sqs_poller import SqsPoller
from local.stream_poller import StreamPoller, iterators_after_present
from local.stream_records import BackendStreams
from local.warehouse import NoteCounter, local_warehouse
from shared.aws import stores
from shared.clock import now_iso
from shared.observability import logger, metrics

REGION = "us-east-1"
CONSOLE_DIST = topology.ROOT / "console" / "web" / "dist"  # built by make console (npm ci + vite build)
LOCAL_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_SERVICE_NAME": "oms",
    "POWERTOOLS_METRICS_NAMESPACE": "oms",
    "POWERTOOLS_METRICS_DISABLED": "true",  # no CloudWatch here: keep EMF lines out of the output
    "POWERTOOLS_TRACE_DISABLED": "true",
    "OMS_ENV": "local",
}


def handler_of(function: topology.Function) -> Any:
    handler = importlib.import_module(function.module).handler

    def invoke(event: dict[str, Any], context: Any) -> Any:
        try:
            return handler(event, context)
        finally:
            # Powertools keeps the metrics it does not publish (they are disabled here) for ever:
            # memory that grows with every order, printed in one burst once metrics are enabled again.
            metrics.clear_metrics()

    return invoke


def log_order_events() -> None:
    """What a served runtime prints: one line per order event (stored, each status change) at INFO,
    everything else at WARNING and above; library warnings (deprecations and the like) not at all."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    events = logging.getLogger("oms.orders")
    if not events.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        events.addHandler(handler)
    events.setLevel(logging.INFO)
    events.propagate = False
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(moto|botocore|boto3|aws_lambda_powertools|werkzeug)\b")


# Scaled time limits that must still cover a local step's real duration: the outbox sweep leaves a
# message this long to its own writer, and at 30 s × 0.01 = 0.3 s a loaded runtime's release step
# was still between its write and its publish, so the sweep published it a second time and warned
# that a crash had left it pending (decision 108).
LOCAL_SETTING_FLOORS = {"OUTBOX_GRACE_SECONDS": 2.0}
# How long stop() waits for moto to forget its state: after a long run on a starved machine the
# reset took more than the 10 s its request was given (local/shutdown.py).
RESET_WAIT_SECONDS = 60.0


class LocalRuntime:
    def __init__(
        self,
        *,
        api_port: int = 0,
        time_scale: float = 0.01,
        log_level: str = "WARNING",
        prefix: str = "oms-local",
        data_dir: str | Path | None = None,  # None: nothing is kept; else the folder of the snapshot
        empty: bool = False,  # start with no state even if the data folder holds some
        snapshot_seconds: float = 5.0,
        settings: dict[str, str] | None = None,  # function settings over the topology's (tests)
        schedule_seconds: dict[str, float] | None = None,  # schedule key -> period, over the scaled one
        stream_windows: dict[str, float] | None = None,  # stream consumer key -> batching window, over the topology's
        warehouse: bool = False,  # a local WMS takes the outbound notes off their queue (local/warehouse.py)
        schedules: str | None = None,  # "aws": each schedule at its AWS rate; "scaled": faster (local/scheduler.py); None: $OMS_LOCAL_SCHEDULES, else "aws"
        platforms: bool = False,  # the platforms' sandbox on 127.0.0.1 for the seed's shops (local/sandbox_platforms.py)
    ):
        self.api_port, self.time_scale, self.log_level, self.prefix = api_port, time_scale, log_level, prefix
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.empty, self.snapshot_seconds = empty, snapshot_seconds
        self.settings, self.schedule_seconds = dict(settings or {}), dict(schedule_seconds or {})
        self.stream_windows = dict(stream_windows or {})
        self.warehouse = warehouse
        self.platforms: SandboxPlatforms | None = None
        self._with_platforms = platforms
        self.schedule_pace = schedule_pace(schedules)
        self.warehouse_notes: NoteCounter | None = None  # with warehouse=True: the notes it took
        self.restored: persistence.Restored | None = None
        self.recovered: list[str] = []  # orders re-driven at start (their run died with the last process)
        self._snapshots: persistence.PeriodicSnapshots | None = None
        self._heap: heap.SurvivorFreezer | None = None
        self._snapshot_lock = threading.Lock()
        self.resources: LocalResources | None = None
        self.gateway: LocalApiGateway | None = None
        self.pollers: list[SqsPoller | StreamPoller] = []
        self.schedules: list[LocalSchedule] = []
        self._moto: Any = None
        self.reset_wait_seconds = RESET_WAIT_SECONDS
        self._saved_env: dict[str, str] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalRuntime:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
        self._saved_env = dict(os.environ)
        os.environ.update(LOCAL_ENV)
        os.environ["POWERTOOLS_LOG_LEVEL"] = self.log_level
        logger.setLevel(self.log_level)  # created on import, before the variable was set
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        transport.install(moto_patches.server_app(self._moto), endpoint)  # our own calls skip the socket
        os.environ["MOTO_PORT"] = str(port)  # moto's ASL engine calls back into the server here
        self._post_moto_config(endpoint, {"stepfunctions": {"execute_state_machine": True}})
        stores.reset()

        handlers = {f.key: handler_of(f) for f in topology.FUNCTIONS}
        self.resources = provision(self.prefix, {s: self.client(s) for s in SERVICES})
        os.environ.update(self.resources.env)  # in process, every handler sees every resource
        for function in topology.FUNCTIONS:
            settings = topology.function_settings(function, LOCAL_ENV_NAME)
            os.environ.update(settings)
            # A plain number of seconds is a time limit: it scales with the schedules and the waits.
            os.environ.update({k: str(max(float(v) * self.time_scale, LOCAL_SETTING_FLOORS.get(k, 0.0))) for k, v in settings.items() if k.endswith("_SECONDS") and _is_number(v)})
        os.environ.update(self.settings)
        restored_through: dict[str, dict[str, str]] = {}  # the restore's own stream records are skipped
        if self.data_dir is not None:
            if self.empty:
                persistence.clear(self.data_dir)
            snapshot = persistence.read(self.data_dir)
            if snapshot is not None:  # before any consumer, schedule or route can touch the state
                self.restored = persistence.restore(snapshot, self.resources, self.client("dynamodb"), self.client("sqs"))
                restored_through = {
                    c.table: iterators_after_present(self.client("dynamodbstreams"), self.resources.stream_arns[c.table]) for c in topology.STREAM_CONSUMERS
                }
        moto_patches.install({self.resources.function_names[k]: h for k, h in handlers.items()}, self.time_scale)

        for queue in topology.QUEUES:
            if queue.consumer:
                poller = SqsPoller(
                    self.client("sqs"),
                    self.resources.queue_urls[queue.key],
                    self.resources.queue_arns[queue.key],
                    self.resources.function_names[queue.consumer],
                    handlers[queue.consumer],
                    batch_size=queue.batch_size,
                    timeout_s=topology.function(queue.consumer).timeout_seconds,
                )
                poller.start()
                self.pollers.append(poller)

        if self.warehouse:
            warehouse_poller, self.warehouse_notes = local_warehouse(
                self.client("sqs"), self.resources.queue_urls["wms_outbound"], self.resources.queue_arns["wms_outbound"]
            )
            self.pollers.append(warehouse_poller)

        for consumer in topology.STREAM_CONSUMERS:
            stream_poller = StreamPoller(
                BackendStreams(self.client("dynamodbstreams")),  # records from moto's models, as Lambda's poller reads them
                self.client("sqs"),
                self.resources.stream_arns[consumer.table],
                self.resources.function_names[consumer.function],
                handlers[consumer.function],
                self.resources.queue_urls[consumer.failure_queue],
                sort_key_equals=consumer.sort_key_equals,
                partition_key_prefix=consumer.partition_key_prefix,
                status_became=consumer.status_became,
                batch_size=consumer.batch_size,
                retry_attempts=consumer.retry_attempts,
                max_record_age_seconds=consumer.max_record_age_seconds,
                batching_window_seconds=self.stream_windows.get(consumer.key, consumer.max_batching_window_seconds),
                tumbling_window_seconds=consumer.tumbling_window_seconds,
                iterators=restored_through.get(consumer.table),
            )
            stream_poller.start()
            self.pollers.append(stream_poller)

        for index, schedule in enumerate(topology.SCHEDULES):
            period = self._period(schedule)
            timer = LocalSchedule(
                f"{self.prefix}-{schedule.key}",
                self.resources.function_names[schedule.function],
                handlers[schedule.function],
                every_seconds=period,
                region=REGION,
                payload=schedule.payload,
                timeout_seconds=topology.function(schedule.function).timeout_seconds,
                first_after=schedule_phase(index, len(topology.SCHEDULES), period),
            )
            timer.start()
            self.schedules.append(timer)

        routes = [
            LocalRoute(r.method, r.path, self.resources.function_names[r.function], handlers[r.function], r.authorization)
            for r in topology.ROUTES
        ]
        self.gateway = LocalApiGateway(routes, port=self.api_port, static=StaticFiles(CONSOLE_DIST))
        if self._with_platforms:
            self.platforms = SandboxPlatforms(self.resources.env["PLATFORM_CREDENTIALS_ARN"], self.client("secretsmanager"), self.data_dir).start()
            self.gateway.observers.append(self.platforms.webhook_answered)
        self.gateway.start()
        if self.data_dir is not None:
            if self.restored is not None:
                self.recovered = self._redrive_cut_off_orders()
            persistence.write_runtime_file(self.data_dir, endpoint, self.api_url, self.resources)
            self._snapshots = persistence.PeriodicSnapshots(self.save_snapshot, self.snapshot_seconds)
            self._snapshots.start()
        heap.settle()  # the start's objects are not walked by every full collection (decision 248)
        self._heap = heap.SurvivorFreezer().install()
        return self

    def _period(self, schedule: topology.Schedule) -> float:
        return schedule_period(schedule, self.schedule_pace, self.time_scale, self.schedule_seconds)

    def save_snapshot(self) -> None:
        assert self.resources and self.data_dir is not None
        with self._snapshot_lock:
            persistence.write(self.data_dir, persistence.take(self.resources, now_iso()))

    @staticmethod
    def _redrive_cut_off_orders() -> list[str]:
        from shared.aws.messaging import enqueue_for_fulfilment, publish, start_fulfilment
        from shared.recovery.detect_stuck import redrive_after_restart

        return redrive_after_restart(
            stores.order_store(),
            enqueue_for_fulfilment,
            lambda order_id, resume_at, run: start_fulfilment(order_id, resume_at=resume_at, run_name=run),
            publish,
        )

    def stop(self) -> None:
        if self._heap:
            self._heap.uninstall()
            self._heap = None
            heap.release()
        if self._snapshots:
            self._snapshots.stop()
        # All at once: each waits out its own long poll or timer (up to ~1 s), one after another
        # that was a second per queue on every stop (the tests stop a runtime per package).
        stopping = [threading.Thread(target=worker.stop) for worker in (*self.schedules, *self.pollers)]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        if self.gateway:
            self.gateway.stop()
        if self.platforms:
            self.platforms.stop()
            self.platforms = None
        if self.data_dir is not None and self.resources is not None and self._moto:
            self.save_snapshot()  # the last word: nothing accepted before the stop is lost
            (self.data_dir / persistence.RUNTIME_FILE).unlink(missing_ok=True)
        if self._moto:
            # moto's backends live in this process: forget them as a stopped process would, so a
            # runtime started next in the same process begins from its snapshot or from nothing.
            # Bounded: after a long run on a starved machine the reset outlasted its request's
            # timeout, and the exception crashed a benchmark after it had printed its figures.
            self._reset_moto(os.environ["AWS_ENDPOINT_URL"])
            transport.uninstall(os.environ["AWS_ENDPOINT_URL"])
            self._moto.stop()
        if self._saved_env is not None:  # leave the process as we found it (tests run on after us)
            os.environ.clear()
            os.environ.update(self._saved_env)
            stores.reset()

    def _reset_moto(self, endpoint: str) -> bool:
        """moto's reset, waited for at most `reset_wait_seconds` (local/shutdown.py)."""
        return shutdown.within(
            lambda: self._post_moto_config(endpoint, None, path="reset", timeout=self.reset_wait_seconds),
            self.reset_wait_seconds,
            "moto's reset",
            "this process's moto keeps the run's tables, queues and executions (a runtime started next in this process would see them; a new process starts empty)",
        )

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- helpers for the demo and the tests ----------------------------------------------------

    @property
    def api_url(self) -> str:
        assert self.gateway, "start() first"
        return self.gateway.url

    @staticmethod
    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=os.environ["AWS_ENDPOINT_URL"])

    def queue_depth(self, queue_key: str, dead_letter: bool = False) -> int:
        assert self.resources
        url = (self.resources.dead_letter_queue_urls if dead_letter else self.resources.queue_urls)[queue_key]
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def executions(self, workflow_key: str = "fulfilment") -> list[dict[str, Any]]:
        assert self.resources
        sfn = self.client("stepfunctions")
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=self.resources.state_machine_arns[workflow_key])
        return [e for page in pages for e in page["executions"]]

    def wait_until_idle(self, timeout: float = 60.0) -> bool:
        """True once the intake queue is empty, no poller is busy and no execution runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queued = sum(self.queue_depth(q.key) for q in topology.QUEUES if q.consumer)
            running = any(e["status"] == "RUNNING" for e in self.executions())
            if not queued and not running and not any(p.busy for p in self.pollers):
                return True
            time.sleep(0.1)
        return False

    @staticmethod
    def _post_moto_config(endpoint: str, config: dict[str, Any] | None, path: str = "config", timeout: float = 10) -> None:
        request = urllib.request.Request(
            f"{endpoint}/moto-api/{path}", data=json.dumps(config or {}).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
