"""A refused rule set: every mistake with its exact location, e.g. `rules[3].when.all[1].field`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError


class Problem(BaseModel, defer_build=True):
    location: str  # JSONPath-like, from the document's root
    rule_id: str | None = None  # the rule it is in, when that rule has a readable id
    message: str


class RuleSetInvalid(Exception):
    """The rule set is refused; the rule set in force stays."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first.location}: {first.message}{more}")


def location(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(document)"


def _document_path(loc: Sequence[Any]) -> list[str | int]:
    # Union tags (cond:all, operand:param) are pydantic's bookkeeping, not places in the document.
    return [p for p in loc if not (isinstance(p, str) and p.startswith(("cond:", "operand:")))]


def from_validation_error(error: ValidationError, document: Any) -> RuleSetInvalid:
    problems = []
    seen = set()
    for e in error.errors():
        path = _document_path(e["loc"])
        key = (tuple(path), e["msg"])
        if key in seen:  # a literal that fits no type is reported once per type tried
            continue
        seen.add(key)
        problems.append(Problem(location=location(path), rule_id=_rule_id(document, path), message=_message(e)))
    return RuleSetInvalid(problems)


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (not part of the rule language)"
    if error["type"] == "missing":
        return "required key is missing"
    return error["msg"]


def _rule_id(document: Any, path: Sequence[str | int]) -> str | None:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int) and isinstance(document, dict):
        rules = document.get("rules")
        if isinstance(rules, list) and 0 <= path[1] < len(rules) and isinstance(rules[path[1]], dict):
            rule_id = rules[path[1]].get("id")
            return rule_id if isinstance(rule_id, str) else None
    return None
