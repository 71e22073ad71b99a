"""POST /orders: validate a canonical order, store it once, queue it, answer 202 with its id."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.messaging import enqueue_for_fulfilment
from shared.aws.stores import order_store
from shared.http_api import build_resolver, json_response, unreadable_body
from shared.observability import logger, metrics
from shared.orders import OrderIn
from shared.usecases.accept_order import Acceptance, accept_order

app = build_resolver()



@app.post("/orders", summary="Accept an order from a channel", responses={202: {"description": "accepted"}})
def post_order(order: Annotated[OrderIn, Body()]):
    acceptance: Acceptance = accept_order(order, order_store(), enqueue_for_fulfilment)
    logger.append_keys(order_id=acceptance.order_id)
    logger.info("order accepted", extra={"duplicate": acceptance.duplicate, "channel": order.channel.value})
    metrics.add_metric(name="OrdersDuplicate" if acceptance.duplicate else "OrdersAccepted", unit="Count", value=1)
    return json_response(202, acceptance.model_dump(mode="json"))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable_body(event) or app.resolve(event, context)
