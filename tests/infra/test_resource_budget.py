"""CloudFormation refuses a template of more than 500 resources (and 200 parameters or outputs):
the app is split into nested stacks (decision 71) and every template keeps headroom for growth."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import pytest

from tests.infra.conftest import Synthesized

RESOURCE_BUDGET = 400  # of CloudFormation's 500 per template
PARAMETER_BUDGET = 150  # of CloudFormation's 200 per template (a nested stack's references)
OUTPUT_BUDGET = 150  # of 200


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_no_template_comes_near_cloudformations_limits(synthesize: Callable[[str], Synthesized], env_name: str) -> None:
    synthesized = synthesize(env_name)
    assert len(synthesized.templates) >= 4, "the root stack and its nested stacks (api, console, monitoring)"
    counts = {}
    for file, template in synthesized.templates.items():
        resources = template.get("Resources", {})
        counts[file] = len(resources)
        busiest = Counter(r["Type"] for r in resources.values()).most_common(4)
        assert len(resources) <= RESOURCE_BUDGET, f"{file}: {len(resources)} resources (budget {RESOURCE_BUDGET}); most: {busiest}"
        assert len(template.get("Parameters", {})) <= PARAMETER_BUDGET, f"{file}: {len(template['Parameters'])} parameters"
        assert len(template.get("Outputs", {})) <= OUTPUT_BUDGET, f"{file}: {len(template['Outputs'])} outputs"
    print(f"\n{env_name} resources per template: {counts}")


def test_the_flattened_view_holds_every_resource_of_every_template(dev: Synthesized) -> None:
    """The tests read the templates flattened: nothing is lost or counted twice on the way."""
    nested_stack_resources = sum(
        1 for t in dev.templates.values() for r in t["Resources"].values() if r["Type"] == "AWS::CloudFormation::Stack"
    )
    assert nested_stack_resources == len(dev.templates) - 1
    total = sum(len(t["Resources"]) for t in dev.templates.values())
    assert len(dev.resources) == total - nested_stack_resources


def test_api_methods_cost_no_lambda_permission_each(dev: Synthesized) -> None:
    """One invoke permission per function and API (scoped to the API), not two per method."""
    permissions = [
        p for p in dev.of_type("AWS::Lambda::Permission").values() if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    methods = dev.of_type("AWS::ApiGateway::Method")
    pairs = {
        (json.dumps(m["Properties"]["Integration"]["Uri"], sort_keys=True), json.dumps(m["Properties"]["RestApiId"], sort_keys=True))
        for m in methods.values()
    }
    assert len(permissions) == len(pairs) < len(methods)
