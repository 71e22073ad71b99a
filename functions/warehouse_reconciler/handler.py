"""WMS shipped lists queue consumer (S3 notifications of the WMS reports bucket): each list
shipped/<warehouse_id>/<YYYY-MM-DD>.csv is compared with oms's outbound notes."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.dead_letters import dead_letter
from shared.aws.notified_files import notified_objects, read_notified
from shared.aws.stores import inventory_store, order_store
from shared.observability import logger, metrics
from shared.reconciliation.metrics import emit_difference_metrics
from shared.reconciliation.stores import reconciliation_store
from shared.reconciliation.usecases.check_warehouse import check_shipped_list
from shared.reconciliation.warehouse import read_shipped_list
from shared.sqs_batch import QueueMessage, process_partial_response
from shared.usecases.parcel_updates import ParcelUpdate

DEAD_LETTER_QUEUE_ENV = "WMS_SHIPPED_LISTS_DEAD_LETTER_QUEUE_URL"
ANNOUNCED_AS = "wms.reconciliation"  # a wms.* source: the rules that take the WMS's parcel events take it
MAX_LIST_BYTES = 50 * 1024 * 1024


def check_list(record: QueueMessage) -> None:
    for bucket, key in notified_objects(record.body, record.message_id, DEAD_LETTER_QUEUE_ENV):
        data = read_notified(bucket, key, MAX_LIST_BYTES, record.body, record.message_id, DEAD_LETTER_QUEUE_ENV)
        if data is None:  # deleted since: dead-lettered with the reason
            continue
        try:
            shipped = read_shipped_list(key, data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as error:  # a file oms cannot read at all: a person looks
            dead_letter(DEAD_LETTER_QUEUE_ENV, record.body, reason=f"s3://{bucket}/{key}: {error}", source={"message_id": record.message_id})
            continue
        run = check_shipped_list(shipped, reconciliation_store(), order_store(), inventory_store(), announce=_announce)
        emit_difference_metrics(run.differences, run.needs_person)
        logger.info("wms shipped list checked", extra={"key": key, "run_id": run.run_id, "rows": len(shipped.rows), "differences": run.differences})


def _announce(update: ParcelUpdate) -> None:
    """The ParcelShipped the WMS's delivery lost, on the bus as the WMS puts it: the parcel-updates
    consumer writes it back to the channel, customer notices text the buyer its tracking number."""
    from shared.aws.messaging import announce_as

    announce_as(ANNOUNCED_AS, "ParcelShipped", update.model_dump(mode="json", exclude_none=True))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=check_list, context=context)
