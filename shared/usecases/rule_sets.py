"""Rule-set management: validate, store, activate, roll back; and the compiled set in force.

Every change goes through here, so each is validated before it is stored and audited with its
diff. A refused rule set raises RuleSetInvalid and changes nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.aws.rule_set_store import ActiveRuleSet, RuleSetStore, RuleSetVersion
from shared.errors import RuleSetConflict
from shared.review_rules.compiler import CompiledRuleSet, compile_rule_set
from shared.review_rules.diff import diff

_COMPILED_KEPT = 8


class Validation(BaseModel, defer_build=True):
    valid: bool = True
    rules: int
    enabled_rules: int
    lookback_minutes: int


def canonical(compiled: CompiledRuleSet) -> dict[str, Any]:
    """The document as stored: defaults left out, numbers as exact decimal strings."""
    return compiled.document.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def validate(document: Any) -> tuple[CompiledRuleSet, Validation]:
    compiled = compile_rule_set(document)  # raises RuleSetInvalid with every mistake's location
    summary = Validation(rules=len(compiled.document.rules), enabled_rules=len(compiled.rules), lookback_minutes=compiled.lookback_minutes)
    return compiled, summary


def in_force(store: RuleSetStore) -> CompiledRuleSet:
    """The active rule set, compiled once per version and container."""
    return compiled_version(store, store.active().version)


def compiled_version(store: RuleSetStore, version: int) -> CompiledRuleSet:
    kept = store.compiled  # versions never change, so a compiled one stays right for the store's life
    found = kept.get(version)
    if found is None:
        found = compile_rule_set(store.get(version).document, version=version)
        if len(kept) >= _COMPILED_KEPT:
            kept.pop(next(iter(kept)))
        kept[version] = found
    return found


def propose(store: RuleSetStore, document: Any, actor: str, comment: str, activate_now: bool = False) -> tuple[RuleSetVersion, ActiveRuleSet | None]:
    """Stores a valid rule set as a new version (and puts it in force when asked)."""
    compiled, _ = validate(document)
    seen = store.active()
    stored_document = canonical(compiled)
    changes = diff(store.get(seen.version).document, stored_document)
    version = store.add(stored_document, actor, comment, based_on=seen.version, diff=changes)
    if not activate_now:
        return version, None
    return version, store.activate(seen, version.version, actor, comment, changes)


def activate(store: RuleSetStore, version: int, actor: str, comment: str, expected_revision: int | None = None) -> ActiveRuleSet:
    seen = _seen(store, expected_revision)
    target = store.get(version)
    return store.activate(seen, version, actor, comment, diff(store.get(seen.version).document, target.document))


def rollback(store: RuleSetStore, actor: str, comment: str, to_version: int | None = None, expected_revision: int | None = None) -> ActiveRuleSet:
    """Puts the previously active version back in force (or `to_version`)."""
    seen = _seen(store, expected_revision)
    version = seen.previous_version if to_version is None else to_version
    if version is None:
        raise RuleSetConflict("nothing to roll back to: no rule set was activated before this one", "to", "nothing_to_roll_back")
    target = store.get(version)
    return store.activate(seen, version, actor, comment, diff(store.get(seen.version).document, target.document), action="rolled_back")


def _seen(store: RuleSetStore, expected_revision: int | None) -> ActiveRuleSet:
    seen = store.active()
    if expected_revision is not None and expected_revision != seen.revision:
        raise RuleSetConflict(f"the active rule set is at revision {seen.revision}, not {expected_revision}; re-read it and decide again")
    return seen
