"""The missed-webhooks scenario on the local runtime (the e2e test and benchmarks/reconciliation.py):
a shop's orders on the fake platform, each delivered as a signed webhook except a seeded share
that is dropped (the seed's 漏单 rate), then one reconciliation run asked for over the API, and the
count of what oms holds afterwards. The fulfilment workflow is paused meanwhile (the intake
queue keeps every accepted order, so "nothing doubled" is counted there too); the re-ingest goes
through the real intake."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from local.channel_samples import signed_headers, webhook_path
from local.demo import http
from local.fake_platforms import FakePlatforms
from local.platform_orders import PARSERS, external_id, generate
from local.runtime import LocalRuntime
from shared.aws.clients import client
from shared.aws.messaging import enqueue_for_fulfilment
from shared.aws.stores import catalog_store, order_store
from shared.ids import order_id_for
from shared.usecases.intake_order import intake_order

# Paused with the workflow: the runs the scenario asks for itself, and the stuck-orders sweep,
# which would re-queue the orders the paused workflow leaves RECEIVED (counted as queued twice).
PAUSED_SCHEDULES = ("reconcile_recent", "reconcile_yesterday", "detect_stuck_orders")


@dataclass
class Outcome:
    orders: int
    dropped: list[str]
    run: dict[str, Any] = field(default_factory=dict)
    differences: list[dict[str, Any]] = field(default_factory=list)
    run_seconds: float = 0.0
    deliver_seconds: float = 0.0
    in_oms: int = 0
    queued: dict[str, int] = field(default_factory=dict)  # order id -> times queued for fulfilment

    @property
    def queued_twice(self) -> int:
        return sum(1 for times in self.queued.values() if times > 1)

    @property
    def recovered(self) -> int:
        return sum(1 for d in self.differences if d["kind"] == "missing_in_oms" and d["resolution"] == "auto_fixed")


class MissedWebhooks:
    def __init__(self, runtime: LocalRuntime, shop: str, *, seed: int = 14, channel: str = "shopify"):
        self.runtime, self.shop, self.seed, self.channel = runtime, shop, seed, channel
        self.fake = FakePlatforms().start()
        self._saved_env: dict[str, str | None] = {}
        self.queued: Counter[str] = Counter()
        self._seen: set[str] = set()  # message ids counted
        self._stop = threading.Event()
        self._drainer = threading.Thread(target=self._drain_intake, name="intake-counter", daemon=True)

    def __enter__(self) -> MissedWebhooks:
        import os

        for name, value in self.fake.env().items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        self._pause(True)
        time.sleep(1.2)  # a poller's long poll in flight ends before the first order arrives
        self._drainer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        import os

        assert self.runtime.resources
        self._put_credentials({})
        self._stop.set()
        self._drainer.join(timeout=10)
        self._pause(False)
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.fake.stop()

    def run(self, orders: int, since: datetime, until: datetime, *, drop_rate: float = 0.05, over_http: bool = True, workers: int = 4, prefix: int = 7) -> Outcome:
        """`prefix` leads every generated id: give each scenario in one runtime its own."""
        generated = generate(self.channel, orders, since, until, seed=self.seed, prefix=prefix)
        self.fake.add_orders(self.channel, self.shop, generated)
        self._put_credentials(self.fake.credentials())
        rng = random.Random(self.seed)
        dropped = [o for o in generated if rng.random() < drop_rate]
        delivered = [o for o in generated if o not in dropped]
        started = time.monotonic()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(self._webhook if over_http else self._intake, delivered))
        outcome = Outcome(orders=orders, dropped=[external_id(self.channel, o) for o in dropped], deliver_seconds=time.monotonic() - started)

        api = self.runtime.api_url
        body = {"channel": self.channel, "shop": self.shop, "since": since.isoformat(), "until": until.isoformat(), "requested_by": "missed-webhooks scenario"}
        started = time.monotonic()
        status, answer = http("POST", f"{api}/reconciliation/runs", json.dumps(body).encode())
        if status not in (200, 202):
            raise AssertionError(f"POST /reconciliation/runs answered {status}: {answer}")
        report = self._wait(answer["run_id"])
        outcome.run_seconds = time.monotonic() - started
        outcome.run, outcome.differences = report["run"], report["differences"]
        outcome.in_oms = self.count_in_oms(generated)
        outcome.queued = self.settled_queue()
        return outcome

    def settled_queue(self) -> dict[str, int]:
        """Every order id queued for fulfilment so far, with how often (once the queue is empty)."""
        while self.runtime.queue_depth("intake"):
            time.sleep(0.2)
        return dict(self.queued)

    def count_in_oms(self, orders: list[dict[str, Any]]) -> int:
        keys = [{"pk": f"ORDER#{order_id_for(self.channel, external_id(self.channel, o))}", "sk": "META"} for o in orders]
        from shared.aws.dynamo import batch_get

        store = order_store()
        return len(batch_get(store.db, store.table, keys))

    def _wait(self, run_id: str, timeout: float = 1800.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, report = http("GET", f"{self.runtime.api_url}/reconciliation/runs/{run_id}")
            if status == 200 and report["run"]["state"] != "RUNNING":
                return report
            time.sleep(0.2)
        raise AssertionError(f"reconciliation run {run_id} did not finish in {timeout} s")

    def _webhook(self, order: dict[str, Any]) -> None:
        raw = json.dumps(order, ensure_ascii=False).encode()
        headers = signed_headers(self.channel, self.shop, raw)
        for attempt in range(3):
            try:
                status, answer = http("POST", self.runtime.api_url + webhook_path(self.channel, self.shop), raw, headers)
                break
            except TimeoutError:  # no answer within 30 s (a loaded machine): the platform sends it again, as platforms do
                if attempt == 2:
                    raise
        if status != 202:
            raise AssertionError(f"webhook answered {status}: {answer}")

    def _intake(self, order: dict[str, Any]) -> None:
        # The same intake use case the webhook handler calls, without the HTTP hop (large N only).
        intake_order(PARSERS[self.channel](order), catalog_store(), order_store(), enqueue_for_fulfilment)

    def _pause(self, paused: bool) -> None:
        assert self.runtime.resources
        starter = self.runtime.resources.function_names["workflow_starter"]
        for poller in self.runtime.pollers:
            if poller.function_name == starter:
                poller.pause() if paused else poller.resume()
        for schedule in self.runtime.schedules:
            if schedule.rule_name.endswith(PAUSED_SCHEDULES):
                schedule.paused.set() if paused else schedule.paused.clear()

    def _put_credentials(self, value: dict[str, Any]) -> None:
        assert self.runtime.resources
        client("secretsmanager").put_secret_value(SecretId=self.runtime.resources.env["PLATFORM_CREDENTIALS_ARN"], SecretString=json.dumps(value))
        from shared.reconciliation.stores import _credentials

        _credentials.cache_clear()  # in process, every function shares the reader: read the new value now

    def _drain_intake(self) -> None:
        """Stands in for the paused workflow starter: takes every message off the intake queue
        (moto's SendMessage slows as a queue grows) and counts which order each one queued."""
        assert self.runtime.resources
        sqs, url = client("sqs"), self.runtime.resources.queue_urls["intake"]
        while not self._stop.is_set():
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for message in batch:
                if message["MessageId"] in self._seen:
                    continue  # delivered again (SQS is at-least-once: a slow delete under load): not queued again
                self._seen.add(message["MessageId"])
                self.queued[json.loads(message["Body"])["order_id"]] += 1
            if batch:
                sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
