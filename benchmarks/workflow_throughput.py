"""Local end-to-end throughput, as a ratio to moto's ceiling measured in the same run.

moto's ASL engine bounds what one machine can do (DESIGN.md: ~13 executions/s of a 5-task no-op
Express workflow). This benchmark measures, on one LocalRuntime:
  B  the baseline: a 5-task no-op workflow whose Lambda tasks run in process, N executions;
  W  the fulfilment workflow alone: N stored orders, N executions started directly;
  E  end to end: N orders POSTed over HTTP on 127.0.0.1 until every one is RELEASED.
and prints executions/s and orders/s with W/B and E/B. Usage:
  python -m benchmarks.workflow_throughput [--orders 60]
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor

from local import moto_patches
from local.demo import SETTLED, http
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.aws.catalog_store import Product
from shared.aws.stores import catalog_store, inventory_store, order_store
from shared.inventory import StockRecord
from shared.lifecycle import Actor, ActorKind, OrderStatus, TimelineEntry
from shared.orders import OrderIn

NOOP_TASKS = 5
SKUS = [f"BENCH-SKU-{i:02d}" for i in range(20)]  # not on the price list: review only flags them
PLACES = [
    {"province": "上海", "city": "上海市", "district": "浦东新区"},
    {"province": "北京", "city": "北京市", "district": "海淀区"},
    {"province": "广东", "city": "广州市", "district": "天河区"},
    {"province": "四川", "city": "成都市", "district": "武侯区"},
]


def noop_definition(function_arn: str) -> str:
    states = {}
    for i in range(NOOP_TASKS):
        states[f"Task{i}"] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
            "ResultSelector": {"order_id.$": "$.Payload.order_id"},
            "OutputPath": "$",
            **({"Next": f"Task{i + 1}"} if i < NOOP_TASKS - 1 else {"End": True}),
        }
    return json.dumps({"StartAt": "Task0", "States": states})


def wait_all_done(runtime: LocalRuntime, arn: str, names: set[str], timeout: float = 600) -> None:
    sfn = runtime.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
        done = {e["name"] for page in pages for e in page["executions"] if e["status"] != "RUNNING"}
        if names <= done:
            return
        time.sleep(0.05)
    raise TimeoutError(f"{len(names - done)} executions still running")


def start_all(runtime: LocalRuntime, arn: str, names: list[str]) -> float:
    sfn = runtime.client("stepfunctions")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: sfn.start_execution(stateMachineArn=arn, name=n, input=json.dumps({"order_id": n})), names))
    wait_all_done(runtime, arn, set(names))
    return time.perf_counter() - started


def sample_order(i: int, run: str) -> dict:
    return {
        "channel": "own_shop",
        "external_id": f"BENCH-{run}-{i:05d}",
        "buyer": {"buyer_id": f"C-{run}-{i % 97}"},  # per run: the same lines again would be a duplicate
        # Real places: review holds an address whose city or district is not in its province.
        "receiver": {"name": "测试", "phone": "13800138000", **PLACES[i % len(PLACES)], "detail": f"路{i}号"},
        "lines": [{"sku": SKUS[(i * 7 + k) % len(SKUS)], "quantity": 1 + k, "unit_price": "19.90"} for k in range(1 + i % 3)],
        "placed_at": "2026-11-11T00:00:00+08:00",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=60)
    n = parser.parse_args().orders

    with LocalRuntime() as runtime:
        load_seed()
        for sku in SKUS:
            catalog_store().put_product(Product(sku=sku))  # intake refuses SKUs oms does not sell
            for warehouse in ("WH-SH", "WH-BJ", "WH-GZ", "WH-CD"):
                inventory_store().put_stock(StockRecord(sku=sku, warehouse_id=warehouse, on_hand=100_000))

        # B: the no-op baseline on the same engine, tasks in process.
        moto_patches.install({"bench-noop": lambda event, context: event}, runtime.time_scale)
        lam = runtime.client("lambda")
        role = runtime.client("iam").get_role(RoleName=f"{runtime.prefix}-local")["Role"]["Arn"]
        noop_arn = lam.create_function(
            FunctionName="bench-noop", Runtime="python3.12", Role=role, Handler="handler.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}
        )["FunctionArn"]
        baseline_arn = runtime.client("stepfunctions").create_state_machine(
            name="bench-noop", definition=noop_definition(noop_arn), roleArn=role, type="EXPRESS"
        )["stateMachineArn"]
        baseline_s = start_all(runtime, baseline_arn, [f"noop-{i}" for i in range(n)])

        # W: the fulfilment workflow alone, on orders already stored.
        orders = [OrderIn.model_validate(sample_order(i, "w")) for i in range(n)]
        for order in orders:
            order_store().create(order, TimelineEntry(from_status=None, to_status=OrderStatus.RECEIVED, cause="benchmark", actor=Actor(kind=ActorKind.CHANNEL, name="bench")))
        workflow_s = start_all(runtime, runtime.resources.state_machine_arns["fulfilment"], [o.order_id for o in orders])
        released = sum(order_store().load(o.order_id).status == OrderStatus.RELEASED for o in orders)

        # E: end to end over HTTP.
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda i: http("POST", f"{runtime.api_url}/orders", json.dumps(sample_order(i, "e")).encode()), range(n)))
        ids = [a["order_id"] for status, a in answers if status == 202]
        pending = set(ids)
        deadline = time.monotonic() + 600
        while pending and time.monotonic() < deadline:
            pending = {i for i in pending if order_store().load(i).status not in SETTLED}
            time.sleep(0.05)
        e2e_s = time.perf_counter() - started
        e2e_released = sum(order_store().load(i).status == OrderStatus.RELEASED for i in ids)

    b, w, e = n / baseline_s, n / workflow_s, n / e2e_s
    print(f"orders per run: {n}  (no-op baseline: {NOOP_TASKS} Lambda tasks; fulfilment: 4 Lambda tasks + Pass/Choice states)")
    print(f"B  no-op workflow baseline      {baseline_s:6.2f} s  {b:6.1f} executions/s")
    print(f"W  fulfilment workflow alone    {workflow_s:6.2f} s  {w:6.1f} executions/s  W/B = {w / b:.2f}  ({released}/{n} RELEASED)")
    print(f"E  HTTP intake → RELEASED       {e2e_s:6.2f} s  {e:6.1f} orders/s      E/B = {e / b:.2f}  ({e2e_released}/{len(ids)} RELEASED, {n - len(ids)} refused)")


if __name__ == "__main__":
    main()
