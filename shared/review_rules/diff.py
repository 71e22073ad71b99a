"""What changed between two rule-set documents, for the audit trail and the what-if report.

Rules are matched by id, not by position (their order changes no decision), and inside a rule
every changed key is listed with its value before and after.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class Change(BaseModel, defer_build=True):
    path: str  # e.g. rules[price.discount.limit].params.max_discount_rate
    change: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    if before.get("description") != after.get("description"):
        changes.append(Change(path="description", change="changed", before=before.get("description"), after=after.get("description")))
    old = {r["id"]: r for r in before.get("rules", [])}
    new = {r["id"]: r for r in after.get("rules", [])}
    changes += [Change(path=f"rules[{rule_id}]", change="removed", before=rule) for rule_id, rule in old.items() if rule_id not in new]
    for rule_id, rule in new.items():
        if rule_id in old:
            _changed_values(f"rules[{rule_id}]", old[rule_id], rule, changes)
        else:
            changes.append(Change(path=f"rules[{rule_id}]", change="added", after=rule))
    return changes


def _changed_values(path: str, before: Any, after: Any, changes: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            if key not in after:
                changes.append(Change(path=f"{path}.{key}", change="removed", before=before[key]))
            elif key not in before:
                changes.append(Change(path=f"{path}.{key}", change="added", after=after[key]))
            else:
                _changed_values(f"{path}.{key}", before[key], after[key], changes)
    elif before != after:
        changes.append(Change(path=path, change="changed", before=before, after=after))
