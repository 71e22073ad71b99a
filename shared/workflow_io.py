"""What the fulfilment workflow passes to each task (see statemachines/order_fulfilment.asl.json)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class OrderRef(BaseModel, defer_build=True):
    order_id: str = Field(min_length=1)


class RouteRequest(OrderRef):
    route_attempt: int = Field(default=0, ge=0)


class ExceptionRequest(OrderRef):
    error: dict[str, Any] = Field(default_factory=dict)  # the Catch output: {"Error", "Cause"}
