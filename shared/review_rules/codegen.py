"""A rule set's conditions as one plain Python function, generated once per rule set and run for
every order (decision 166).

The compiler (compiler.py) validates each rule and writes its condition as a Python expression
here; `Program.review_function` turns them into the source of one function, exec'd once per
rule-set version (the code object is also kept per source text). Reviewing an order is then a
run of that function: no closure per comparison, no call per `all`/`any`, and every fact is
computed at most once per order (or per line) into a local variable, whoever asks first.

What the generated function keeps from the rules' meaning:
- every comparison with a missing value (None) is false; `in`/`not_in` likewise;
- `all` stops at the first false part, `any` at the first true one (facts are pure, so which
  facts were computed never changes an answer);
- a rule about a line is checked for every line; the function walks the lines once and checks
  every line rule on each, and the caller puts the findings back in rule order, then line order,
  the order in which the rules are listed;
- when a rule fires, the costly facts it computed are left in the subject's (or line's) cache,
  where its reason's placeholders read them.

An example, `price.discount.limit` (line.discount_rate > 30%, not a gift), becomes

    if (l1 if l1 is not _M else (l1 := F1(s, v))) is not None and l1 > C0 and (l2 if l2 is not _M else (l2 := F2(s, v))) is False:
        hits.append((5, v))
        if l1 is not _M: v.cache['line.discount_rate'] = l1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from types import CodeType
from typing import Any

from shared.review_rules.document import Op
from shared.review_rules.subject import Fact

NOT_YET = object()  # a fact not computed yet for this order (or line)
FALSE = "False"  # a condition that can never hold (a rule with a mistake is refused anyway)

_OPERATOR = {Op.EQ: "==", Op.NE: "!=", Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}


@dataclass(frozen=True, slots=True)
class Value:
    """A fact's value in the generated code: `first` computes it (or reads the local it was kept
    in), `again` reads it once `first` has run; `nullable`: it may be missing (None)."""

    first: str
    again: str
    nullable: bool = True

    def count(self) -> Value:
        """How many other orders (an ORDER_IDS fact compared with a number)."""
        return Value(f"len({self.first})", f"len({self.again})", nullable=False)


@dataclass
class Program:
    """The namespace and the fact locals shared by one rule set's conditions."""

    namespace: dict[str, Any] = field(default_factory=lambda: {"_M": NOT_YET})
    order_facts: dict[tuple[str, int | None], str] = field(default_factory=dict)  # (fact, minutes) -> local
    line_facts: dict[str, str] = field(default_factory=dict)  # fact -> local
    cached: dict[str, tuple[str, Any]] = field(default_factory=dict)  # local -> (cache owner "s" or "v", cache key)
    constants: dict[tuple[type, Any], str] = field(default_factory=dict)

    def constant(self, value: Any) -> str:
        key = (type(value), value)
        name = self.constants.get(key)
        if name is None:
            name = self.constants[key] = f"C{len(self.constants)}"
            self.namespace[name] = value
        return name

    def fact(self, fact: Fact, minutes: int | None = None) -> Value:
        """The fact's value, computed on first use into a local of the generated function."""
        if fact.per_line:
            local = self.line_facts.get(fact.name)
            if local is None:
                local = self.line_facts[fact.name] = f"l{len(self.line_facts)}"
                self.namespace[f"F{local}"] = fact.extract
                if fact.costly:
                    self.cached[local] = ("v", fact.name)
            call = f"F{local}(s, v)"
        else:
            local = self.order_facts.get((fact.name, minutes))
            if local is None:
                local = self.order_facts[(fact.name, minutes)] = f"o{len(self.order_facts)}"
                self.namespace[f"F{local}"] = fact.extract
                if minutes is not None:
                    self.cached[local] = ("s", (fact.name, minutes))
                elif fact.costly:
                    self.cached[local] = ("s", fact.name)
            call = f"F{local}(s)" if minutes is None else f"F{local}(s, minutes={minutes!r})"
        return Value(f"({local} if {local} is not _M else ({local} := {call}))", local)

    # conditions

    def unary(self, op: Op, value: Value) -> str:
        if op is Op.IS_TRUE:
            return f"{value.first} is True"
        if op is Op.IS_FALSE:
            return f"{value.first} is False"
        if op is Op.EXISTS:
            return f"{value.first} is not None"
        if op is Op.MISSING:
            return f"{value.first} is None"
        if op is Op.NOT_EMPTY:
            return f"(not not {value.first})"
        return f"({value.first} is not None and not {value.again})"  # EMPTY

    def compare(self, op: Op, value: Value, constant: Any) -> str:
        c = self.constant(constant)
        if not value.nullable:
            return f"{value.first} {_OPERATOR[op]} {c}"
        return f"({value.first} is not None and {value.again} {_OPERATOR[op]} {c})"

    def member(self, op: Op, value: Value, members: frozenset[Any]) -> str:
        return f"({value.first} is not None and {value.again} {'in' if op is Op.IN else 'not in'} {self.constant(members)})"

    def compare_facts(self, op: Op, value: Value, other: Value) -> str:
        parts = [f"{v.first} is not None" for v in (value, other) if v.nullable]
        left = value.again if value.nullable else value.first
        right = other.again if other.nullable else other.first
        return "(" + " and ".join([*parts, f"{left} {_OPERATOR[op]} {right}"]) + ")"

    @staticmethod
    def all_of(parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    @staticmethod
    def any_of(parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"

    @staticmethod
    def not_of(part: str) -> str:
        return f"(not {part})"

    # the function

    def source(self, rules: list[tuple[str, bool]]) -> str:
        """The review function of these (condition, per line) rules, in their order: it returns
        the (rule index, line view or None) of every rule that holds."""
        out = ["def review(s):", "    hits = []"]
        if self.order_facts:
            out.append("    " + " = ".join(self.order_facts.values()) + " = _M")
        for index, (condition, per_line) in enumerate(rules):
            if not per_line:
                out += [f"    if {condition}:", f"        hits.append(({index}, None)){self._remember(condition, ' ' * 8)}"]
        line_rules = [(index, condition) for index, (condition, per_line) in enumerate(rules) if per_line]
        if line_rules:
            out.append("    for v in s.lines:")
            if self.line_facts:
                out.append("        " + " = ".join(self.line_facts.values()) + " = _M")
            for index, condition in line_rules:
                out += [f"        if {condition}:", f"            hits.append(({index}, v)){self._remember(condition, ' ' * 12)}"]
        out.append("    return hits")
        return "\n".join(out) + "\n"

    def _remember(self, condition: str, indent: str) -> str:
        """Statements that leave the costly facts a firing rule computed (an `any` may have
        stopped before some) where its reason's placeholders read them."""
        return "".join(
            f"\n{indent}if {local} is not _M: {owner}.cache[{key!r}] = {local}"
            for local, (owner, key) in self.cached.items()
            if f"({local} := " in condition
        )

    def function(self, rules: list[tuple[str, bool]]) -> Any:
        namespace = dict(self.namespace)
        exec(_code_of(self.source(rules)), namespace)  # noqa: S102 - our own generated source, see above
        return namespace["review"]


@lru_cache(maxsize=64)
def _code_of(source: str) -> CodeType:
    return compile(source, "<review rules>", "exec")
