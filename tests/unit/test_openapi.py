import json

import pytest

from infra import topology
from local.openapi import OPENAPI, api_functions, render


@pytest.mark.parametrize("function", api_functions(), ids=lambda f: f.key)
def test_published_openapi_matches_the_handlers(function):
    assert (OPENAPI / f"{function.key}.json").read_text("utf-8") == render(function), "run `make openapi` and commit"


@pytest.mark.parametrize("function", api_functions(), ids=lambda f: f.key)
def test_openapi_covers_exactly_the_topology_routes(function):
    document = json.loads(render(function))
    documented = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    declared = {(r.method, r.path) for r in topology.ROUTES if r.function == function.key}
    assert documented == declared


def test_intake_documents_money_as_decimal_strings_too():
    # Channels send "168.00": the document must accept a string, not only a (float) number.
    document = json.loads(render(next(f for f in api_functions() if f.key == "intake")))
    price = document["components"]["schemas"]["OrderLine"]["properties"]["unit_price"]
    assert {"type": "string"} in price["anyOf"]
