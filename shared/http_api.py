"""What every REST handler answers the same way: input problems as 4xx naming each field and rule
(400 malformed, 401 unsigned, 413 too large, 422 unusable), unknown orders as 404, a store that
is down as 503 so the channel retries; never a 500 for anything a sender did."""

from __future__ import annotations

import base64
import json
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.shared.json_encoder import Encoder

from shared.errors import OrderNotFound, StoreUnavailable
from shared.operations.access import CONSOLE_PREFIX, Forbidden
from shared.payloads import load_json
from shared.problems import InputRejected, problems_from_validation
from shared.request_limits import MAX_BODY_BYTES

RETRY_AFTER_SECONDS = 5


def validation_problem(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return InputRejected(400, problems_from_validation(errors)).answer()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def build_resolver() -> APIGatewayRestResolver:
    # Chinese names and addresses travel as UTF-8 text, not \uXXXX escapes. The console's route
    # family (/console/...: Cognito users) reaches the same routes as the IAM one.
    app = APIGatewayRestResolver(
        enable_validation=True,
        serializer=partial(json.dumps, separators=(",", ":"), cls=Encoder, ensure_ascii=False),
        strip_prefixes=[CONSOLE_PREFIX],
    )

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return json_response(400, validation_problem(list(error.errors())))

    @app.exception_handler(InputRejected)
    def _rejected(error: InputRejected) -> Response:
        return json_response(error.status, error.answer())

    @app.exception_handler(OrderNotFound)
    def _not_found(error: OrderNotFound) -> Response:
        return json_response(404, {"message": str(error)})

    @app.exception_handler(Forbidden)
    def _forbidden(error: Forbidden) -> Response:
        return json_response(403, {"message": str(error), "errors": [{"field": "group", "rule": error.group, "message": str(error)}]})

    @app.exception_handler(StoreUnavailable)
    def _unavailable(error: StoreUnavailable) -> Response:
        return json_response(503, {"message": "oms is busy; nothing was stored, send the request again"}, {"Retry-After": str(RETRY_AFTER_SECONDS)})

    return app


def raw_body(event: dict[str, Any]) -> bytes:
    """The body's bytes as the sender sent them (what a webhook signature is computed over)."""
    body = event.get("body") or ""
    return base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8", "surrogatepass")


def unreadable_body(event: dict[str, Any], max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any] | None:
    """An API Gateway proxy answer for a body oms cannot read (too large, not UTF-8), or None.

    Checked before routing so that such a body never reaches a parser (and never becomes a 500)."""
    try:
        raw = raw_body(event)
    except ValueError:
        return _proxy_answer(InputRejected.one(400, "body", "base64", "the body is marked base64 but is not"))
    if len(raw) > max_bytes:
        return _proxy_answer(InputRejected.one(413, "body", "max_size", f"the body is larger than {max_bytes} bytes"))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return _proxy_answer(InputRejected.one(400, "body", "utf8", f"the body is not valid UTF-8 (byte {error.start})"))
    return None


def unparsable_json(event: dict[str, Any]) -> dict[str, Any] | None:
    """A proxy answer for a body whose JSON cannot be read safely (too deep, numbers too long),
    checked before a resolver's own JSON parsing turns it into a 500; or None."""
    try:
        load_json(raw_body(event) or b"null")
    except InputRejected as refused:
        return _proxy_answer(refused)
    return None


def _proxy_answer(refused: InputRejected) -> dict[str, Any]:
    return {"statusCode": refused.status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(refused.answer(), ensure_ascii=False)}
