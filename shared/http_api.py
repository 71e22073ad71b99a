"""What every REST handler answers the same way: validation errors as 400 naming each field and
rule, oversize bodies as 413, unknown orders as 404."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from shared.errors import OrderNotFound

MAX_BODY_BYTES = 256 * 1024  # an order with 500 lines is ~80 KB; a promotion must not take more


def field_path(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_problem(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "message": "the request is invalid; nothing was stored",
        "errors": [
            {"field": field_path(tuple(e.get("loc", ()))), "rule": e.get("type", "invalid"), "message": e.get("msg", "")}
            for e in errors
        ],
    }


def json_response(status: int, body: Any) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def build_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return json_response(400, validation_problem(list(error.errors())))

    @app.exception_handler(OrderNotFound)
    def _not_found(error: OrderNotFound) -> Response:
        return json_response(404, {"message": str(error)})

    return app


def too_large(event: dict[str, Any]) -> dict[str, Any] | None:
    """An API Gateway proxy answer for an oversize body, or None when the size is fine."""
    body = event.get("body") or ""
    if len(body.encode("utf-8", "surrogatepass")) <= MAX_BODY_BYTES:
        return None
    return {
        "statusCode": 413,
        "headers": {"Content-Type": "application/json"},
        "body": f'{{"message": "the body is larger than {MAX_BODY_BYTES} bytes; nothing was stored"}}',
    }
