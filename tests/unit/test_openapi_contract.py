"""The published OpenAPI documents say what the API really answers: each handler's declared
statuses name real operations, every 4xx/503 is the one error shape, every body route documents
its limits, and the webhooks document their signature."""

import importlib
import json

import pytest

from infra import topology
from local.openapi import OPENAPI, http_functions

ERROR = {"$ref": "#/components/schemas/ErrorAnswer"}


@pytest.mark.parametrize("function", http_functions(), ids=lambda f: f.key)
def test_every_refusal_is_documented_in_the_one_shape(function):
    document = json.loads((OPENAPI / f"{function.key}.json").read_text("utf-8"))
    operations = {f"{m.upper()} {p}": op for p, ops in document["paths"].items() for m, op in ops.items()}
    assert set(operations) == {f"{r.method} {r.path}" for r in topology.ROUTES if r.function == function.key and r.authorization != "COGNITO"}  # the console twins share the paths
    assert set(importlib.import_module(function.module).ANSWERS) <= set(operations)  # no stale declaration
    for key, operation in operations.items():
        responses = operation["responses"]
        assert "422" not in responses or responses["422"]["content"]["application/json"]["schema"] == ERROR, key
        for status, response in responses.items():
            if status.startswith("4") or status == "503":
                assert response["content"]["application/json"]["schema"] == ERROR, (key, status)
        assert "503" in responses and any(s.startswith("2") for s in responses), key
        if "requestBody" in operation:
            assert {"400", "413"} <= set(responses), key
            assert ("415" in responses) == ("application/json" in operation["requestBody"]["content"]), key
        if "/channels/" in key and key.endswith("/orders"):
            [requirement] = operation["security"]
            [hmac] = [name for name in requirement if name != "apiKey"]
            scheme = document["components"]["securitySchemes"][hmac]
            assert scheme["in"] == "header" and "HMAC-SHA256 over the raw request body" in scheme["description"] and "401" in responses
        elif function.key not in ("intake", "erp_import"):
            assert operation["security"] == [{"sigv4": []}], key
    assert {"HTTPValidationError", "ValidationError"}.isdisjoint(document["components"]["schemas"])
