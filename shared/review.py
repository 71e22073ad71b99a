"""Automatic order review (智能审单): an order, the rule set in force and what the rules may consult
(reference data, recent orders) give a decision and its findings.

The rules are data (shared/review_rules/): a versioned JSON rule set, changed at run time through
the rules API. This module is the entry point the workflow step and the tools use; the shipped
default rule set (shared/data/review_rules_default.json, version 0) is in force until an operator
activates another.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from shared.orders import OrderIn
from shared.review_rules.compiler import CompiledRuleSet, compile_rule_set
from shared.review_rules.facts import ReviewContext
from shared.review_rules.outcome import Decision, Finding, ReviewResult, Severity

__all__ = ["Decision", "Finding", "ReviewContext", "ReviewResult", "Severity", "default_document", "default_rule_set", "review"]

DEFAULT_RULES_FILE = Path(__file__).parent / "data" / "review_rules_default.json"
SHIPPED_VERSION = 0  # the default rule set's version number before any is stored


def default_document() -> dict[str, Any]:
    return json.loads(DEFAULT_RULES_FILE.read_text("utf-8"))


@cache
def default_rule_set() -> CompiledRuleSet:
    return compile_rule_set(default_document(), version=SHIPPED_VERSION)


def review(order: OrderIn, rules: CompiledRuleSet | None = None, context: ReviewContext | None = None, order_id: str | None = None) -> ReviewResult:
    return (rules or default_rule_set()).review(order, context, order_id)
