"""dev, staging and prod synthesize as oms-<env>, each with the settings cdk.json gives it."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.app import build_app
from infra.config import UnknownEnvironmentError
from infra.synth_timer import app_command, run_app
from infra.topology import ROOT
from tests.infra.conftest import Synthesized
from tests.infra.nested_templates import flattened


def _stack_artifacts(outdir: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        name: artifact
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


@pytest.mark.parametrize("env_name", ["dev", "staging"])
def test_environment_synthesizes_in_process_as_oms_env(
    synthesize: Callable[[str], Synthesized], env_name: str
) -> None:
    synthesized = synthesize(env_name)
    assert synthesized.stack.stack_name == f"oms-{env_name}"
    [(name, artifact)] = _stack_artifacts(synthesized.outdir).items()
    assert artifact["properties"].get("stackName", name) == f"oms-{env_name}"
    for table in synthesized.of_type("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"


@pytest.fixture(scope="module")
def prod_by_app_command(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prod, synthesized by cdk.json's "app" command the way `cdk synth -c env=prod` runs it."""
    interpreter = ROOT / app_command()[0]
    if not interpreter.exists():
        pytest.skip(f"cdk.json's app command needs {interpreter} (make install creates it)")
    outdir = tmp_path_factory.mktemp("cdk-prod")
    run = run_app("prod", outdir)
    assert run.returncode == 0, f"`{shlex.join(app_command())}` failed:\n{run.stderr[-4000:]}"
    print(f"\nprod synth by cdk.json's app command: {run.seconds:.1f} s")
    return outdir


def test_prod_synthesizes_with_the_cdk_json_app_command(prod_by_app_command: Path) -> None:
    stacks = _stack_artifacts(prod_by_app_command)
    assert list(stacks) == ["oms-prod"]


def test_prod_keeps_its_data_and_uses_prod_settings(
    prod_by_app_command: Path, cdk_context: dict[str, Any]
) -> None:
    # The root template and its nested ones (the APIs and the alarms live in nested stacks).
    resources = flattened(prod_by_app_command, "oms-prod")["Resources"]
    prod = cdk_context["oms:environments"]["prod"]
    tables = [r for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert tables
    for table in tables:
        assert table["DeletionPolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
    log_groups = [r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert all(group["DeletionPolicy"] == "Retain" for group in log_groups)
    stages = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert len(stages) == 2  # the channels' and tools' API, the console's API
    for stage in stages:
        assert stage["Properties"]["StageName"] == "prod"
        # The stage-wide throttle; channels' own method throttles come on top (test_channels_api.py).
        [method_settings] = [m for m in stage["Properties"]["MethodSettings"] if m["ResourcePath"] == "/*"]
        assert method_settings["ThrottlingRateLimit"] == prod["api_throttle_rate_limit"]
        assert method_settings["ThrottlingBurstLimit"] == prod["api_throttle_burst_limit"]
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert {f["Properties"]["Environment"]["Variables"]["OMS_ENV"] for f in functions} == {"prod"}


def test_an_unknown_environment_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(
        UnknownEnvironmentError, match=r"unknown environment 'qa'.*dev.*prod.*staging"
    ):
        build_app("qa")
