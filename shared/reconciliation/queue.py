"""The reconciliation runs queue: a run request per message (the scheduler, the API and the runner
itself when a run must continue later or wait for the shop's lease)."""

from __future__ import annotations

from shared.aws.clients import client, resource_name
from shared.reconciliation.domain import RunRequest

RUNS_QUEUE_ENV = "RECONCILIATION_RUNS_QUEUE_URL"
MAX_DELAY_SECONDS = 900  # SQS's limit


def request_run(request: RunRequest, delay_seconds: int = 0) -> None:
    client("sqs").send_message(
        QueueUrl=resource_name(RUNS_QUEUE_ENV),
        MessageBody=request.model_dump_json(),
        DelaySeconds=max(0, min(delay_seconds, MAX_DELAY_SECONDS)),
    )
