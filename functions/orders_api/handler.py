"""Operations API: GET /orders/{order_id} returns the order with its timeline and outbound notes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.order_store import OrderDetails
from shared.aws.stores import order_store
from shared.http_api import build_resolver
from shared.observability import logger

app = build_resolver()



@app.get("/orders/<order_id>", summary="One order with its lines, outbound notes and timeline")
def get_order(order_id: str) -> OrderDetails:
    logger.append_keys(order_id=order_id)
    return order_store().details(order_id)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
