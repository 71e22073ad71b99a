"""ERP batch import of a CSV of order lines: posted to POST /channels/erp/imports (the report is
the answer), or dropped in the import bucket under incoming/ (S3 → SQS → here; the report is
written under reports/). Good orders are accepted, bad rows reported, nothing half-imported."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from shared.aftersales.waiting import send_again
from shared.aws.import_files import ImportFileTooLarge, write_report
from shared.aws.messaging import enqueue_for_fulfilment
from shared.aws.notified_files import notified_objects, read_notified
from shared.aws.stores import catalog_store, order_store
from shared.channels.erp_csv import read_batch
from shared.http_api import build_resolver, json_response, raw_body, serve
from shared.observability import logger
from shared.openapi_contract import document
from shared.problems import InputRejected, Problem
from shared.request_limits import MAX_IMPORT_BODY_BYTES, MAX_IMPORT_FILE_BYTES, MAX_IMPORT_ROWS_PER_FILE, MAX_IMPORT_ROWS_PER_REQUEST
from shared.usecases.import_orders import ImportReport, import_batch
from shared.sqs_batch import QueueMessage, process_partial_response

DEAD_LETTER_QUEUE_ENV = "ERP_IMPORT_FILES_DEAD_LETTER_QUEUE_URL"
IMPORT_ROUTE = "/channels/erp/imports"

app = build_resolver()


class FileRefused(BaseModel):
    """The report of a file oms could not read at all: nothing of it was imported."""

    source: str
    errors: list[Problem]


@app.post(IMPORT_ROUTE, summary="Import a CSV of ERP orders (text/csv, UTF-8); answers with the per-row report")
def post_import():
    text = raw_body(app.current_event.raw_event).decode("utf-8")  # UTF-8 checked before routing
    report = _import(text, f"POST {IMPORT_ROUTE}", MAX_IMPORT_ROWS_PER_REQUEST)
    if report.orders_accepted:
        return json_response(202, report.model_dump(mode="json"))
    # 422 when no order of the file was importable: nothing was stored. The shared error shape, with the report.
    problems = [{"field": f"rows.{r.row}.{p.field}", "rule": p.rule, "message": p.message} for r in report.rejected for p in r.errors]
    return json_response(422, {"message": "no order of the file could be imported; nothing was stored", "errors": problems, **report.model_dump(mode="json")})


def import_dropped_file(record: QueueMessage) -> None:
    for bucket, key in notified_objects(record.body, record.message_id, DEAD_LETTER_QUEUE_ENV):
        try:
            data = read_notified(bucket, key, MAX_IMPORT_FILE_BYTES, record.body, record.message_id, DEAD_LETTER_QUEUE_ENV)
        except ImportFileTooLarge as too_large:
            _report(bucket, key, FileRefused(source=key, errors=[Problem(field="file", rule="max_size", message=str(too_large))]))
            continue
        if data is None:  # deleted since: dead-lettered with the reason
            continue
        try:
            report: BaseModel = _import(data.decode("utf-8"), key, MAX_IMPORT_ROWS_PER_FILE)
        except UnicodeDecodeError as error:
            report = FileRefused(source=key, errors=[Problem(field="file", rule="utf8", message=f"the file is not UTF-8 (byte {error.start}); export it as UTF-8")])
        except InputRejected as refused:
            report = FileRefused(source=key, errors=refused.problems)
        _report(bucket, key, report)


def _import(text: str, source: str, max_rows: int) -> ImportReport:
    batch = read_batch(text, max_rows)
    report = import_batch(batch, source, catalog_store(), order_store(), enqueue_for_fulfilment, send_waiting=send_again)
    logger.info("import done", extra={"source": source, "rows": report.rows, "orders": report.orders_accepted, "rows_rejected": report.rows_rejected})
    return report


def _report(bucket: str, key: str, report: BaseModel) -> None:
    written = write_report(bucket, key, report.model_dump_json(indent=2))
    logger.info("import report written", extra={"file": key, "report": written})


ANSWERS = {
    f"POST {IMPORT_ROUTE}": {
        202: "at least one order imported: the per-row report (accepted, rejected, warnings)",
        400: "the file is unusable: not CSV, missing or unknown columns, no rows, not UTF-8",
        413: f"the body is larger than {MAX_IMPORT_BODY_BYTES} bytes or has more than {MAX_IMPORT_ROWS_PER_REQUEST} rows (use the import bucket)",
        422: "no order of the file could be imported (nothing stored): the error shape plus the per-row report",
    }
}


def openapi_document(title: str, description: str) -> dict[str, Any]:
    csv = {"text/csv": {"schema": {"type": "string", "description": "UTF-8 CSV, first row the column names (docs/data-model.md)"}}}
    return document(app, title=title, description=description, answers=ANSWERS, raw_bodies={f"POST {IMPORT_ROUTE}": csv})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:  # the import bucket's notifications, through the queue
        return process_partial_response(event=event, record_handler=import_dropped_file, context=context)
    return serve(app, event, context, max_bytes=MAX_IMPORT_BODY_BYTES, json_body=False)
