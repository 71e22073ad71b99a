"""Counts each order change from the order store's stream into the operations aggregates (health
index, KPIs, the console's figures), once per change. A batch that fails reports its first
uncounted record; the stream retries from there and, after its retries, sends the batch's
coordinates to the failure queue.

The mapping has a tumbling window (infra/topology.py) for the one thing its events carry then:
the batch's shard, which names the lane the changes are counted in (decision 239). A windowed
invocation must answer with a `state` (none is kept: {}), or Lambda takes it as failed; the
window's final invocation has no records."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import operations_store
from shared.observability import logger
from shared.operations.lanes import lane_of
from shared.operations.stream import change_of, sequence_number, stream_id
from shared.operations.usecases import AggregationFailed, aggregate


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = _count(event)
    return {"state": {}, **answer} if "shardId" in event else answer


def _count(event: dict[str, Any]) -> dict[str, Any]:
    records = event.get("Records") or []
    shard = event.get("shardId")
    lane = lane_of(str(event.get("eventSourceARN") or (records[0].get("eventSourceARN", "") if records else "")), shard) if shard else None
    changes, positions = [], []
    for position, record in enumerate(records):
        try:
            change = change_of(record)
        except (KeyError, ValueError) as error:  # an order item oms cannot read: retry, then the failure queue
            logger.error("order change unreadable", extra={"sequence_number": record.get("dynamodb", {}).get("SequenceNumber"), "error": str(error)})
            records_failed = sequence_number(record)
            break
        if change is not None:
            changes.append(change)
            positions.append(position)
    else:
        records_failed = None
    try:
        counted = aggregate(changes, operations_store(), [sequence_number(records[p]) for p in positions], stream_id(records[0]) if records else "", lane)
    except AggregationFailed as failed:
        logger.warning("order changes not counted", extra={"error": str(failed.cause)})
        return {"batchItemFailures": [{"itemIdentifier": sequence_number(records[positions[failed.first_failed]])}]}
    logger.info("order changes counted", extra={"records": len(records), "changes": len(changes), "counted": counted, "lane": lane})
    return {"batchItemFailures": [{"itemIdentifier": records_failed}] if records_failed else []}
