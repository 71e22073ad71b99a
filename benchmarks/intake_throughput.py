"""Intake handler throughput in process, and how much of it is validation.

The intake Lambda handler is called directly (as the Lambda runtime would, one request at a
time) with API Gateway proxy events of every HTTP channel in turn: oms's REST API and signed
Shopify, Tmall, JD and Douyin webhooks, each order new. Measured twice on the same events:
  memory  the order store, SKU catalog and channel secrets in memory (local/in_memory.py): oms's
          own cost per order;
  moto    DynamoDB, SQS and Secrets Manager on moto in process (mock_aws): what the AWS calls add
          here (on AWS they cost network round trips instead).
Validation is what the handler does before it touches a store: body checks (size, UTF-8), the
signature, JSON, the platform's model and the canonical order; timed alone on the same events,
its share is validation time / handler time. Usage:
  python -m benchmarks.intake_throughput [--orders 700]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from itertools import cycle
from typing import Any

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "oms")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "oms")

import functions.intake.handler as intake  # noqa: E402
from local.api_gateway import LocalRoute, proxy_event  # noqa: E402
from local.channel_samples import CHANNELS, SHOP, SIGNATURE_HEADER, hand_built, signed_headers  # noqa: E402
from local.in_memory import InMemoryCatalog, InMemoryChannelSecrets, InMemoryOrderStore  # noqa: E402
from local.moto_patches import LocalLambdaContext  # noqa: E402
from shared.channels import WEBHOOK_CHANNELS  # noqa: E402
from shared.http_api import raw_body, unreadable_body  # noqa: E402
from shared.orders import OrderIn  # noqa: E402
from shared.payloads import load_json  # noqa: E402

CANONICAL = "own_api"
SHAPES = (CANONICAL, "shopify", "tmall", "jd", "douyin")
PARSERS = {w.channel.value: w.parse for w in WEBHOOK_CHANNELS}
SHOPIFY_SHOP = "oms-demo-tea.myshopify.com"
CANONICAL_SAMPLE = CHANNELS.parent / "orders" / "01_own_shop_shanghai.json"


def _with_new_id(shape: str, serial: int) -> dict[str, Any]:
    unique = 7_000_000_000_000 + serial
    if shape == CANONICAL:
        order = json.loads(CANONICAL_SAMPLE.read_text("utf-8"))
        return {**order, "external_id": f"BENCH-{unique}"}
    document = hand_built(shape)
    if shape == "shopify":
        document["id"] = unique
    elif shape == "tmall":
        document["trade_fullinfo_get_response"]["trade"]["tid"] = unique
    elif shape == "jd":
        document["orderId"] = str(unique)
    else:
        document["data"]["shop_order_detail"]["order_id"] = str(unique)
    return document


def events(count: int, first_serial: int) -> list[tuple[str, dict[str, Any]]]:
    made = []
    for serial, shape in zip(range(first_serial, first_serial + count), cycle(SHAPES)):
        body = json.dumps(_with_new_id(shape, serial), ensure_ascii=False).encode()
        if shape == CANONICAL:
            route, path, params, headers = LocalRoute("POST", "/orders", "intake", intake.handler), "/orders", {}, {"Content-Type": "application/json"}
        else:
            shop = SHOPIFY_SHOP if shape == "shopify" else SHOP[shape]
            resource = "/channels/" + shape + "/{shop}/orders"
            route, path, params = LocalRoute("POST", resource, "intake", intake.handler), f"/channels/{shape}/{shop}/orders", {"shop": shop}
            headers = signed_headers(shape, shop, body)
        made.append((shape, proxy_event("POST", route, path, params, headers, "", body)))
    return made


def handler_seconds(batch: list[tuple[str, dict[str, Any]]], between: Callable[[int], None] = lambda i: None) -> float:
    """Time inside the handler only; `between` runs untimed (housekeeping of the emulated AWS)."""
    total = 0.0
    for index, (_, event) in enumerate(batch):
        started = time.perf_counter()
        answer = intake.handler(event, LocalLambdaContext("intake"))
        total += time.perf_counter() - started
        if answer["statusCode"] != 202:
            raise RuntimeError(f"a benchmark order was refused: {answer['body']}")
        between(index)
    return total


def validation_seconds(batch: list[tuple[str, dict[str, Any]]], secrets: InMemoryChannelSecrets) -> float:
    """The handler's checks before any store call, on the same events."""
    started = time.perf_counter()
    for shape, event in batch:
        assert unreadable_body(event) is None
        body = raw_body(event)
        if shape == CANONICAL:
            OrderIn.model_validate(load_json(body))
            continue
        header = SIGNATURE_HEADER[shape]
        secrets.verify(shape, event["pathParameters"]["shop"], body, header, event["headers"][header])
        PARSERS[shape](load_json(body))
    return time.perf_counter() - started


