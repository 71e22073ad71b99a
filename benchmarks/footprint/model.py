"""From counted calls to cost per 1,000 orders and capacity at a peak rate.

Everything here is arithmetic on the tally (recorder.py) and the price file
(benchmarks/data/aws_prices.json): no figure is typed in. The per-order figures divide by the
orders accepted in the run; scheduled functions (sweeper, escalator) run per hour, not per
order, and the runtime's own calls (queue pollers, the driver) are not the system's, so both are
left out (SQS consumption is priced from the queue's batch size instead, as Lambda's event source
mapping polls).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.footprint.concurrency import against as concurrency_against
from benchmarks.footprint.concurrency import need as concurrency_need
from benchmarks.footprint.snapstart import snapstart_cost
from infra import topology
from shared.operations.parallel import PARALLEL_READS

PRICES_FILE = Path(__file__).resolve().parent.parent / "data" / "aws_prices.json"
OUTSIDE = "-"
# Key classes whose partition key is shared by many orders (the rest are one order's or one
# buyer's): base-table prefixes and whole indexes.
SHARED_PREFIXES = ("PACKAGES#", "STOCK#", "WAREHOUSE", "EXPIRY#", "CHANGED#")
DEBOUNCED_PREFIX = "CHANGED#"  # stock-push marks: one item per SKU, debounced per container
SHARED_INDEXES = ("by_status", "by_flow", "by_channel", "by_day", "by_expiry", "by_outbox")


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


def _per_order_functions() -> set[str]:
    scheduled = {s.function for s in topology.SCHEDULES}
    return {f.key for f in topology.FUNCTIONS} - scheduled


def _shard_counts() -> dict[str, int]:
    """Write-sharded index keys ("<family>#<shard>", the shard a hash of the order or message id)
    and their shard counts, from the code that writes them."""
    from shared.aws.order_listing import CHANNEL_SHARDS
    from shared.aws.status_index import FLOW_SHARDS, STATUS_SHARDS
    from shared.outbox.store import PENDING_SHARDS
    from shared.recent_orders import DAY_SHARDS

    return {"by_status": STATUS_SHARDS, "by_flow": FLOW_SHARDS, "by_outbox": PENDING_SHARDS, "by_channel": CHANNEL_SHARDS, "by_day": DAY_SHARDS}


def _key_class(table: str, index: str, key: str) -> str | None:
    """The shared key this write lands on, or None for a key of one order or one buyer. A
    write-sharded key counts as its family ("FLOW" for "FLOW#3"): a hash spreads a peak's orders
    evenly over the shards, where a run of a few dozen orders does not."""
    if index:
        if index not in SHARED_INDEXES:
            return None
        family, _, shard = key.rpartition("#")
        return family if index in _shard_counts() and family and shard.isdigit() else key
    return key if key.startswith(SHARED_PREFIXES) else None


def model(
    tally: dict[str, Any],
    orders: int,
    *,
    rate: float = 1200.0,
    status_shards: int = 1,
    top_channel_share: float = 0.40,
    workflow_log_level: str = "ALL",
    prices: dict[str, Any] | None = None,
    memory_mb: dict[str, int] | None = None,
    concurrency_quotas: dict[str, tuple[int, float]] | None = None,
) -> dict[str, Any]:
    prices = prices or load_prices()
    price, quota, assume = prices["prices"], prices["quotas"], prices["assumptions"]
    per_order = _per_order_functions()
    n = max(1, orders)

    # -- DynamoDB --------------------------------------------------------------------------
    wcu_by_place: dict[str, float] = defaultdict(float)
    key_units: dict[tuple[str, str, str], float] = defaultdict(float)
    by_function = tally.get("write_units_by_operation")
    if by_function:
        # Per order: the writes of the functions orders drive. Scheduled functions (the health
        # snapshot, the stock push, the sweeps) write per minute whatever the rate: over a short
        # run they would weigh on each order what at the peak is nothing (as reads and Lambda).
        for table, index, function, _operation, _kind, units in by_function:
            if function in per_order:
                wcu_by_place[f"{table}{'.' + index if index else ''}"] += units / n
    for table, index, key, units in tally["write_units"]:
        if not by_function:
            wcu_by_place[f"{table}{'.' + index if index else ''}"] += units / n
        shared = _key_class(table, index, key)
        if shared is not None:
            key_units[(table, index, shared)] += units
    rcu_by_place: dict[str, float] = defaultdict(float)
    for table, index, function, units in tally["read_units"]:
        if function in per_order:
            rcu_by_place[f"{table}{'.' + index if index else ''}"] += units / n
    wcu = sum(wcu_by_place.values())
    by_operation: dict[tuple[str, str, str, str], float] = defaultdict(float)
    for table, index, function, operation, kind, units in tally.get("write_units_by_operation", []):
        by_operation[(f"{table}{'.' + index if index else ''}", function, operation, kind)] += units / n
    wcu_by_operation = [
        {"place": place, "function": function, "operation": operation, "item": kind, "wcu_per_order": units}
        for (place, function, operation, kind), units in sorted(by_operation.items(), key=lambda kv: -kv[1])
        if function in per_order or not by_function
    ]
    rcu = sum(rcu_by_place.values())

    # -- Lambda ----------------------------------------------------------------------------
    # A request's latency, once per request; the requests a handler makes from its read pool
    # (shared/operations/parallel.py) wait PARALLEL_READS at a time.
    calls_by_function: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pooled = {(service, operation, function): count for service, operation, function, count in tally.get("pooled_calls", [])}
    for service, operation, function, count in tally["calls"]:
        kind = "dynamodb_transaction" if operation.startswith("Transact") else service
        in_pool = pooled.get((service, operation, function), 0)
        calls_by_function[function][kind] += count - in_pool + in_pool / PARALLEL_READS
    memory = {f.key: f.memory_mb for f in topology.FUNCTIONS} | (memory_mb or {})  # as the run deployed them
    lambdas = {}
    # START/END/REPORT are INFO: a system log level above INFO drops them (decision 160).
    platform_log_bytes = assume["lambda_platform_log_bytes_per_invocation"] if topology.LAMBDA_SYSTEM_LOG_LEVEL in ("DEBUG", "INFO") else 0
    for function, record in tally["invocations"].items():
        if function not in per_order or not record["count"]:
            continue
        count = record["count"]
        cpu_ms = record["cpu_s"] * 1000 / count
        mb = memory[function]
        stretch = max(1.0, assume["lambda_full_vcpu_mb"] / mb)
        io_ms = sum(calls * assume["latency_ms"].get(kind, 10) for kind, calls in calls_by_function[function].items()) / count
        duration_ms = cpu_ms * stretch + io_ms
        per_order_invocations = count / n
        lambdas[function] = {
            "invocations_per_order": per_order_invocations,
            "cpu_ms": cpu_ms,
            "memory_mb": mb,
            "duration_ms": duration_ms,
            "gb_s_per_order": per_order_invocations * math.ceil(duration_ms) / 1000 * mb / 1024,
            "concurrency": per_order_invocations * rate * duration_ms / 1000,
            "log_bytes_per_order": (record["log_bytes"] + count * platform_log_bytes) / n,
            "payload_bytes": (record["event_bytes"] + record["result_bytes"]) / count,
        }

    # Stock-push marks are debounced per container (shared/writeback/stock_marks.py): a SKU is
    # marked at most once per MARK_EVERY_SECONDS by each container of the functions that mark.
    marked_items = {(t, k): n for t, k, n in tally.get("key_items", []) if k.startswith(DEBOUNCED_PREFIX)}
    marking = {f for t, _i, f, _o, kind, _u in tally.get("write_units_by_operation", []) if kind.startswith(DEBOUNCED_PREFIX.rstrip("#") + "/") and f in lambdas}
    marking_containers = {f: lambdas[f]["concurrency"] for f in sorted(marking)}
    hot = []
    shards = _shard_counts()
    sharded = {(t, i, k) for t, i, key, _ in tally["write_units"] if (k := _key_class(t, i, key)) is not None and k != key}
    for (table, index, key), units in key_units.items():
        per_second = units / n * rate
        note = ""
        if (table, index, key) in sharded:
            per_second /= shards[index]
            note = f"each of {shards[index]} shards"
        elif index == "by_status":  # a run before the keys were sharded
            per_second /= status_shards
            note = f"status key over {status_shards} shard(s)"
        if index == "by_channel":
            # The run's orders all came from one channel: the busiest channel carries its share.
            per_second *= top_channel_share
            note += f"{'; ' if note else ''}busiest channel at {top_channel_share:.0%} of orders"
        elif key.startswith("STOCK#"):
            note = "one SKU's stock: depends on the SKU mix (hot SKUs are bucketed)"
        elif key.startswith(DEBOUNCED_PREFIX) and (table, key) in marked_items:
            per_second, note = _debounced(per_second, marked_items[(table, key)], marking_containers)
        elif key.startswith(DEBOUNCED_PREFIX):
            note = "stock-push marks, scaled linearly (a run counted before the debounce was modelled)"
        hot.append({"table": table, "index": index, "key": key, "wcu_per_s": per_second, "of_partition_limit": per_second / quota["dynamodb_partition_wcu_per_second"], "note": note})
    hot.sort(key=lambda h: -h["wcu_per_s"])

    # -- Step Functions Express ------------------------------------------------------------
    starts = sum(c for s, o, f, c in tally["calls"] if s == "stepfunctions" and o == "StartExecution" and f in per_order) / n
    task_functions = set(topology.FULFILMENT.function_placeholders.values())
    task_ms_per_order = sum(l["duration_ms"] * l["invocations_per_order"] for f, l in lambdas.items() if f in task_functions)
    transitions = _released_path_length(json.loads(topology.FULFILMENT.definition.read_text("utf-8")))
    execution_ms = (task_ms_per_order / starts if starts else 0) + transitions * assume["stepfunctions_ms_per_transition"]
    increment = price["stepfunctions_express_billing_increment_ms"]
    billed_ms = math.ceil(execution_ms / increment) * increment
    task_invocations = sum(l["invocations_per_order"] for f, l in lambdas.items() if f in task_functions)
    payload = sum(l["payload_bytes"] * l["invocations_per_order"] for f, l in lambdas.items() if f in task_functions)
    if workflow_log_level == "ALL":  # every state's events, with the execution data
        sfn_log_bytes = starts * transitions * 2 * assume["stepfunctions_log_bytes_per_event"] + task_invocations * 3 * assume["stepfunctions_log_bytes_per_event"] + 2 * payload
    else:  # ERROR: the happy path logs nothing
        sfn_log_bytes = 0.0

    # -- messages --------------------------------------------------------------------------
    sqs_sent = sum(c for s, f, c in tally["messages"] if s == "sqs" and f in per_order) / n
    events = sum(c for s, f, c in tally["messages"] if s == "events" and f in per_order) / n
    batch = {q.consumer: q.batch_size for q in topology.QUEUES if q.consumer}
    consumed = {q.key: q for q in topology.QUEUES}
    intake_batch = consumed["intake"].batch_size
    # The event source mapping receives a batch and deletes it: two requests per full batch.
    sqs_requests = sqs_sent + sqs_sent / intake_batch * (assume["sqs_receives_per_message_batch"] + assume["sqs_deletes_per_message_batch"])
    routes = {r.function for r in topology.ROUTES}
    api_requests = sum(l["invocations_per_order"] for f, l in lambdas.items() if f in routes)
    log_bytes = sum(l["log_bytes_per_order"] for l in lambdas.values()) + sfn_log_bytes

    # -- cost per 1,000 orders ---------------------------------------------------------------
    thousand = 1000.0
    cost = {
        "DynamoDB writes": wcu * thousand * price["dynamodb_per_million_write_request_units"] / 1e6,
        "DynamoDB reads": rcu * thousand * price["dynamodb_per_million_read_request_units"] / 1e6,
        "Lambda": thousand
        * (
            sum(l["invocations_per_order"] for l in lambdas.values()) * price["lambda_per_million_requests"] / 1e6
            + sum(l["gb_s_per_order"] for l in lambdas.values()) * price["lambda_arm64_per_gb_second"]
        ),
        "Step Functions Express": thousand
        * starts
        * (price["stepfunctions_express_per_million_requests"] / 1e6 + billed_ms / 1000 * price["stepfunctions_express_memory_mb"] / 1024 * price["stepfunctions_express_per_gb_second"]),
        "SQS": thousand * sqs_requests * price["sqs_standard_per_million_requests"] / 1e6,
        "EventBridge": thousand * events * price["eventbridge_custom_events_per_million"] / 1e6,
        "API Gateway": thousand * api_requests * price["apigateway_rest_per_million_requests"] / 1e6,
        "WAF": thousand * api_requests * price["waf_per_million_requests"] / 1e6,
        "CloudWatch Logs": thousand * log_bytes / 1024**3 * price["cloudwatch_logs_ingestion_per_gb"],
    }

    # -- capacity at `rate` ------------------------------------------------------------------
    places = sorted(set(wcu_by_place) | set(rcu_by_place))
    tables = [
        {
            "place": place,
            "wcu_per_s": wcu_by_place.get(place, 0.0) * rate,
            "rcu_per_s": rcu_by_place.get(place, 0.0) * rate,
            "wcu_headroom": quota["dynamodb_table_wcu_per_second"] / max(1e-9, wcu_by_place.get(place, 0.0) * rate),
        }
        for place in places
    ]
    concurrency = sum(l["concurrency"] for l in lambdas.values())
    planned = concurrency_need(lambdas, rate, rate)  # queue consumers at their caps (decision 205)
    planned["against"] = {
        env: concurrency_against(quota, planned, concurrency_need(lambdas, rate, throttle)) for env, (quota, throttle) in sorted((concurrency_quotas or {}).items())
    }
    intake_consumer = lambdas.get(consumed["intake"].consumer or "", {})
    in_flight = sqs_sent * rate * (intake_consumer.get("duration_ms", 0) / 1000 + consumed["intake"].max_batching_window_seconds)
    capacity = [
        _row("DynamoDB hottest partition key (WCU/s)", hot[0]["wcu_per_s"] if hot else 0, quota["dynamodb_partition_wcu_per_second"], f"{hot[0]['table']}{'.' + hot[0]['index'] if hot and hot[0]['index'] else ''} {hot[0]['key']}" if hot else ""),
        _row("DynamoDB busiest table or index (WCU/s)", max((t["wcu_per_s"] for t in tables), default=0), quota["dynamodb_table_wcu_per_second"], max(tables, key=lambda t: t["wcu_per_s"])["place"] if tables else ""),
        _row("DynamoDB busiest table or index (RCU/s)", max((t["rcu_per_s"] for t in tables), default=0), quota["dynamodb_table_rcu_per_second"], max(tables, key=lambda t: t["rcu_per_s"])["place"] if tables else ""),
        _row("Lambda concurrent executions", concurrency, quota["lambda_concurrent_executions"], "all functions, account quota"),
        _row("Step Functions Express starts/s", starts * rate, quota["stepfunctions_express_start_execution_per_second"], "StartExecution"),
        _row("SQS in-flight messages (intake queue)", in_flight, quota["sqs_standard_in_flight_messages_per_queue"], "per queue"),
        _row("EventBridge PutEvents entries/s", events * rate, quota["eventbridge_put_events_per_second"], "per account and region"),
        _row("API Gateway requests/s", api_requests * rate, quota["apigateway_requests_per_second_per_account"], "per account and region"),
    ]
    return {
        "orders": orders,
        "rate": rate,
        "assumed": {"status_shards": status_shards, "top_channel_share": top_channel_share, "workflow_log_level": workflow_log_level},
        "region": prices["region"],
        "prices_as_of": prices["prices_as_of"],
        "wcu_per_order": wcu,
        "rcu_per_order": rcu,
        "wcu_by_place": dict(sorted(wcu_by_place.items())),
        "wcu_by_operation": wcu_by_operation,
        "rcu_by_place": dict(sorted(rcu_by_place.items())),
        "hot_keys": hot[:6],
        "tables": tables,
        "lambdas": lambdas,
        "lambda_concurrency": concurrency,
        "concurrency_plan": planned,
        "workflow": {"starts_per_order": starts, "transitions": transitions, "duration_ms": execution_ms, "billed_ms": billed_ms, "log_bytes_per_order": sfn_log_bytes},
        "sqs_requests_per_order": sqs_requests,
        "events_per_order": events,
        "api_requests_per_order": api_requests,
        "log_bytes_per_order": log_bytes,
        "cost_per_1000": cost,
        "cost_per_1000_total": sum(cost.values()),
        # Fixed per stage with SnapStart on, not per order (decision 200).
        "snapstart": snapstart_cost(prices, memory, lambdas),
        "capacity": capacity,
    }


def _debounced(linear: float, skus: int, containers: dict[str, float]) -> tuple[float, str]:
    """A mark key's write units per second at the peak: what the run's count scales to, bounded by
    the debounce (each of its SKUs at most once per MARK_EVERY_SECONDS in each container: at the
    peak about the functions' modelled concurrency). A mark is one small item: 1 unit a write."""
    from shared.writeback.stock_marks import MARK_EVERY_SECONDS

    running = max(1.0, sum(containers.values()))
    bound = skus * running / MARK_EVERY_SECONDS
    who = ", ".join(containers) or "no function"
    note = f"stock-push marks, debounced: ≤ {skus} SKU(s) × {running:,.0f} {who} containers / {MARK_EVERY_SECONDS:g} s (linear {linear:,.0f}); depends on the SKU mix"
    return min(linear, bound), note


def _released_path_length(definition: dict[str, Any]) -> int:
    """States a released order passes through: at each Choice, the branch that leads on to
    the next task (the default, or the choice for an approved, routed order)."""
    preferred = ("APPROVED", "ROUTED", "start", "Start")
    name, seen = definition["StartAt"], 0
    while seen < 200:
        seen += 1
        state = definition["States"][name]
        if state["Type"] in ("Succeed", "Fail") or state.get("End"):
            return seen
        if state["Type"] == "Choice":
            choices = state.get("Choices", [])
            match = next((c["Next"] for c in choices if str(c.get("StringEquals", "")) in preferred), None)
            name = match or state.get("Default") or choices[0]["Next"]
        else:
            name = state["Next"]
    return seen


def _row(what: str, used: float, limit: float, detail: str) -> dict[str, Any]:
    return {"what": what, "at_peak": used, "quota": limit, "headroom": limit / used if used else math.inf, "detail": detail}
