"""Decision 154's two deploys, enforced at synth (decision 189).

A stage that stored orders before decision 154 must first run the new readers with plain status
changes switched off (`cdk deploy -c order_plain_transitions=off`: every function gets
ORDER_PLAIN_TRANSITIONS=0), so that no function still running the old code meets a plain change;
only then may a deploy switch them on. CDK cannot see what a stage runs (a synth reads no AWS
account), so the stage's entry in cdk.json records it: `order_layout` is the newest orders-table
layout (a decision number) whose readers every function of the stage runs. A synth that would
switch plain changes on for a stage that records no `order_layout` of at least 154 is refused.

The operator sets `order_layout: 154` once the first deploy is complete (or at once for a stage
that had no orders before decision 154) and commits it with the second deploy. The record is the
operator's word: it cannot catch a stage whose cdk.json entry says 154 when its first deploy did
not run, but it can no longer be forgotten.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from infra.config import ENVIRONMENTS_KEY

SWITCH_CONTEXT = "order_plain_transitions"  # `-c order_plain_transitions=off`: the first deploy
LAYOUT_SETTING = "order_layout"
PLAIN_LAYOUT = 154  # the decision whose layout plain status changes write


class LayoutSwitchSkipped(ValueError):
    """A synth that would switch plain status changes on before the stage ran their readers."""


def plain_transitions_off(scope: Construct, env_name: str) -> bool:
    """Whether this synth is the first deploy's (readers of the new layout, writing transactions
    as before). Raises LayoutSwitchSkipped when it is not and the stage has not recorded that first
    deploy, ValueError for a switch value other than on/off (a typo must not mean "on")."""
    switch = scope.node.try_get_context(SWITCH_CONTEXT)
    if switch not in (None, "on", "off"):
        raise ValueError(f"-c {SWITCH_CONTEXT} must be 'off' (the first deploy of decision 154's layout) or 'on', not {switch!r}")
    if switch == "off":
        return True
    recorded = _recorded_layout(scope.node.try_get_context(ENVIRONMENTS_KEY) or {}, env_name)
    if recorded is None or recorded < PLAIN_LAYOUT:
        raise LayoutSwitchSkipped(
            f"environment {env_name!r} records {LAYOUT_SETTING}={recorded} in cdk.json ({ENVIRONMENTS_KEY}): its functions may "
            f"still run code that cannot read decision {PLAIN_LAYOUT}'s layout. Deploy first with `cdk deploy -c env={env_name} "
            f"-c {SWITCH_CONTEXT}=off`; when that deploy is complete, set \"{LAYOUT_SETTING}\": {PLAIN_LAYOUT} for {env_name!r} "
            f"and deploy again (docs/runbook.md). A stage with no orders from before decision {PLAIN_LAYOUT} may set it at once."
        )
    return False


def _recorded_layout(environments: dict[str, Any], env_name: str) -> int | None:
    value = (environments.get(env_name) or {}).get(LAYOUT_SETTING)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"environment {env_name!r}: {LAYOUT_SETTING} must be a decision number (e.g. {PLAIN_LAYOUT}), not {value!r}")
    return value
