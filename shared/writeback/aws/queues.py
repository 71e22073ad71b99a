"""The per-channel write-back queues: one message per write-back or stock push, delayed for a
retry's backoff (SQS holds a message back for up to 900 s), and the queue's dead-letter queue
for one given up on, with the reason."""

from __future__ import annotations

import json
from typing import Any

from shared.aws.clients import client, resource_name
from shared.aws.dead_letters import dead_letter
from shared.writeback.channels import queue_env

MAX_DELAY_SECONDS = 900


def send(channel: str, message: dict[str, Any], delay_seconds: float = 0) -> None:
    client("sqs").send_message(
        QueueUrl=resource_name(queue_env(channel)),
        MessageBody=json.dumps(message, ensure_ascii=False),
        DelaySeconds=max(0, min(MAX_DELAY_SECONDS, round(delay_seconds))),
    )


def give_up(channel: str, message: dict[str, Any], reason: str) -> None:
    dead_letter(queue_env(channel).removesuffix("_QUEUE_URL") + "_DEAD_LETTER_QUEUE_URL", json.dumps(message, ensure_ascii=False), reason=reason, source={"channel": channel})
