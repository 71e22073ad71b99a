"""The first deploys of decision 154's layout and of decision 225's (docs/runbook.md):
`-c order_plain_transitions=off` gives every function ORDER_PLAIN_TRANSITIONS=0, `-c plain_release=off`
ORDER_PLAIN_RELEASE=0; without them no function has the variable, a switch value other than on/off
is refused, and a stage whose cdk.json entry does not record the first deploy (`order_layout`) is
refused."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from infra.config import ENV_CONTEXT_KEY, cdk_json_context, settings_from_context
from infra.stack import OmsStack
from infra.store_layout import LayoutSwitchSkipped
from shared.aws import plain_release, write_layout
from tests.infra.conftest import Synthesized
from tests.infra.nested_templates import flattened


def _environments(resources: dict) -> list[dict]:
    """Our functions' variables (CDK's own helper functions have no OMS_ENV)."""
    found = [r["Properties"].get("Environment", {}).get("Variables", {}) for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    return [v for v in found if "OMS_ENV" in v]


def test_without_the_flag_no_function_is_switched_off(dev: Synthesized) -> None:
    variables = _environments(dev.resources)
    assert variables and all("ORDER_PLAIN_TRANSITIONS" not in v for v in variables)


def _app_for(tmp_path, environment_change: dict, **context) -> cdk.App:
    base = cdk_json_context()
    environments = {**base["oms:environments"], "dev": {**base["oms:environments"]["dev"], **environment_change}}
    environments["dev"] = {k: v for k, v in environments["dev"].items() if v is not None}
    return cdk.App(context={**base, "oms:environments": environments, **context}, post_cli_context={ENV_CONTEXT_KEY: "dev"}, outdir=str(tmp_path))


def test_a_stage_that_has_not_recorded_the_first_deploy_is_refused_without_the_flag(tmp_path) -> None:
    """Decision 189: the switch is no longer the operator's memory; cdk.json records each stage's
    passage through the first deploy (`order_layout`), and a synth that would skip it fails."""
    for recorded in (None, 153):
        with pytest.raises(LayoutSwitchSkipped, match="order_plain_transitions=off"):
            app = _app_for(tmp_path / str(recorded), {"order_layout": recorded})
            OmsStack(app, settings=settings_from_context(app))


def test_the_flag_switches_every_function_off_even_where_nothing_is_recorded(tmp_path) -> None:
    # As `-c order_plain_transitions=off` gives it (the CLI's context, over cdk.json's): the first
    # deploy of a stage that records no order_layout yet.
    app = _app_for(tmp_path, {"order_layout": None}, order_plain_transitions="off")
    stack = OmsStack(app, settings=settings_from_context(app))
    app.synth()
    variables = _environments(flattened(tmp_path, stack.stack_name)["Resources"])
    assert variables and all(v.get("ORDER_PLAIN_TRANSITIONS") == "0" for v in variables)


def test_a_mistyped_switch_is_refused_not_read_as_on(tmp_path) -> None:
    app = _app_for(tmp_path, {}, order_plain_transitions="of")
    with pytest.raises(ValueError, match="must be 'off'"):
        OmsStack(app, settings=settings_from_context(app))


def test_the_shared_records_flag_switches_every_function_to_the_old_writers(tmp_path) -> None:
    # `cdk deploy -c shared_records=off`: the first deploy of decisions 183/185's layouts.
    app = cdk.App(context={**cdk_json_context(), write_layout.CONTEXT_KEY: "off"}, post_cli_context={ENV_CONTEXT_KEY: "dev"}, outdir=str(tmp_path))
    stack = OmsStack(app, settings=settings_from_context(app))
    app.synth()
    variables = _environments(flattened(tmp_path, stack.stack_name)["Resources"])
    assert variables and all(v.get(write_layout.SWITCH_ENV) == "0" for v in variables)


def test_a_mistyped_shared_records_switch_is_refused_not_read_as_on(tmp_path) -> None:
    # "Off", "false", "0" would have written decisions 183/185's layouts on a stage whose functions
    # may not read them yet.
    for typo in ("Off", "false", "0"):
        app = _app_for(tmp_path / typo, {}, **{write_layout.CONTEXT_KEY: typo})
        with pytest.raises(ValueError, match="shared_records must be 'off'"):
            OmsStack(app, settings=settings_from_context(app))


def test_without_the_shared_records_flag_no_function_has_the_switch(dev: Synthesized) -> None:
    variables = _environments(dev.resources)
    assert variables and all(write_layout.SWITCH_ENV not in v for v in variables)


def test_the_plain_release_flag_switches_every_function_to_the_release_transaction(tmp_path) -> None:
    # `cdk deploy -c plain_release=off`: the first deploy of decision 225 (readers that skip a note
    # META does not name, releases still one transaction).
    app = cdk.App(context={**cdk_json_context(), plain_release.CONTEXT_KEY: "off"}, post_cli_context={ENV_CONTEXT_KEY: "dev"}, outdir=str(tmp_path))
    stack = OmsStack(app, settings=settings_from_context(app))
    app.synth()
    variables = _environments(flattened(tmp_path, stack.stack_name)["Resources"])
    assert variables and all(v.get(plain_release.SWITCH_ENV) == "0" for v in variables)


def test_without_the_plain_release_flag_no_function_has_the_switch(dev: Synthesized) -> None:
    variables = _environments(dev.resources)
    assert variables and all(plain_release.SWITCH_ENV not in v for v in variables)


def test_a_mistyped_plain_release_switch_is_refused_not_read_as_on(tmp_path) -> None:
    # Decision 225 (L-M1): "Off", "false", "0" would have released plainly.
    for typo in ("Off", "false", "0"):
        app = _app_for(tmp_path / typo, {}, **{plain_release.CONTEXT_KEY: typo})
        with pytest.raises(ValueError, match="plain_release must be 'off'"):
            OmsStack(app, settings=settings_from_context(app))


def test_a_stage_that_has_not_recorded_decision_225s_first_deploy_is_refused_without_the_flag(tmp_path) -> None:
    # order_layout 154: the stage runs decision 154's readers, not yet 225's (unnamed notes skipped)
    for recorded in (154, 224):
        with pytest.raises(LayoutSwitchSkipped, match="plain_release=off"):
            app = _app_for(tmp_path / str(recorded), {"order_layout": recorded})
            OmsStack(app, settings=settings_from_context(app))
    app = _app_for(tmp_path / "first", {"order_layout": 154}, **{plain_release.CONTEXT_KEY: "off"})  # decision 225's first deploy
    stack = OmsStack(app, settings=settings_from_context(app))
    app.synth()
    variables = _environments(flattened(tmp_path / "first", stack.stack_name)["Resources"])
    assert variables and all(v.get(plain_release.SWITCH_ENV) == "0" and "ORDER_PLAIN_TRANSITIONS" not in v for v in variables)
