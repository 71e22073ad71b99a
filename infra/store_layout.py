"""Decision 154's two deploys, enforced at synth (decision 189); decision 225's the same way.

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

Decision 225 (the release as plain writes) has the same two deploys, `-c plain_release=off` first,
then `order_layout: 225` recorded (which implies 154's).

Decisions 183/185's switch (`-c shared_records=off`) predates the record: it is not gated, but its
value is checked as the others' are (on or off; a typo must not mean "on").
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from infra.config import ENVIRONMENTS_KEY
from shared.aws import plain_release, write_layout

SWITCH_CONTEXT = "order_plain_transitions"  # `-c order_plain_transitions=off`: the first deploy
LAYOUT_SETTING = "order_layout"
PLAIN_LAYOUT = 154  # the decision whose layout plain status changes write
RELEASE_SWITCH_CONTEXT = plain_release.CONTEXT_KEY  # `-c plain_release=off`: decision 225's first deploy
PLAIN_RELEASE_LAYOUT = 225  # the decision whose layout a release written plainly leaves (unnamed notes)
SHARED_RECORDS_LAYOUT = 185  # decisions 183/185's record layouts (`-c shared_records=off`)


class LayoutSwitchSkipped(ValueError):
    """A synth that would switch a layout's writers on before the stage ran its readers."""


def plain_transitions_off(scope: Construct, env_name: str) -> bool:
    """Whether this synth is the first deploy's (readers of the new layout, writing transactions
    as before). Raises LayoutSwitchSkipped when it is not and the stage has not recorded that first
    deploy, ValueError for a switch value other than on/off (a typo must not mean "on")."""
    return _switched_off(scope, env_name, SWITCH_CONTEXT, PLAIN_LAYOUT)


def plain_release_off(scope: Construct, env_name: str) -> bool:
    """The same for decision 225 (the release as plain writes): `-c plain_release=off` is its first
    deploy (every function skips a note META does not name, releases stay one transaction); a stage
    must record `order_layout` 225 or more before a synth switches plain releases on. Off as well
    with plain status changes (`-c order_plain_transitions=off`): a release is then one transaction
    whatever its own switch says (shared/aws/order_store.OrderStore.transition)."""
    if _switched_off(scope, env_name, SWITCH_CONTEXT, PLAIN_LAYOUT):
        _checked(scope, RELEASE_SWITCH_CONTEXT, PLAIN_RELEASE_LAYOUT)
        return True
    return _switched_off(scope, env_name, RELEASE_SWITCH_CONTEXT, PLAIN_RELEASE_LAYOUT)


def shared_records_off(scope: Construct) -> bool:
    """Whether this synth is the first deploy of decisions 183/185's layouts (every function reads
    both, writes the old ones). ValueError for a value other than on/off: "Off", "false" or "0" would
    otherwise have written the new layouts on a stage whose functions may not read them yet."""
    return _checked(scope, write_layout.CONTEXT_KEY, SHARED_RECORDS_LAYOUT) == "off"


def _checked(scope: Construct, switch_context: str, layout: int) -> str | None:
    switch = scope.node.try_get_context(switch_context)
    if switch not in (None, "on", "off"):
        raise ValueError(f"-c {switch_context} must be 'off' (the first deploy of decision {layout}'s layout) or 'on', not {switch!r}")
    return switch


def _switched_off(scope: Construct, env_name: str, switch_context: str, layout: int) -> bool:
    if _checked(scope, switch_context, layout) == "off":
        return True
    recorded = _recorded_layout(scope.node.try_get_context(ENVIRONMENTS_KEY) or {}, env_name)
    if recorded is None or recorded < layout:
        raise LayoutSwitchSkipped(
            f"environment {env_name!r} records {LAYOUT_SETTING}={recorded} in cdk.json ({ENVIRONMENTS_KEY}): its functions may "
            f"still run code that cannot read decision {layout}'s layout. Deploy first with `cdk deploy -c env={env_name} "
            f"-c {switch_context}=off`; when that deploy is complete, set \"{LAYOUT_SETTING}\": {layout} for {env_name!r} "
            f"and deploy again (docs/runbook.md). A stage with no orders from before decision {layout} may set it at once."
        )
    return False


def _recorded_layout(environments: dict[str, Any], env_name: str) -> int | None:
    value = (environments.get(env_name) or {}).get(LAYOUT_SETTING)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"environment {env_name!r}: {LAYOUT_SETTING} must be a decision number (e.g. {PLAIN_LAYOUT}), not {value!r}")
    return value
