"""Lambda SnapStart (decision 200): on the published versions of topology.SNAPSTART_FUNCTIONS in
the stages whose cdk.json says so, and every caller of those functions invokes their alias (a
snapshot serves only a published version: a call to the unqualified function would run $LATEST
and initialise from scratch, silently)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infra import topology
from infra.config import parse_settings
from shared import snapstart
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import by_topology_key, invoked_function, referenced_id, referenced_ids

# Resources that may name a SnapStart function itself rather than its alias: its published
# version and alias, and the alarms and dashboard that read its metrics (by function name, which
# counts every version).
MAY_NAME_THE_FUNCTION = {"AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard"}
# What invokes a Lambda function in this stack.
CALLERS = {
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Permission",
    "AWS::StepFunctions::StateMachine",
    "AWS::ApiGateway::Method",
    "AWS::Events::Rule",
    "AWS::IAM::Policy",
}
# Lambda's runtimes with SnapStart (docs: Java 11+, Python 3.12+, .NET 8+).
SNAPSTART_RUNTIMES = ("python3.12", "python3.13", "python3.14")


def _functions(synthesized: Synthesized) -> dict[str, str]:
    return by_topology_key(synthesized.of_type("AWS::Lambda::Function"))


def _aliases(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """function logical id -> its alias resources"""
    found: dict[str, dict[str, Any]] = {}
    for logical_id, alias in synthesized.of_type("AWS::Lambda::Alias").items():
        found[referenced_id(alias["Properties"]["FunctionName"])] = {"id": logical_id, **alias}
    return found


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_snapstart_is_on_exactly_for_the_chosen_functions_where_the_stage_says_so(
    synthesize: Callable[[str], Synthesized], env_name: str, cdk_context: dict[str, Any]
) -> None:
    synthesized = synthesize(env_name)
    on = cdk_context["oms:environments"][env_name]["snapstart"]
    functions = _functions(synthesized)
    with_snapstart = {
        key for key, logical_id in functions.items() if synthesized.resources[logical_id]["Properties"].get("SnapStart")
    }
    assert with_snapstart == (set(topology.SNAPSTART_FUNCTIONS) if on else set())
    for key, logical_id in functions.items():
        properties = synthesized.resources[logical_id]["Properties"]
        primed = properties["Environment"]["Variables"].get(snapstart.SERVICES_ENV)
        if key in with_snapstart:
            assert properties["SnapStart"] == {"ApplyOn": "PublishedVersions"}
            # the services whose models the snapshot holds: what the function uses
            assert primed == ",".join(topology.aws_services(topology.function(key))), key
        else:
            assert primed is None, key


def test_prod_and_staging_have_snapstart_on(cdk_context: dict[str, Any]) -> None:
    environments = cdk_context["oms:environments"]
    assert environments["prod"]["snapstart"] is True
    assert environments["staging"]["snapstart"] is True


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_every_chosen_function_has_its_alias_on_a_version_of_its_own(synthesize: Callable[[str], Synthesized], env_name: str) -> None:
    synthesized = synthesize(env_name)
    functions = _functions(synthesized)
    aliases = _aliases(synthesized)
    assert {key for key, logical_id in functions.items() if logical_id in aliases} == set(topology.SNAPSTART_FUNCTIONS)
    for key in topology.SNAPSTART_FUNCTIONS:
        alias = aliases[functions[key]]
        assert alias["Properties"]["Name"] == topology.SNAPSTART_ALIAS
        version_id = referenced_id(alias["Properties"]["FunctionVersion"])
        version = synthesized.resources[version_id]
        assert version["Type"] == "AWS::Lambda::Version"
        assert referenced_id(version["Properties"]["FunctionName"]) == functions[key]
        # The replaced version goes once the update succeeded: one snapshot cached (and billed) per function.
        assert version.get("DeletionPolicy") == "Delete", key


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_every_caller_of_a_chosen_function_invokes_its_alias(synthesize: Callable[[str], Synthesized], env_name: str) -> None:
    synthesized = synthesize(env_name)
    functions = _functions(synthesized)
    chosen = {functions[key]: key for key in topology.SNAPSTART_FUNCTIONS}
    alias_ids = {alias["id"] for alias in _aliases(synthesized).values()}
    called_through_alias: set[str] = set()
    for logical_id, resource in synthesized.resources.items():
        named = referenced_ids(resource.get("Properties", {}))
        direct = named & set(chosen)
        if direct:
            assert resource["Type"] in MAY_NAME_THE_FUNCTION, (
                f"{resource['Type']} {logical_id} names {[chosen[d] for d in direct]} unqualified: it must invoke the alias"
            )
        if resource["Type"] in CALLERS and named & alias_ids:
            called_through_alias |= {chosen[invoked_function({"Ref": a}, synthesized.resources)] for a in named & alias_ids}
    # Each is invoked by something: an API, the workflow or a queue's mapping.
    assert called_through_alias == set(topology.SNAPSTART_FUNCTIONS)


def test_callers_of_the_other_functions_invoke_them_unqualified(dev: Synthesized) -> None:
    """No alias where none was chosen: a version costs a resource and, with SnapStart, a snapshot."""
    functions = _functions(dev)
    others = {logical_id for key, logical_id in functions.items() if key not in topology.SNAPSTART_FUNCTIONS}
    assert not others & set(_aliases(dev))
    assert not [v for v in dev.of_type("AWS::Lambda::Version").values() if referenced_id(v["Properties"]["FunctionName"]) in others]


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_no_snapstart_function_has_what_snapstart_cannot_have(synthesize: Callable[[str], Synthesized], env_name: str) -> None:
    """SnapStart does not support provisioned concurrency, EFS, ephemeral storage above 512 MB or
    container images, and only some runtimes (Lambda's SnapStart documentation)."""
    synthesized = synthesize(env_name)
    snapshotted = {
        logical_id: resource["Properties"]
        for logical_id, resource in synthesized.of_type("AWS::Lambda::Function").items()
        if resource["Properties"].get("SnapStart")
    }
    assert snapshotted
    for logical_id, properties in snapshotted.items():
        assert properties["Runtime"] in SNAPSTART_RUNTIMES, logical_id
        assert properties.get("PackageType", "Zip") == "Zip", logical_id
        assert not properties.get("FileSystemConfigs"), logical_id
        assert properties.get("EphemeralStorage", {}).get("Size", 512) <= 512, logical_id
    published = [*synthesized.of_type("AWS::Lambda::Version").values(), *synthesized.of_type("AWS::Lambda::Alias").values()]
    assert not [p for p in published if "ProvisionedConcurrencyConfig" in p["Properties"]]


def test_the_snapstart_setting_must_be_true_or_false(cdk_context: dict[str, Any]) -> None:
    environments = json.loads(json.dumps(cdk_context["oms:environments"]))
    environments["dev"]["snapstart"] = "off"  # truthy: exactly what must not switch it on
    with pytest.raises(ValueError, match="snapstart must be true or false"):
        parse_settings("dev", environments, 41)
    del environments["dev"]["snapstart"]
    with pytest.raises(ValueError, match="lacks the setting 'snapstart'"):
        parse_settings("dev", environments, 41)
