"""Where the CPU of one DynamoDB request goes on the local runtime: the client's side and moto's.

A local order makes about 45 DynamoDB requests (benchmarks/data/aws_footprint_tally.json); each
goes from a boto3 client through botocore (validation, serialisation, endpoint ruleset, events,
signing, the answer's parsing) and the in-process transport (local/transport.py) to moto's view
(request parsing, the table's work, the answer's serialisation). This starts a LocalRuntime,
makes a table with its orders table's keys and indexes but no stream (no consumer runs beside
the measurement), writes N order-like items to it (an order's META: ~0.5 KB with three lines), then
times N of each request kind on this thread's CPU clock and splits it with the transport's count
of the CPU spent inside moto's application (`transport.server_cpu_seconds`): what is left is the
client's side. Each kind runs `--rounds` times; the median round is printed. Usage:

  python -m benchmarks.local_calls [--requests 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from local import transport
from local.runtime import LocalRuntime


def _meta(i: int) -> dict[str, Any]:
    line = {"M": {"sku": {"S": "SKU-TEA-001"}, "quantity": {"N": "2"}, "unit_price": {"S": "59.00"}, "channel_sku": {"S": "6512345:4401"}}}
    return {
        "pk": {"S": f"ORDER#BENCH-{i}"},
        "sk": {"S": "META"},
        "status": {"S": "RECEIVED"},
        "version": {"N": "1"},
        "channel": {"S": "tmall"},
        "updated_at": {"S": "2026-11-11T00:00:01+00:00"},
        "fingerprint": {"S": "f" * 64},
        "lines": {"L": [line, line, line]},
    }


def _timed(kind: str, call: Callable[[int], Any], requests: int, rounds: int) -> tuple[str, float, float]:
    totals, inside = [], []
    for _ in range(rounds):
        server, started = transport.server_cpu_seconds(), time.thread_time()
        for i in range(requests):
            call(i)
        totals.append((time.thread_time() - started) / requests * 1000)
        inside.append((transport.server_cpu_seconds() - server) / requests * 1000)
    middle = sorted(range(rounds), key=lambda r: totals[r])[rounds // 2]
    return kind, totals[middle], inside[middle]


def _scratch_copy(db: Any, of: str) -> str:
    """A new table with `of`'s key schema and global indexes, without its stream."""
    described = db.describe_table(TableName=of)["Table"]
    indexes = [
        {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
        for i in described.get("GlobalSecondaryIndexes", [])
    ]
    name = f"{of}-bench-calls"
    db.create_table(
        TableName=name,
        KeySchema=described["KeySchema"],
        AttributeDefinitions=described["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
        **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
    )
    return name


def run(requests: int, rounds: int) -> list[tuple[str, float, float]]:
    with LocalRuntime(log_level="ERROR") as runtime:
        db = runtime.client("dynamodb")
        table = _scratch_copy(db, next(name for name in db.list_tables()["TableNames"] if name.endswith("orders")))
        key = lambda i: {"pk": {"S": f"ORDER#BENCH-{i}"}, "sk": {"S": "META"}}  # noqa: E731
        rows = [_timed("PutItem", lambda i: db.put_item(TableName=table, Item=_meta(i)), requests, rounds)]
        rows.append(_timed("GetItem", lambda i: db.get_item(TableName=table, Key=key(i), ConsistentRead=True), requests, rounds))
        rows.append(
            _timed(
                "Query",
                lambda i: db.query(TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": f"ORDER#BENCH-{i}"}}, ConsistentRead=True),
                requests,
                rounds,
            )
        )
        rows.append(
            _timed(
                "UpdateItem",
                lambda i: db.update_item(
                    TableName=table,
                    Key=key(i),
                    UpdateExpression="SET #s = :s, version = version + :one",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": {"S": "APPROVED"}, ":one": {"N": "1"}},
                ),
                requests,
                rounds,
            )
        )
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = run(args.requests, args.rounds)
    print(f"CPU per DynamoDB request on the local runtime (this thread's clock; median of {args.rounds} rounds of {args.requests})")
    print(f"{'request':<11} {'total ms':>9} {'inside moto ms':>15} {'client side ms':>15} {'client share':>13}")
    for kind, total, inside in rows:
        print(f"{kind:<11} {total:>9.2f} {inside:>15.2f} {total - inside:>15.2f} {(total - inside) / total:>12.0%}")
    print(f"all kinds: client side {statistics.mean(t - i for _, t, i in rows):.2f} ms a request on average")


if __name__ == "__main__":
    main()
