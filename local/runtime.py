"""The embedded runtime: all of oms on one machine, no AWS account, no Docker.

moto runs in server mode on 127.0.0.1 (boto3 code is unchanged: AWS_ENDPOINT_URL points at it),
its ASL engine executes the real workflow with our handlers invoked in process, our pollers feed
the SQS consumers, and an HTTP server on 127.0.0.1 serves the API routes. Every function, route,
queue, rule and table comes from infra/topology.py.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import time
import urllib.request
from typing import Any

import boto3

from infra import topology
from local import moto_patches
from local.api_gateway import LocalApiGateway, LocalRoute, StaticFiles
from local.provision import SERVICES, LocalResources, provision
from local.scheduler import LocalSchedule
from local.sqs_poller import SqsPoller
from local.stream_poller import StreamPoller
from shared.aws import stores

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
    return importlib.import_module(function.module).handler


class LocalRuntime:
    def __init__(self, *, api_port: int = 0, time_scale: float = 0.01, log_level: str = "WARNING", prefix: str = "oms-local"):
        self.api_port, self.time_scale, self.log_level, self.prefix = api_port, time_scale, log_level, prefix
        self.resources: LocalResources | None = None
        self.gateway: LocalApiGateway | None = None
        self.pollers: list[SqsPoller | StreamPoller] = []
        self.schedules: list[LocalSchedule] = []
        self._moto: Any = None
        self._saved_env: dict[str, str] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalRuntime:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
        self._saved_env = dict(os.environ)
        os.environ.update(LOCAL_ENV)
        os.environ["POWERTOOLS_LOG_LEVEL"] = self.log_level
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        os.environ["MOTO_PORT"] = str(port)  # moto's ASL engine calls back into the server here
        self._post_moto_config(endpoint, {"stepfunctions": {"execute_state_machine": True}})
        stores.reset()

        handlers = {f.key: handler_of(f) for f in topology.FUNCTIONS}
        self.resources = provision(self.prefix, {s: self.client(s) for s in SERVICES})
        os.environ.update(self.resources.env)  # in process, every handler sees every resource
        for function in topology.FUNCTIONS:
            os.environ.update(dict(function.settings))
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
                )
                poller.start()
                self.pollers.append(poller)

        for consumer in topology.STREAM_CONSUMERS:
            stream_poller = StreamPoller(
                self.client("dynamodbstreams"),
                self.client("sqs"),
                self.resources.stream_arns[consumer.table],
                self.resources.function_names[consumer.function],
                handlers[consumer.function],
                self.resources.queue_urls[consumer.failure_queue],
                sort_key_equals=consumer.sort_key_equals,
                batch_size=consumer.batch_size,
                retry_attempts=consumer.retry_attempts,
            )
            stream_poller.start()
            self.pollers.append(stream_poller)

        for schedule in topology.SCHEDULES:
            timer = LocalSchedule(
                f"{self.prefix}-{schedule.key}",
                self.resources.function_names[schedule.function],
                handlers[schedule.function],
                every_seconds=schedule.every_minutes * 60 * self.time_scale,
                region=REGION,
            )
            timer.start()
            self.schedules.append(timer)

        routes = [
            LocalRoute(r.method, r.path, self.resources.function_names[r.function], handlers[r.function], r.authorization)
            for r in topology.ROUTES
        ]
        self.gateway = LocalApiGateway(routes, port=self.api_port, static=StaticFiles(CONSOLE_DIST))
        self.gateway.start()
        return self

    def stop(self) -> None:
        for worker in (*self.schedules, *self.pollers):
            worker.stop()
        if self.gateway:
            self.gateway.stop()
        if self._moto:
            self._moto.stop()
        if self._saved_env is not None:  # leave the process as we found it (tests run on after us)
            os.environ.clear()
            os.environ.update(self._saved_env)
            stores.reset()

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
    def _post_moto_config(endpoint: str, config: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{endpoint}/moto-api/config", data=json.dumps(config).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
