"""The OpenAPI document of an HTTP function as the API really answers: Powertools' document of the
handler's routes and models, with every status a route answers (the shared error shape for each
4xx and the 503), the request bodies read raw (signed webhooks, CSV) and the security schemes
(IAM SigV4; the webhooks' HMAC-SHA256 signature). One place, used by `make openapi` and by
GET /rulesets/openapi, so the documents and the behaviour cannot drift apart (schemathesis runs
them against the local runtime in tests/e2e/test_schemathesis_contract.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from shared.http_api import serve
from shared.observability import logger

# "POST /orders/{order_id}/cancel" -> {status: what it means}; the statuses every route of its kind
# answers (below) need not be repeated.
Answers = Mapping[str, Mapping[int, str]]

ERROR_REF = {"$ref": "#/components/schemas/ErrorAnswer"}
ERROR_SCHEMAS = {
    "Problem": {
        "type": "object",
        "required": ["field", "rule", "message"],
        "properties": {
            "field": {"type": "string", "description": "Where: a field path (lines.0.quantity), a header, a query parameter, 'body'"},
            "rule": {"type": "string", "description": "Which rule it broke, stable for programs (greater_than_equal, json_too_deep, not_found...)"},
            "message": {"type": "string", "description": "For people"},
        },
    },
    "ErrorAnswer": {
        "type": "object",
        "required": ["message", "errors"],
        "description": "Every 4xx (and the 503) of every oms route has this shape.",
        "properties": {"message": {"type": "string"}, "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}}},
    },
}
BODY_ERRORS = {
    400: "malformed: not JSON, nested too deep, a field breaking a rule (each named in errors)",
    413: "the body is larger than the route's limit",
    415: "the body is not declared as JSON (Content-Type: application/json)",
}
QUERY_ERRORS = {400: "a path or query parameter breaks a rule (named in errors)"}
BUSY = {503: "a store is busy or down: nothing was stored, send the request again after Retry-After seconds"}

WEBHOOK_SIGNATURE = (
    "HMAC-SHA256 over the raw request body (the exact bytes sent) with the shop's own secret, "
    "base64-encoded, in this header (Shopify's documented scheme for X-Shopify-Hmac-Sha256; oms's "
    "connectors for Tmall, JD and Douyin sign the same way in X-Oms-Hmac-Sha256). Secrets are per "
    "channel and shop, in Secrets Manager. A missing, unknown-shop or wrong signature is a 401 "
    "before anything reads the body."
)
IAM = {"type": "apiKey", "in": "header", "name": "Authorization", "description": "AWS Signature Version 4 (IAM); the `oms` command signs with botocore's credentials", "x-amazon-apigateway-authtype": "awsSigv4"}


def document(app: APIGatewayRestResolver, *, title: str, description: str, answers: Answers, raw_bodies: Mapping[str, dict[str, Any]] | None = None, signed: Mapping[str, str] | None = None, iam: bool = False) -> dict[str, Any]:
    """`raw_bodies`: routes whose body the handler reads itself ("POST /path" -> media type and schema);
    `signed`: webhook routes -> the header carrying the HMAC signature; `iam`: every other route needs SigV4."""
    openapi = json.loads(app.get_openapi_json_schema(title=title, version="1", description=description))
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    raw_bodies, signed = raw_bodies or {}, signed or {}
    security_schemes: dict[str, Any] = {}
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            if key in raw_bodies:
                operation["requestBody"] = {"required": True, "content": raw_bodies[key]}
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # Powertools' own validation shape: oms answers 400 in the error shape
            declared = {str(status): text for status, text in (answers.get(key) or {}).items()}
            if any(s.startswith("2") and s != "200" for s in declared) and "200" in responses and not responses["200"].get("content", {}).get("application/json", {}).get("schema"):
                responses.pop("200")  # the route answers 201/202, not 200
            errors: dict[str, str] = {}
            if "requestBody" in operation:
                errors.update({str(s): t for s, t in BODY_ERRORS.items()})
                if key in raw_bodies and "application/json" not in raw_bodies[key]:
                    errors.pop("415")
            if operation.get("parameters"):
                errors.setdefault("400", QUERY_ERRORS[400])
            errors.update({str(s): t for s, t in BUSY.items()})
            errors.update({s: t for s, t in declared.items() if not s.startswith("2")})
            for status, text in sorted(errors.items()):
                responses[status] = {"description": text, "content": {"application/json": {"schema": ERROR_REF}}}
            for status, text in declared.items():
                if status.startswith("2"):
                    responses.setdefault(status, {"description": text, "content": {"application/json": {}}})["description"] = text
            if key in signed:
                name = f"{signed[key]}"
                security_schemes[name] = {"type": "apiKey", "in": "header", "name": name, "description": WEBHOOK_SIGNATURE}
                operation["security"] = [{name: []}]
            elif iam:
                security_schemes["sigv4"] = IAM
                operation["security"] = [{"sigv4": []}]
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    schemas.update(ERROR_SCHEMAS)
    if security_schemes:
        openapi["components"]["securitySchemes"] = security_schemes
    return openapi


def iam_http_function(app: APIGatewayRestResolver, answers: Answers) -> tuple[Callable[[str, str], dict[str, Any]], Callable[[dict[str, Any], Any], dict[str, Any]]]:
    """The two entry points of an HTTP function whose every route needs SigV4 (IAM) and reads a JSON
    body within the shared limits: its OpenAPI document (`openapi_document(title, description)`,
    read by `make openapi` and the handler's own GET .../openapi) and its Lambda handler."""

    def openapi_document(title: str, description: str) -> dict[str, Any]:
        return document(app, title=title, description=description, answers=answers, iam=True)

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return serve(app, event, context)

    return openapi_document, handler
