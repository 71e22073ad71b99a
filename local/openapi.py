"""Writes the OpenAPI document of each HTTP function to docs/openapi/<function>.json
(`make openapi`), generated from its handler's routes and pydantic models; a test keeps the files
equal to the code, so a channel integrator can rely on them."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from infra import topology

OPENAPI = Path(__file__).resolve().parent.parent / "docs" / "openapi"


def http_functions() -> list[topology.Function]:
    return [topology.function(key) for key in sorted({route.function for route in topology.ROUTES})]


def render(function: topology.Function) -> str:
    document = with_api_keys(function.key, importlib.import_module(function.module).openapi_document(f"oms {function.key}", function.description))
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


API_KEY = {
    "type": "apiKey",
    "in": "header",
    "name": "x-api-key",
    "description": "On AWS, the API Gateway usage-plan key of the sending system (each channel's client is throttled on its own); Shopify's webhooks carry none. The local runtime does not check it.",
}


def with_api_keys(function_key: str, document: dict) -> dict:
    """Routes whose client sends an API key (infra/topology.py) require it besides their own scheme."""
    for route in topology.ROUTES:
        if route.function != function_key or route.client is None or not topology.api_client(route.client).sends_api_key:
            continue
        operation = document["paths"][route.path][route.method.lower()]
        operation["security"] = [{**requirement, "apiKey": []} for requirement in operation.get("security") or [{}]]
        document["components"].setdefault("securitySchemes", {})["apiKey"] = API_KEY
    return document


def main() -> None:
    OPENAPI.mkdir(parents=True, exist_ok=True)
    for function in http_functions():
        (OPENAPI / f"{function.key}.json").write_text(render(function), "utf-8")
        print(f"wrote docs/openapi/{function.key}.json")


if __name__ == "__main__":
    main()
