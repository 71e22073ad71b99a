"""The rule language: a rule set is refused with the exact place of each mistake; a valid one
compiles into checks that do what its JSON says."""

import copy
import json

import pytest

from shared.orders import OrderIn
from shared.review import default_document
from shared.review_rules.compiler import compile_rule_set
from shared.review_rules.diff import diff
from shared.review_rules.document import json_schema
from shared.review_rules.problems import RuleSetInvalid


def rule(**changes) -> dict:
    base = {
        "id": "big.douyin.order",
        "description": "Large Douyin orders get a second look",
        "severity": "HOLD",
        "when": {"all": [{"field": "order.channel", "op": "eq", "value": "douyin"}, {"field": "order.lines_total", "op": "gt", "value": {"param": "amount"}}]},
        "params": {"amount": "5000"},
        "reason": {"zh": "抖音大额订单 {order.lines_total}（超过 {amount}）", "en": "large Douyin order {order.lines_total} (over {amount})"},
    }
    return {**base, **changes}


def problems(document) -> list[tuple[str, str]]:
    with pytest.raises(RuleSetInvalid) as refused:
        compile_rule_set(document)
    return [(p.location, p.message) for p in refused.value.problems]


def douyin(shanghai_order, amount: str) -> OrderIn:
    return OrderIn.model_validate({**shanghai_order, "channel": "douyin", "lines": [{"sku": "GIFTBOX-MOONCAKE", "quantity": 1, "unit_price": amount}]})


def test_a_rule_written_as_data_fires_with_its_reason(shanghai_order):
    compiled = compile_rule_set({"rules": [rule()]})
    big = compiled.review(douyin(shanghai_order, "5200.00"))
    assert big.decision == "ON_HOLD"
    assert (big.findings[0].reason_en, big.findings[0].reason_zh) == ("large Douyin order 5200.00 (over 5000.00)", "抖音大额订单 5200.00（超过 5000.00）")
    assert compiled.review(douyin(shanghai_order, "4800.00")).findings == []
    assert compiled.review(OrderIn.model_validate({**shanghai_order, "lines": [{"sku": "X", "quantity": 1, "unit_price": "9000"}]})).findings == []


def test_the_shipped_default_compiles_and_documents_its_schema():
    compiled = compile_rule_set(default_document())
    assert len(compiled.rules) == len(default_document()["rules"]) and compiled.lookback_minutes == 1440
    assert json_schema()["title"] == "oms review rule set"


def test_schema_failures_name_their_location():
    document = {"rules": [rule(severity="BLOCK"), rule(id="Bad Id", reason={"zh": "x"}), {**rule(id="x.y"), "colour": "red"}]}
    found = problems(document)
    assert ("rules[0].severity", "Input should be 'REJECT', 'HOLD' or 'FLAG'") in found
    assert any(loc == "rules[1].id" and "pattern" in msg for loc, msg in found)
    assert ("rules[1].reason.en", "required key is missing") in found
    assert ("rules[2].colour", "unknown key (not part of the rule language)") in found


def test_an_unknown_field_is_refused_with_a_suggestion():
    when = {"all": [{"field": "order.channel", "op": "eq", "value": "douyin"}, {"field": "order.line_total", "op": "gt", "value": {"param": "amount"}}]}
    [(location, message)] = problems({"rules": [rule(when=when)]})
    assert location == "rules[0].when.all[1].field"
    assert message == "unknown field 'order.line_total'; did you mean 'order.lines_total'?"


@pytest.mark.parametrize(
    ("comparison", "location", "message"),
    [
        ({"field": "order.channel", "op": "gt", "value": "jd"}, "rules[0].when.any[0].op", "'gt' does not apply to order.channel (choice)"),
        ({"field": "order.channel", "op": "eq", "value": "tiktok"}, "rules[0].when.any[0].value", "'tiktok' is not a value of order.channel"),
        ({"field": "order.lines_total", "op": "gt", "value": "lots"}, "rules[0].when.any[0].value", "'lots' is not a number"),
        ({"field": "order.lines_total", "op": "gt"}, "rules[0].when.any[0].value", "'gt' needs a value to compare with"),
        ({"field": "invoice.tax_id_valid", "op": "is_false", "value": True}, "rules[0].when.any[0].value", "'is_false' takes no value"),
        ({"field": "order.lines_total", "op": "gt", "value": {"param": "limit"}}, "rules[0].when.any[0].value.param", "no parameter 'limit' in this rule's params"),
        ({"field": "order.lines_total", "op": "gt", "value": {"field": "order.channel"}}, "rules[0].when.any[0].value", "order.lines_total (money) cannot be compared with order.channel (choice)"),
        ({"field": "recent.duplicates", "op": "not_empty"}, "rules[0].when.any[0].args", "recent.duplicates needs 'minutes'"),
        ({"field": "recent.duplicates", "op": "not_empty", "args": {"minutes": 0}}, "rules[0].when.any[0].args.minutes", "minutes must be a whole number from 1 to 10080"),
        ({"field": "order.channel", "op": "eq", "value": "jd", "args": {"minutes": 5}}, "rules[0].when.any[0].args.minutes", "order.channel takes no argument 'minutes'"),
        ({"field": "order.channel", "op": "in", "value": "jd"}, "rules[0].when.any[0].value", "'in' and 'not_in' need a non-empty list"),
        ({"field": "order.channel", "op": "like", "value": "jd"}, "rules[0].when.any[0].op", "Input should be 'eq'"),
    ],
)
def test_a_malformed_condition_is_refused_at_its_place(comparison, location, message):
    document = {"rules": [rule(when={"any": [comparison, {"field": "order.channel", "op": "eq", "value": "jd"}]}, params={}, reason={"zh": "大额", "en": "large"})]}
    found = problems(document)
    assert any(loc == location and message in msg for loc, msg in found), found


