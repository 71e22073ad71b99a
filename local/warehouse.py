"""A warehouse for the local runtime: it takes the outbound notes (出库单) and their voids off the
WMS outbound queue and acknowledges each, as the WMS connector does on AWS (it pulls the FIFO
queue and deletes what it has taken over). Without it nobody reads the queue locally, and every
note the runtime ever released stays queued, in moto's memory, for the life of the process.

Off by default: the tests and the demo read the queue themselves (what was sent, each note once).
`LocalRuntime(warehouse=True)` turns it on (benchmarks/workflow_throughput.py's memory pass). It
ships nothing: a shipment is the parcel updates' business (WMS → parcel_updates queue)."""

from __future__ import annotations

import threading
from typing import Any

from local.sqs_poller import SqsPoller

FUNCTION_NAME = "local-warehouse"


class NoteCounter:
    """The handler the warehouse's poller calls: it counts the notes it took (each batch succeeds,
    so the poller deletes every message of it, at least once as SQS delivers)."""

    def __init__(self) -> None:
        self.notes = 0
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.notes += len(event["Records"])
        return {"batchItemFailures": []}


def local_warehouse(sqs: Any, queue_url: str, queue_arn: str) -> tuple[SqsPoller, NoteCounter]:
    """A started poller that acknowledges the queue's notes, and its count of them."""
    counter = NoteCounter()
    poller = SqsPoller(sqs, queue_url, queue_arn, FUNCTION_NAME, counter, batch_size=10, concurrency=1)
    poller.start()
    return poller, counter