@contextmanager
def in_memory_stores() -> Iterator[InMemoryChannelSecrets]:
    saved = (intake.order_store, intake.catalog_store, intake.channel_secrets, intake.enqueue_for_fulfilment)
    store, catalog, secrets = InMemoryOrderStore(), InMemoryCatalog.from_seed(), InMemoryChannelSecrets.from_seed()
    intake.order_store, intake.catalog_store, intake.channel_secrets = (lambda: store), (lambda: catalog), (lambda: secrets)
    intake.enqueue_for_fulfilment = lambda order_id: None
    try:
        yield secrets
    finally:
        intake.order_store, intake.catalog_store, intake.channel_secrets, intake.enqueue_for_fulfilment = saved


@contextmanager
def moto_stores() -> Iterator[Callable[[int], None]]:
    from moto import mock_aws

    from local import moto_patches
    from local.provision import provision
    from local.seed import load_catalog, load_channel_secrets
    from shared.aws import stores
    from shared.aws.clients import client

    saved_env = dict(os.environ)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"})
    moto_patches.install_dynamodb_fidelity()
    try:
        with mock_aws():
            stores.reset()
            resources = provision("oms-bench")
            os.environ.update(resources.env)
            load_catalog()
            load_channel_secrets()
            queue = resources.queue_urls["intake"]

            def drain(index: int) -> None:
                # moto's SendMessage slows as a queue grows (DESIGN.md); the workflow starter
                # keeps the real one short, so the benchmark does too, outside the timing.
                if index % 10 == 9:
                    sqs = client("sqs")
                    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
                        sqs.delete_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])

            yield drain
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        stores.reset()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=700, help="orders per measurement (default 700)")
    args = parser.parse_args()
    warmup = 25

    # With metrics disabled, Powertools still prints its buffer once it holds 100 data points,
    # and warns on every invocation that it has nothing to publish.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with open(os.devnull, "w") as quiet, redirect_stdout(quiet):
        with in_memory_stores() as secrets:
            handler_seconds(events(warmup, 0))
            memory_batch = events(args.orders, warmup)
            memory = handler_seconds(memory_batch)
            validation_seconds(memory_batch[:warmup], secrets)
            validation = validation_seconds(memory_batch, secrets)
        with moto_stores() as drain:
            handler_seconds(events(warmup, 10_000_000), drain)
            moto = handler_seconds(events(args.orders, 20_000_000), drain)

    n = args.orders
    print(f"intake handler in process, {n} new orders per run, in turn: {', '.join(SHAPES)} (one thread)")
    print(f"  store in memory:       {n / memory:8.0f} orders/s   {memory / n * 1000:6.2f} ms/order")
    print(f"  store on moto (mock):  {n / moto:8.0f} orders/s   {moto / n * 1000:6.2f} ms/order")
    print(
        f"  validation (body size and UTF-8, signature, JSON, platform model, canonical order): {validation / n * 1000:.2f} ms/order"
        f" = {validation / memory:.0%} of the in-memory handler time, {validation / moto:.0%} with the store on moto"
    )


if __name__ == "__main__":
    main()
