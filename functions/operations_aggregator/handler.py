"""Counts each order change from the order store's stream into the operations aggregates (health
index, KPIs, the console's figures), once per change. A batch that fails reports its first
uncounted record; the stream retries from there and, after its retries, sends the batch's
coordinates to the failure queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.stores import operations_store
from shared.observability import logger
from shared.operations.stream import change_of, sequence_number, stream_id
from shared.operations.usecases import AggregationFailed, aggregate




@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
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
        counted = aggregate(changes, operations_store(), [sequence_number(records[p]) for p in positions], stream_id(records[0]) if records else "")
    except AggregationFailed as failed:
        logger.warning("order changes not counted", extra={"error": str(failed.cause)})
        return {"batchItemFailures": [{"itemIdentifier": sequence_number(records[positions[failed.first_failed]])}]}
    logger.info("order changes counted", extra={"records": len(records), "changes": len(changes), "counted": counted})
    return {"batchItemFailures": [{"itemIdentifier": records_failed}] if records_failed else []}
