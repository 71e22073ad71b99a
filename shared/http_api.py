"""What every REST handler answers the same way: every 4xx (and the 503) in one shape,
`{"message", "errors": [{"field", "rule", "message"}]}` (docs/architecture.md, "Errors"): 400
malformed, 401 unsigned, 404 unknown, 409 conflicting, 413 too large, 415 not JSON, 422 unusable,
503 busy. Every body-reading route shares the same limits (size, UTF-8, media type, JSON depth),
checked before routing so a hostile body never reaches a parser; never a 500 for anything a
sender did. JSON answers carry UTF-8 text (Chinese as Chinese, not \\uXXXX escapes)."""

from __future__ import annotations

import base64
import json
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.shared.json_encoder import Encoder

from shared.clock import iso_bound
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


def error_body(message: str, field: str, rule: str) -> dict[str, Any]:
    """The one error shape, for an answer with a single problem (404, 409, 415, 503...)."""
    return {"message": message, "errors": [{"field": field, "rule": rule, "message": message}]}


def error_response(status: int, message: str, field: str, rule: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, error_body(message, field, rule), headers)


def dumps(value: Any) -> str:
    """JSON as every handler writes it: compact, UTF-8 text (no \\uXXXX), Decimal and pydantic aware."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, cls=Encoder)


def build_resolver() -> APIGatewayRestResolver:
    # Chinese names and addresses travel as UTF-8 text, not \uXXXX escapes (dumps). The console's
    # route family (/console/...: Cognito users) reaches the same routes as the IAM one.
    app = APIGatewayRestResolver(enable_validation=True, serializer=partial(dumps), strip_prefixes=[CONSOLE_PREFIX])

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return json_response(400, validation_problem(list(error.errors())))

    @app.exception_handler(RequestUnsupportedContentType)
    def _media_type(error: RequestUnsupportedContentType) -> Response:
        return error_response(415, "the body must be JSON (Content-Type: application/json)", "Content-Type", "media_type")

    @app.exception_handler(InputRejected)
    def _rejected(error: InputRejected) -> Response:
        return json_response(error.status, error.answer())

    @app.exception_handler(OrderNotFound)
    def _not_found(error: OrderNotFound) -> Response:
        return error_response(404, str(error), "order_id", "not_found")

    @app.exception_handler(ServiceError)  # Powertools' own: no such route (404), and the like
    def _service_error(error: ServiceError) -> Response:
        message = error.msg if isinstance(error.msg, str) else json.dumps(error.msg, ensure_ascii=False)
        return error_response(int(error.status_code), message, "path", "not_found" if int(error.status_code) == 404 else "refused")

    @app.exception_handler(Forbidden)
    def _forbidden(error: Forbidden) -> Response:
        return error_response(403, str(error), "group", error.group)

    @app.exception_handler(StoreUnavailable)
    def _unavailable(error: StoreUnavailable) -> Response:
        return error_response(503, "oms is busy; nothing was stored, send the request again", "store", "unavailable", {"Retry-After": str(RETRY_AFTER_SECONDS)})

    return app


def serve(app: APIGatewayRestResolver, event: dict[str, Any], context: Any, *, max_bytes: int = MAX_BODY_BYTES, json_body: bool = True) -> dict[str, Any]:
    """What every HTTP handler does: the shared body limits first, then the route."""
    return body_refused(event, max_bytes=max_bytes, json_body=json_body) or app.resolve(without_bom(event) if json_body else event, context)


UTF8_BOM = b"\xef\xbb\xbf"
_BOM_BASE64 = "77u/"  # base64 of the mark: a base64 body that starts with it starts with the mark


def without_bom(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its JSON body's UTF-8 byte order mark dropped. RFC 8259 lets a parser ignore
    it and the door's check (unparsable_json) and the webhooks' parsers do; the resolver's own
    json.loads of the text refused it ("JSON decode error" at field "0"), so a body POST /orders
    took was refused by every other route."""
    body = event.get("body") or ""
    if not body.startswith(_BOM_BASE64 if event.get("isBase64Encoded") else "\ufeff"):
        return event  # every other request: the body is not decoded again
    return {**event, "body": raw_body(event)[len(UTF8_BOM) :].decode("utf-8"), "isBase64Encoded": False}


def body_refused(event: dict[str, Any], *, max_bytes: int = MAX_BODY_BYTES, json_body: bool = True) -> dict[str, Any] | None:
    """A proxy answer for a body no route may read (too large, not UTF-8; for JSON routes: not
    declared JSON, nested too deep, not JSON at all), or None."""
    refused = unreadable_body(event, max_bytes)
    if refused or not json_body or not event.get("body"):
        return refused
    return wrong_media_type(event) or unparsable_json(event)


def wrong_media_type(event: dict[str, Any]) -> dict[str, Any] | None:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    declared = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if declared in ("", content_types.APPLICATION_JSON) or declared.endswith("+json"):
        return None
    return _proxy(415, error_body(f"the body must be JSON (Content-Type: application/json), not {declared}", "Content-Type", "media_type"))


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


def query_time(value: str | None, name: str, *, end: bool = False) -> str | None:
    """A listing's time bound from the query string, as the stored times are written
    (shared.clock.iso_bound); anything else is a 400 on `query.<name>`."""
    if value is None:
        return None
    try:
        return iso_bound(value, end=end, name=name)
    except ValueError as error:
        raise InputRejected.one(400, f"query.{name}", "iso_datetime", str(error)) from None


LOCAL_OPERATOR_HEADER = "x-operator"  # honoured only where no IAM identity signed the request (local runtime)


def operator_of(app: APIGatewayRestResolver) -> str:
    """Who asks: the IAM identity that signed the request; locally, the X-Operator header."""
    identity = app.current_event.request_context.identity
    signed = identity.user_arn or identity.caller or identity.user
    if signed:
        return signed
    headers = app.current_event.headers
    return headers.get(LOCAL_OPERATOR_HEADER) or headers.get("X-Operator") or "anonymous (local)"


def unparsable_json(event: dict[str, Any]) -> dict[str, Any] | None:
    """A proxy answer for a body whose JSON cannot be read safely (too deep, numbers too long),
    checked before a resolver's own JSON parsing turns it into a 500; or None."""
    try:
        load_json(raw_body(event) or b"null")
    except InputRejected as refused:
        return _proxy_answer(refused)
    return None


def _proxy_answer(refused: InputRejected) -> dict[str, Any]:
    return _proxy(refused.status, refused.answer())


def _proxy(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": dumps(body)}