def test_params_and_placeholders_must_exist_and_be_used():
    document = {"rules": [rule(params={"amount": "5000", "spare": 3}, reason={"zh": "{order.line_total}", "en": "{amout} {line.sku}"})]}
    found = dict(problems(document))
    assert found["rules[0].params.spare"] == "parameter 'spare' is used neither by the condition nor by the reason"
    assert found["rules[0].reason.zh"] == "placeholder {order.line_total} is not a known field; did you mean {order.lines_total}?"
    assert "placeholder {amout} is neither a fact nor one of this rule's params" in [m for loc, m in problems(document) if loc == "rules[0].reason.en"]
    assert "placeholder {line.sku} is about a line, but the condition asks about no line field" in [m for loc, m in problems(document) if loc == "rules[0].reason.en"]


def test_rule_ids_are_unique():
    assert ("rules[1].id", "rule id 'big.douyin.order' is already used by rules[0]") in problems({"rules": [rule(), rule()]})


def test_not_in_rates_in_percent_and_disabled_rules(shanghai_order):
    document = {
        "rules": [
            rule(id="a", when={"not": {"field": "order.channel", "op": "in", "value": ["own_shop", "tmall"]}}, params={}, reason={"zh": "非自营", "en": "not own shop"}),
            rule(id="b", when={"field": "line.discount_rate", "op": "ge", "value": "5%"}, params={}, reason={"zh": "{line.discount_rate}", "en": "{line.discount_rate}"}, severity="FLAG"),
            rule(id="c", enabled=False, when={"field": "order.line_count", "op": "ge", "value": 1}, params={}, reason={"zh": "c", "en": "c"}),
        ]
    }
    result = compile_rule_set(document).review(OrderIn.model_validate(shanghai_order))
    assert [(f.rule_id, f.reason_en) for f in result.findings] == [("b", "6%")]  # 20 off 336, shown to a tenth of a percent
    assert result.decision == "APPROVED"


def test_a_line_rule_fires_once_per_offending_line(shanghai_order):
    document = {"rules": [rule(id="cheap", when={"field": "line.unit_price", "op": "lt", "value": 100}, params={}, reason={"zh": "第{line.number}行", "en": "line {line.number}"})]}
    lines = [{"sku": "A", "quantity": 1, "unit_price": "50"}, {"sku": "B", "quantity": 1, "unit_price": "150"}, {"sku": "C", "quantity": 1, "unit_price": "99.99"}]
    result = compile_rule_set(document).review(OrderIn.model_validate({**shanghai_order, "lines": lines}))
    assert [f.reason_en for f in result.findings] == ["line 1", "line 3"]


def test_diff_names_each_changed_value_by_rule_id():
    before = default_document()
    after = copy.deepcopy(before)
    limit = next(r for r in after["rules"] if r["id"] == "price.discount.limit")
    limit["params"]["max_discount_rate"] = "25%"
    after["rules"] = [r for r in after["rules"] if r["id"] != "address.remote"] + [rule()]
    changes = {(c.path, c.change): (c.before, c.after) for c in diff(before, after)}
    assert changes[("rules[price.discount.limit].params.max_discount_rate", "changed")] == ("30%", "25%")
    assert ("rules[address.remote]", "removed") in changes
    assert changes[("rules[big.douyin.order]", "added")][1]["severity"] == "HOLD"
    assert len(changes) == 3


def test_the_documented_schema_and_fact_catalogue_are_current():
    from pathlib import Path

    from shared.review_rules.facts import CATALOGUE

    docs = Path(__file__).resolve().parents[2] / "docs"
    assert json.loads((docs / "review-rules.schema.json").read_text("utf-8")) == json_schema()
    guide = (docs / "review.md").read_text("utf-8")
    assert [name for name in CATALOGUE if f"| `{name}` |" not in guide] == []
