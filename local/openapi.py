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
    document = importlib.import_module(function.module).openapi_document(f"oms {function.key}", function.description)
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    OPENAPI.mkdir(parents=True, exist_ok=True)
    for function in http_functions():
        (OPENAPI / f"{function.key}.json").write_text(render(function), "utf-8")
        print(f"wrote docs/openapi/{function.key}.json")


if __name__ == "__main__":
    main()
