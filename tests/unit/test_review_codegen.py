"""The rule set as one generated function (decision 166): findings in the rules' order then the
lines' though line rules are checked line by line; a reason reads what its condition computed;
each fact is computed once per order; the code is built once per rule set."""

from shared.orders import OrderIn
from shared.review_rules import codegen
from shared.review_rules.compiler import compile_rule_set
from shared.review_rules.facts import CATALOGUE


def rule(rule_id: str, when: dict, en: str, severity: str = "HOLD", params: dict | None = None) -> dict:
    return {"id": rule_id, "description": rule_id, "severity": severity, "when": when, "params": params or {}, "reason": {"en": en, "zh": en}}


LINES = [{"sku": "A", "quantity": 1, "unit_price": "50"}, {"sku": "B", "quantity": 1, "unit_price": "150"}, {"sku": "C", "quantity": 1, "unit_price": "99.99"}]


def test_findings_keep_the_rules_order_then_the_lines_order(shanghai_order):
    document = {
        "rules": [
            rule("cheap", {"field": "line.unit_price", "op": "lt", "value": 100}, "cheap line {line.number}", "FLAG"),
            rule("many", {"field": "order.line_count", "op": "ge", "value": 3}, "{order.line_count} lines", "FLAG"),
            rule("dear", {"field": "line.unit_price", "op": "gt", "value": 60}, "dear line {line.number}"),
        ]
    }
    result = compile_rule_set(document).review(OrderIn.model_validate({**shanghai_order, "lines": LINES}))
    assert [f.reason_en for f in result.findings] == ["cheap line 1", "cheap line 3", "3 lines", "dear line 2", "dear line 3"]
    assert result.decision == "ON_HOLD"


def test_a_fact_is_computed_once_per_order_and_a_reason_reads_it(shanghai_order):
    calls = []
    fact = CATALOGUE["order.total_difference"]
    original = fact.extract
    object.__setattr__(fact, "extract", lambda s: calls.append(1) or original(s))
    try:
        document = {
            "rules": [
                rule("total.off", {"field": "order.total_difference", "op": "gt", "value": "1"}, "off by {order.total_difference}"),
                rule("total.far.off", {"any": [{"field": "order.line_count", "op": "gt", "value": 10}, {"field": "order.total_difference", "op": "gt", "value": "2"}]}, "far off by {order.total_difference}"),
            ]
        }
        order = OrderIn.model_validate({**shanghai_order, "order_total": "1.00"})
        result = compile_rule_set(document).review(order)
    finally:
        object.__setattr__(fact, "extract", original)
    difference = abs(order.order_total - order.expected_total)
    assert [f.reason_en for f in result.findings] == [f"off by {difference:.2f}", f"far off by {difference:.2f}"]
    assert len(calls) == 1


def test_the_code_is_generated_once_per_rule_set_and_compiled_once_per_source(shanghai_order):
    document = {"rules": [rule("cheap", {"field": "line.unit_price", "op": "lt", "value": 100}, "cheap line {line.number}")]}
    first, second = compile_rule_set(document), compile_rule_set(document)
    order = OrderIn.model_validate({**shanghai_order, "lines": LINES})
    first.review(order)
    assert first._check is first._check  # built on the first review, then kept
    hits_before = codegen._code_of.cache_info().hits
    second.review(order)
    assert codegen._code_of.cache_info().hits == hits_before + 1  # the same source: its code object is reused
    assert first._check is not second._check and first._check.__code__ is second._check.__code__
