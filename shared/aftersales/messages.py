"""The after-sales queue's messages: a refund read at intake (kind "refund"), or an event the
WMS put on the bus (detail-type InterceptResult or ReturnReceipt, delivered by a rule)."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.aftersales.domain import AfterSalesRequest

QUEUE_ENV = "AFTERSALES_QUEUE_URL"
DEAD_LETTER_QUEUE_ENV = "AFTERSALES_DEAD_LETTER_QUEUE_URL"
WMS_KINDS = ("InterceptResult", "ReturnReceipt")
# received_via["source"] of a refund read from its order's payload, not from its own message
# (decision 266): it makes the refund's record when there is none, and never moves its status.
SHOWN_ON_ORDER = "order_payload"


class RefundMessage(BaseModel, defer_build=True):
    """What the refund routes put on the after-sales queue: the request as read, and its way in."""

    kind: Literal["refund"] = "refund"
    request: AfterSalesRequest
    received_via: dict[str, str] = Field(default_factory=dict)

    def body(self) -> str:
        return self.model_dump_json()

    @property
    def shown_on_order(self) -> bool:
        return self.received_via.get("source") == SHOWN_ON_ORDER


def envelope(body: str) -> dict[str, Any]:
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("an after-sales message is a JSON object")
    return document
