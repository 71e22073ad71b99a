"""Turns a rule-set document into one plain Python function once (codegen.py, decision 166), so
that reviewing an order is a run of straight-line code over the facts it needs: no parsing, no I/O,
no model building and no closure per rule.

Compiling also checks what the schema cannot: that every field is in the fact catalogue, that an
operator suits the field, that each value fits (a number for money, a listed channel for
order.channel), that params and placeholders exist. Every mistake is reported with its location;
a rule set with any mistake is refused whole.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from shared.orders import OrderIn
from shared.review_rules.document import UNARY_OPS, AllOf, AnyOf, Comparison, Condition, FieldRef, NotOf, Op, ParamRef, RuleSetDocument, RuleSpec
from shared.review_rules.codegen import FALSE, Program, Value
from shared.review_rules.facts import CATALOGUE, NUMERIC, Fact, Kind, LineView, ReviewContext, Subject
from shared.review_rules.outcome import Decision, Finding, ReviewResult, Severity, decide
from shared.review_rules.problems import Problem, RuleSetInvalid, from_validation_error, location

Check = str  # a condition as a Python expression over the generated function's locals (codegen.py)
Getter = Callable[[Subject, LineView | None], Any]
Path = tuple[str | int, ...]

MAX_WINDOW_MINUTES = 7 * 24 * 60
_MISSING = object()
_TENTH = Decimal("0.1")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_.]*)\}")

_OPS_FOR_KIND: dict[Kind, frozenset[Op]] = {
    Kind.BOOL: frozenset({Op.EQ, Op.NE, Op.IS_TRUE, Op.IS_FALSE, Op.EXISTS, Op.MISSING}),
    Kind.TEXT: frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.EXISTS, Op.MISSING}),
    Kind.CHOICE: frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.EXISTS, Op.MISSING}),
    Kind.TEXT_LIST: frozenset({Op.NOT_EMPTY, Op.EMPTY, Op.EXISTS, Op.MISSING}),
    Kind.ORDER_IDS: frozenset({Op.NOT_EMPTY, Op.EMPTY, Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE}),
    **{k: frozenset({Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.EXISTS, Op.MISSING}) for k in NUMERIC},
}


# -- rendering values in reasons ------------------------------------------------------------


def render(value: Any, kind: Kind, language: str, zh_items: Mapping[str, str] | None = None) -> str:
    if value is None:
        return "未知" if language == "zh" else "unknown"
    if kind is Kind.MONEY:
        return f"{Decimal(value):.2f}"
    if kind is Kind.RATE:
        return f"{(Decimal(value) * 100).quantize(_TENTH, ROUND_HALF_UP).normalize():f}%"
    if kind is Kind.BOOL:
        return ("是" if value else "否") if language == "zh" else ("yes" if value else "no")
    if kind in (Kind.TEXT_LIST, Kind.ORDER_IDS):
        items = [zh_items.get(i, i) for i in value] if (zh_items and language == "zh") else list(value)
        shown = items[:5] + ([f"… (+{len(items) - 5})"] if len(items) > 5 else [])
        return ("、" if language == "zh" else ", ").join(shown)
    if isinstance(value, Decimal):  # ratios: one decimal is enough to read
        return f"{value.quantize(_TENTH, ROUND_HALF_UP).normalize():f}" if value.as_tuple().exponent < -1 else f"{value.normalize():f}"
    return str(value)


# -- the compiled form ----------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    id: str
    severity: Severity
    per_line: bool
    condition: Check  # the rule's condition as generated code (codegen.py)
    reason_en: Callable[[Subject, LineView | None], str]
    reason_zh: Callable[[Subject, LineView | None], str]

    def finding(self, s: Subject, v: LineView | None) -> Finding:
        return Finding.model_construct(rule_id=self.id, severity=self.severity, reason_en=self.reason_en(s, v), reason_zh=self.reason_zh(s, v))


@dataclass(frozen=True)
class CompiledRuleSet:
    document: RuleSetDocument
    rules: tuple[CompiledRule, ...]
    lookback_minutes: int  # the widest window a rule looks back for other orders; 0: none needed
    version: int | None = None
    program: Program = field(default_factory=Program, repr=False, compare=False)  # the conditions' namespace and fact locals

    @cached_property
    def _check(self) -> Callable[[Subject], list[tuple[int, LineView | None]]]:
        """The rules' conditions as one generated function, built on the first review."""
        return self.program.function([(rule.condition, rule.per_line) for rule in self.rules])

    def review(self, order: OrderIn, context: ReviewContext | None = None, order_id: str | None = None) -> ReviewResult:
        return self.review_subject(Subject(order_id or order.order_id, order, context or ReviewContext.empty()))

    def review_subject(self, s: Subject) -> ReviewResult:
        """The review of an order its caller holds as a Subject, to use the keys and facts the
        review computed afterwards (Subject.recent_order)."""
        hits = self._check(s)
        if not hits:
            return ReviewResult(Decision.APPROVED, [], self.version)
        if len(hits) > 1:
            hits.sort(key=_listed_order)  # the rules' order, then the lines' (line rules were checked line by line)
        rules = self.rules
        findings = [rules[index].finding(s, line) for index, line in hits]
        return ReviewResult(decide(findings), findings, self.version)


