"""A refund or cancellation that came before its order (decision 264).

Channels deliver at least once and in any order: a cancellation's webhook may come seconds, or
hours, before the order's own (a webhook retried by the platform, an order only reconciliation
finds). Dead-lettering the request at once let the order, when it came, be routed, released and
shipped as if never cancelled, until a person redrove the message.

Now the request is kept beside the order's future items (shared/aftersales/store.py) and its
message is delivered again a few times (SQS); intake sends a kept request again as soon as it
stores the order, so it applies before the order is routed. Only when the order has not come by
the last of those deliveries does the message go to the dead-letter queue, with the reason: the
order is missing from oms (漏单?) and a person should reconcile the shop. The request stays kept
either way, so the order, whenever it comes, is still cancelled or amended."""

from __future__ import annotations

from shared.aftersales.domain import OrderNotYetReceived, WaitingForOrder
from shared.aftersales.messages import RefundMessage
from shared.aftersales.usecases import AfterSales
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.clock import now_iso
from shared.lifecycle import Actor

# The delivery on which a request whose order has not come goes to the dead-letter queue; below the
# queue's maxReceiveCount (5, infra/topology.py), so it goes there with its reason, not by SQS.
LAST_DELIVERY = 4


def apply_or_wait(message: RefundMessage, delivery: int, actor: Actor, deps: AfterSales) -> str:
    """apply_refund's outcome, once the order is there. Raises WaitingForOrder (deliver again
    later) or, from the LAST_DELIVERY on, OrderNotYetReceived (the dead-letter queue)."""
    request = message.request
    try:
        outcome = apply_refund(request, actor, deps, news=not message.shown_on_order)
    except OrderNotYetReceived:
        deps.records.keep_waiting(request.order_id, request.refund_id, message.body(), now_iso())
    else:
        if delivery > 1:  # an earlier delivery may have kept it, and intake looked before it was kept
            deps.records.forget_waiting(request.order_id, request.refund_id, message.body())
        return outcome
    try:  # kept first, then looked for again: intake stores the order, then looks for what waits
        outcome = apply_refund(request, actor, deps, news=not message.shown_on_order)
    except OrderNotYetReceived as missing:
        if delivery >= LAST_DELIVERY:
            raise OrderNotYetReceived(f"{missing.reason} after {delivery} deliveries; kept: it applies when the order comes (reconcile the shop)") from None
        raise WaitingForOrder(f"{missing.reason}: kept, delivered again later (delivery {delivery} of {LAST_DELIVERY})") from None
    deps.records.forget_waiting(request.order_id, request.refund_id, message.body())  # it came meanwhile
    return outcome
