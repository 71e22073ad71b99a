"""Poison messages: a queue consumer that finds a message it can never process sends it to the
queue's dead-letter queue itself, with the reason in message attributes, and reports the record
as done. Retrying it would only delay the DLQ alarm and hide why; an operator reads the reason,
fixes the cause (a missing SKU mapping, a partner's malformed event) and redrives."""

from __future__ import annotations

from typing import Any

from shared.aws.clients import client, resource_name
from shared.problems import Problem

_ATTRIBUTE_LIMIT = 1024  # keep the reason short: attributes count against SQS's 256 KB


def dead_letter(queue_env: str, body: str, *, reason: str, problems: list[Problem] | None = None, source: dict[str, str] | None = None) -> None:
    """`queue_env` names the dead-letter queue's URL variable (topology: <queue>_DEAD_LETTER_QUEUE_URL)."""
    attributes: dict[str, Any] = {"reason": _text(reason)}
    if problems:
        attributes["fields"] = _text(", ".join(sorted({p.field for p in problems})))
        attributes["rules"] = _text(", ".join(sorted({p.rule for p in problems})))
    for name, value in (source or {}).items():
        attributes[name] = _text(value)
    client("sqs").send_message(QueueUrl=resource_name(queue_env), MessageBody=body, MessageAttributes=attributes)


def _text(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value[:_ATTRIBUTE_LIMIT] or "-"}