def _listed_order(hit: tuple[int, LineView | None]) -> tuple[int, int]:
    return hit[0], 0 if hit[1] is None else hit[1].number


# -- compiling ------------------------------------------------------------------------------


def compile_rule_set(document: Any, version: int | None = None) -> CompiledRuleSet:
    """Validates and compiles; raises RuleSetInvalid listing every mistake with its location."""
    try:
        parsed = document if isinstance(document, RuleSetDocument) else RuleSetDocument.model_validate(document)
    except ValidationError as error:
        raise from_validation_error(error, document) from None
    problems: list[Problem] = []
    compiled: list[CompiledRule] = []
    lookback = 0
    seen: dict[str, int] = {}
    program = Program()
    for index, spec in enumerate(parsed.rules):
        if spec.id in seen:
            problems.append(Problem(location=location(("rules", index, "id")), rule_id=spec.id, message=f"rule id '{spec.id}' is already used by rules[{seen[spec.id]}]"))
        seen.setdefault(spec.id, index)
        rule_compiler = _RuleCompiler(spec, ("rules", index), program)
        rule = rule_compiler.compile()
        problems.extend(rule_compiler.problems)
        lookback = max(lookback, rule_compiler.widest_window)
        if rule is not None and spec.enabled:
            compiled.append(rule)
    if problems:
        raise RuleSetInvalid(problems)
    return CompiledRuleSet(document=parsed, rules=tuple(compiled), lookback_minutes=lookback, version=version, program=program)


