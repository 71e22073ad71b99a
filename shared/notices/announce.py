"""The events the notices hang on where nothing published one: the order passed review
(OrderAccepted, by the review step or an operator's approval) and it waits for stock
(OrderBackordered, by the routing step). Stable event ids: a retried step publishes the same
fact again and the notice is still sent once."""

from __future__ import annotations

from shared.aws.messaging import publish
from shared.events import OrderAccepted, OrderBackordered


def announce_accepted(order_id: str, by: str) -> None:
    publish([OrderAccepted(event_id=f"{order_id}:accepted", order_id=order_id, by=by)])


def announce_backordered(order_id: str) -> None:
    publish([OrderBackordered(event_id=f"{order_id}:backordered", order_id=order_id)])
