"""What every REST handler answers the same way: validation errors as 400 naming each field and
rule, oversize bodies as 413, unknown orders as 404."""

from __future__ import annotations

import base64
import json
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


def unreadable_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """An API Gateway proxy answer for a body oms cannot read (too large, not UTF-8), or None.

    Checked before routing so that such a body never reaches a parser (and never becomes a 500)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            return _problem(400, "body", "base64", "the body is marked base64 but is not")
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        return _problem(413, "body", "max_size", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return _problem(400, "body", "utf8", f"the body is not valid UTF-8 (byte {error.start})")
    return None


def _problem(status: int, field: str, rule: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(
            {"message": "the request is invalid; nothing was stored", "errors": [{"field": field, "rule": rule, "message": message}]}
        ),
    }
