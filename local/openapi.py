"""Writes the OpenAPI document of every REST function (Powertools generates it from the handlers'
pydantic models) to docs/openapi/<function>.json (`make openapi`); a test keeps them current and
checks they cover exactly the routes of infra/topology.py."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from infra import topology

OPENAPI = Path(__file__).resolve().parent.parent / "docs" / "openapi"


def api_functions() -> list[topology.Function]:
    keys = {route.function for route in topology.ROUTES}
    return [f for f in topology.FUNCTIONS if f.key in keys]


def render(function: topology.Function) -> str:
    app = importlib.import_module(function.module).app
    document = app.get_openapi_json_schema(title=f"oms {function.key}", version="1", description=function.description)
    return json.dumps(json.loads(document), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    OPENAPI.mkdir(parents=True, exist_ok=True)
    for function in api_functions():
        (OPENAPI / f"{function.key}.json").write_text(render(function), "utf-8")
        print(f"wrote docs/openapi/{function.key}.json")


if __name__ == "__main__":
    main()