class _RuleCompiler:
    def __init__(self, spec: RuleSpec, path: Path, program: Program):
        self.spec, self.path, self.program = spec, path, program
        self.problems: list[Problem] = []
        self.per_line = False
        self.widest_window = 0
        self.used_params: dict[str, Kind] = {}
        self.windows: dict[str, int] = {}  # windowed fact -> minutes, as the condition asks

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(location=location(path), rule_id=self.spec.id, message=message))

    def compile(self) -> CompiledRule | None:
        check = self.condition(self.spec.when, (*self.path, "when"))
        reason_en = self.template(self.spec.reason.en, "en")
        reason_zh = self.template(self.spec.reason.zh, "zh")
        for name in self.spec.params:
            if name not in self.used_params and name not in self.template_params:
                self.problem((*self.path, "params", name), f"parameter '{name}' is used neither by the condition nor by the reason")
        if self.problems:
            return None
        return CompiledRule(self.spec.id, self.spec.severity, self.per_line, check, reason_en, reason_zh)

    # conditions

    def condition(self, node: Condition, path: Path) -> Check:
        if isinstance(node, AllOf):
            return self.program.all_of([self.condition(c, (*path, "all", i)) for i, c in enumerate(node.all)])
        if isinstance(node, AnyOf):
            return self.program.any_of([self.condition(c, (*path, "any", i)) for i, c in enumerate(node.any)])
        if isinstance(node, NotOf):
            return self.program.not_of(self.condition(node.not_, (*path, "not")))
        return self.comparison(node, path)

    def comparison(self, node: Comparison, path: Path) -> Check:
        fact = self.fact(node.field, (*path, "field"))
        if fact is None:
            return FALSE
        got = self.value(fact, node.args, path)
        allowed = _OPS_FOR_KIND[fact.kind]
        if node.op not in allowed:
            self.problem((*path, "op"), f"'{node.op.value}' does not apply to {fact.name} ({fact.kind.value}); use one of {', '.join(sorted(o.value for o in allowed))}")
            return FALSE
        if node.op in UNARY_OPS:
            if node.value is not None:
                self.problem((*path, "value"), f"'{node.op.value}' takes no value")
            return self.program.unary(node.op, got)
        if node.value is None:
            self.problem((*path, "value"), f"'{node.op.value}' needs a value to compare with")
            return FALSE
        if fact.kind is Kind.ORDER_IDS:  # compare how many other orders there are
            got, kind = got.count(), Kind.COUNT
        else:
            kind = fact.kind
        return self.binary(node.op, got, fact, kind, node.value, (*path, "value"))

    def binary(self, op: Op, got: Value, fact: Fact, kind: Kind, operand: Any, path: Path) -> Check:
        many = op in (Op.IN, Op.NOT_IN)
        if isinstance(operand, FieldRef):
            other = self.fact(operand.field, (*path, "field"))
            if other is None:
                return FALSE
            if many or not _comparable(kind, other.kind) or other.args:
                self.problem(path, f"{fact.name} ({kind.value}) cannot be compared with {other.name} ({other.kind.value})")
                return FALSE
            return self.program.compare_facts(op, got, self.program.fact(other))
        if isinstance(operand, ParamRef):
            if operand.param not in self.spec.params:
                self.problem((*path, "param"), f"no parameter '{operand.param}' in this rule's params")
                return FALSE
            self.used_params.setdefault(operand.param, kind)
            value = self.coerce(self.spec.params[operand.param], kind, fact, many, (*self.path, "params", operand.param))
        else:
            value = self.coerce(operand, kind, fact, many, path)
        if value is _MISSING:
            return FALSE
        if many:
            return self.program.member(op, got, frozenset(value))
        return self.program.compare(op, got, value)

    def coerce(self, raw: Any, kind: Kind, fact: Fact, many: bool, path: Path) -> Any:
        if many:
            if not isinstance(raw, list) or not raw:
                self.problem(path, "'in' and 'not_in' need a non-empty list")
                return _MISSING
            values = [self.coerce(item, kind, fact, False, (*path, i)) for i, item in enumerate(raw)]
            return _MISSING if any(v is _MISSING for v in values) else values
        if isinstance(raw, list):
            self.problem(path, "a list is only allowed with 'in' and 'not_in'")
            return _MISSING
        value, error = _coerce_scalar(raw, kind, fact)
        if error:
            self.problem(path, error)
            return _MISSING
        return value

    # facts

    def fact(self, name: str, path: Path) -> Fact | None:
        fact = CATALOGUE.get(name)
        if fact is None:
            close = difflib.get_close_matches(name, CATALOGUE, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; see the fact catalogue in docs/review.md"
            self.problem(path, f"unknown field '{name}'{hint}")
            return None
        self.per_line = self.per_line or fact.per_line
        return fact

    def value(self, fact: Fact, args: Mapping[str, Any], path: Path) -> Value:
        for name in args:
            if name not in fact.args:
                self.problem((*path, "args", name), f"{fact.name} takes no argument '{name}'" + (f" (it takes {', '.join(fact.args)})" if fact.args else ""))
        if fact.args:
            minutes = self.minutes(fact, args.get("minutes"), (*path, "args"))
            self.windows.setdefault(fact.name, minutes)
            self.widest_window = max(self.widest_window, minutes)
            return self.program.fact(fact, minutes)
        return self.program.fact(fact)

    def minutes(self, fact: Fact, raw: Any, path: Path) -> int:
        if raw is None:
            self.problem(path, f"{fact.name} needs 'minutes': how far from this order to look for others")
            return 0
        if isinstance(raw, ParamRef):
            if raw.param not in self.spec.params:
                self.problem((*path, "minutes", "param"), f"no parameter '{raw.param}' in this rule's params")
                return 0
            self.used_params.setdefault(raw.param, Kind.COUNT)
            path, raw = (*self.path, "params", raw.param), self.spec.params[raw.param]
        else:
            path = (*path, "minutes")
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_WINDOW_MINUTES:
            self.problem(path, f"minutes must be a whole number from 1 to {MAX_WINDOW_MINUTES} (7 days)")
            return 0
        return raw

    # reasons

    @property
    def template_params(self) -> set[str]:
        names = set()
        for text in (self.spec.reason.en, self.spec.reason.zh):
            names.update(n for n in _PLACEHOLDER.findall(text) if "." not in n)
        return names

    def template(self, text: str, language: str) -> Callable[[Subject, LineView | None], str]:
        path = (*self.path, "reason", language)
        parts: list[Any] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            part = self.placeholder(match.group(1), language, path)
            if part is not None:
                parts.append(part)
        parts.append(text[position:])
        fixed = [p for p in parts if p != ""]
        if all(isinstance(p, str) for p in fixed):
            constant = "".join(fixed)
            return lambda s, v: constant
        return lambda s, v: "".join(p if isinstance(p, str) else p(s, v) for p in fixed)

    def placeholder(self, name: str, language: str, path: Path) -> Callable[[Subject, LineView | None], str] | None:
        if "." not in name:
            if name not in self.spec.params:
                self.problem(path, f"placeholder {{{name}}} is neither a fact nor one of this rule's params")
                return None
            raw, kind = self.spec.params[name], self.used_params.get(name)
            value = _coerce_scalar(raw, kind, None)[0] if kind and not isinstance(raw, list) else raw
            text = render(value, kind, language) if kind else (", ".join(map(str, raw)) if isinstance(raw, list) else str(raw))
            return lambda s, v: text
        fact = CATALOGUE.get(name)
        if fact is None:
            close = difflib.get_close_matches(name, CATALOGUE, n=1)
            self.problem(path, f"placeholder {{{name}}} is not a known field" + (f"; did you mean {{{close[0]}}}?" if close else ""))
            return None
        if fact.per_line and not self.per_line:
            self.problem(path, f"placeholder {{{name}}} is about a line, but the condition asks about no line field")
            return None
        if fact.args:
            if fact.name not in self.windows:
                self.problem(path, f"placeholder {{{name}}} needs a window: use {name} in the condition first")
                return None
            getter = _windowed_getter(fact, self.windows[fact.name])
        else:
            getter = _getter(fact)
        kind, zh_items = fact.kind, fact.zh_items
        return lambda s, v: render(getter(s, v), kind, language, zh_items)


# -- building blocks ------------------------------------------------------------------------


def _getter(fact: Fact) -> Getter:
    if fact.costly:
        return _line_getter(fact) if fact.per_line else _order_getter(fact)
    if fact.per_line:
        return fact.extract  # (subject, line) already
    extract = fact.extract
    return lambda s, v: extract(s)


def _order_getter(fact: Fact) -> Getter:
    key, extract = fact.name, fact.extract

    def get(s: Subject, v: LineView | None) -> Any:
        cache = s.cache
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = cache[key] = extract(s)
        return value

    return get


def _line_getter(fact: Fact) -> Getter:
    key, extract = fact.name, fact.extract

    def get(s: Subject, v: LineView | None) -> Any:
        cache = v.cache
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = cache[key] = extract(s, v)
        return value

    return get


def _windowed_getter(fact: Fact, minutes: int) -> Getter:
    key, extract = (fact.name, minutes), fact.extract

    def get(s: Subject, v: LineView | None) -> Any:
        cache = s.cache
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = cache[key] = extract(s, minutes=minutes)
        return value

    return get


def _comparable(kind: Kind, other: Kind) -> bool:
    if kind in NUMERIC and other in NUMERIC:
        return kind == other or {kind, other} <= {Kind.COUNT, Kind.NUMBER}
    if {kind, other} <= {Kind.TEXT, Kind.CHOICE}:
        return True
    return kind == other and kind is Kind.BOOL


def _coerce_scalar(raw: Any, kind: Kind, fact: Fact | None) -> tuple[Any, str | None]:
    """(value, None) or (None, what is wrong)."""
    if kind is Kind.BOOL:
        return (raw, None) if isinstance(raw, bool) else (None, "expected true or false")
    if kind in (Kind.TEXT, Kind.CHOICE):
        if not isinstance(raw, str):
            return None, "expected text"
        if kind is Kind.CHOICE and fact is not None and raw not in fact.choices:
            return None, f"'{raw}' is not a value of {fact.name}; one of {', '.join(fact.choices)}"
        return raw, None
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal, str)):
        return None, "expected a number"
    text = str(raw).strip()
    percent = kind is Kind.RATE and text.endswith("%")
    try:
        number = Decimal(text[:-1] if percent else text)
    except InvalidOperation:
        return None, f"'{raw}' is not a number" + (" (a rate may be written 0.3 or \"30%\")" if kind is Kind.RATE else "")
    if not number.is_finite():
        return None, "expected a finite number"
    if percent:
        number /= 100
    if kind is Kind.COUNT:
        if number != number.to_integral_value():
            return None, "expected a whole number"
        return int(number), None
    return number, None

