"""Moves the messages of a dead-letter queue back to its source queue after a fix (runbook: DLQ
redrive), reporting counts. Receive, send, delete: a message leaves the DLQ only once its copy is
in the source queue, so a failure part-way loses nothing (at worst a message is sent twice, which
every consumer tolerates: SQS is at-least-once anyway). The reason attributes oms's consumers add
when they dead-letter a message are dropped: if it fails again it gets a fresh reason.

SQS's own redrive (StartMessageMoveTask, the console's "Start DLQ redrive") does the same on AWS
without counts per call; moto does not run it, and this works the same in both places."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_REASON_ATTRIBUTES = {"reason", "fields", "rules"}  # shared/aws/dead_letters.py


class RedriveReport(BaseModel):
    dead_letter_queue: str
    source_queue: str
    moved: int = 0
    failed: int = 0  # sent back refused by SQS: they stay in the dead-letter queue
    left: int = 0  # still in the dead-letter queue afterwards (visible or in flight)


def redrive(sqs: Any, dead_letter_url: str, source_url: str, max_messages: int | None = None) -> RedriveReport:
    report = RedriveReport(dead_letter_queue=dead_letter_url, source_queue=source_url)
    while max_messages is None or report.moved + report.failed < max_messages:
        wanted = 10 if max_messages is None else min(10, max_messages - report.moved - report.failed)
        batch = sqs.receive_message(
            QueueUrl=dead_letter_url, MaxNumberOfMessages=wanted, MessageAttributeNames=["All"], VisibilityTimeout=60, WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            break
        entries = []
        for i, message in enumerate(batch):
            attributes = {k: v for k, v in message.get("MessageAttributes", {}).items() if k not in _REASON_ATTRIBUTES}
            entries.append({"Id": str(i), "MessageBody": message["Body"], **({"MessageAttributes": attributes} if attributes else {})})
        sent = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
        done = {entry["Id"] for entry in sent.get("Successful", [])}
        report.failed += len(batch) - len(done)
        if done:
            sqs.delete_message_batch(
                QueueUrl=dead_letter_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch) if str(i) in done],
            )
            report.moved += len(done)
        if len(done) < len(batch):
            break  # SQS refuses sends: stop rather than spin; the rest stays put
    attributes = sqs.get_queue_attributes(
        QueueUrl=dead_letter_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    report.left = int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
    return report
