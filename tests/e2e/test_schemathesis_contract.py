"""The OpenAPI documents (docs/openapi/*.json, generated from the handlers) against the running
local runtime: schemathesis generates requests from each document (valid and invalid ones) and
checks every answer: never a 5xx, only documented statuses, the documented content type and
schema (the shared error shape for every 4xx). Bounded so the whole file runs in about a minute."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from local.openapi import OPENAPI
from schemathesis.specs.openapi.checks import allow_header_conformance, positive_data_acceptance, unsupported_method

MAX_EXAMPLES = 12
BOUNDED = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)



def raw_call(method: str, url: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def local(name: str):
    """A document as the local runtime serves it: API Gateway checks the IAM signature (SigV4) and
    the API keys before any handler runs; the local runtime has neither, so its routes carry no such
    requirement. Everything else (the webhooks' HMAC signature included) is checked as documented."""
    document = json.loads((OPENAPI / f"{name}.json").read_text("utf-8"))
    gateway_only = {"sigv4", "apiKey"}
    for operations in document["paths"].values():
        for operation in operations.values():
            kept = [{k: v for k, v in requirement.items() if k not in gateway_only} for requirement in operation.get("security", [])]
            if any(kept):
                operation["security"] = [r for r in kept if r]
            else:
                operation.pop("security", None)
    for scheme in gateway_only:
        document["components"].get("securitySchemes", {}).pop(scheme, None)
    return schemathesis.openapi.from_dict(document)


intake, erp_import, orders_api, inventory_api, rules_api, routing_api = (
    local(n) for n in ("intake", "erp_import", "orders_api", "inventory_api", "rules_api", "routing_api")
)
# Not checked: "every schema-valid request is accepted" (positive_data_acceptance). oms refuses
# schema-valid requests on purpose where JSON Schema cannot say why: a rule across parameters
# (GET /orders needs one of status, channel, customer), an opaque next_token, a CSV's columns, a
# rule set's language, an address that must exist. Each such refusal is a documented 400/404/422.
NOT_STATABLE = [positive_data_acceptance]
DOCUMENTS = {n: json.loads((OPENAPI / f"{n}.json").read_text("utf-8")) for n in ("intake", "erp_import", "orders_api", "inventory_api", "rules_api", "routing_api")}
# A path two functions serve (GET /orders here, POST /orders in intake): each document lists only its
# own methods, so "405 for the other method" and the Allow header are checked across documents below.
SHARED_PATHS = {p for p in {p for d in DOCUMENTS.values() for p in d["paths"]} if sum(p in d["paths"] for d in DOCUMENTS.values()) > 1}


def _call(case, runtime) -> None:
    excluded = NOT_STATABLE + ([unsupported_method, allow_header_conformance] if case.operation.path in SHARED_PATHS else [])
    case.call_and_validate(base_url=runtime.api_url, timeout=30, excluded_checks=excluded)


def test_a_path_served_by_two_functions_allows_exactly_their_methods(runtime):
    for path in SHARED_PATHS:
        methods = sorted(m.upper() for d in DOCUMENTS.values() for m in d["paths"].get(path, {}))
        status, answer, headers = raw_call("PATCH", f"{runtime.api_url}{path}")
        assert status == 405 and headers["Allow"] == ", ".join(methods), (path, headers)
        assert answer["errors"][0]["rule"] == "method_not_allowed"


@intake.parametrize()
@BOUNDED
def test_intake_answers_as_documented(case, runtime):
    _call(case, runtime)


@erp_import.parametrize()
@BOUNDED
def test_erp_import_answers_as_documented(case, runtime):
    _call(case, runtime)


@orders_api.parametrize()
@BOUNDED
def test_orders_api_answers_as_documented(case, runtime):
    _call(case, runtime)


@inventory_api.parametrize()
@BOUNDED
def test_inventory_api_answers_as_documented(case, runtime):
    _call(case, runtime)


@rules_api.parametrize()
@BOUNDED
def test_rules_api_answers_as_documented(case, runtime):
    _call(case, runtime)


@routing_api.parametrize()
@BOUNDED
def test_routing_api_answers_as_documented(case, runtime):
    _call(case, runtime)
