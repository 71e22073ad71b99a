"""The rule-set document, as business users write it (JSON) and as the API stores it.

    {"description": "...", "rules": [
      {"id": "price.discount.limit", "description": "...", "severity": "HOLD",
       "when": {"field": "line.discount_rate", "op": "gt", "value": {"param": "max_discount_rate"}},
       "params": {"max_discount_rate": "30%"},
       "reason": {"zh": "第{line.number}行 折扣 {line.discount_rate} 超过 {max_discount_rate}",
                  "en": "line {line.number}: discount {line.discount_rate} is above {max_discount_rate}"}}]}

A condition is a comparison {"field", "op", "value"} or a combination {"all": [...]},
{"any": [...]}, {"not": {...}}. A value is a literal, {"param": name} or {"field": name}. Whether
a field exists and a value fits it is checked by the compiler against the fact catalogue, so each
mistake is reported with its location.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from shared.review_rules.outcome import Severity

RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=80)]
ParamName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Scalar = Union[bool, int, Decimal, str]  # bool first: JSON true must not become 1
Literal_ = Union[Scalar, list[Scalar]]


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    NOT_IN = "not_in"
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"
    EXISTS = "exists"  # the fact has a value (an unknown price, an absent invoice have none)
    MISSING = "missing"
    NOT_EMPTY = "not_empty"  # a list fact with at least one item
    EMPTY = "empty"


UNARY_OPS = frozenset({Op.IS_TRUE, Op.IS_FALSE, Op.EXISTS, Op.MISSING, Op.NOT_EMPTY, Op.EMPTY})


class _Strict(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid")


class ParamRef(_Strict):
    param: ParamName


class FieldRef(_Strict):
    field: str = Field(min_length=1)


def _operand_kind(value: Any) -> str:
    # Called with the raw JSON when validating and with the model instance when serialising.
    if isinstance(value, ParamRef) or (isinstance(value, dict) and "param" in value):
        return "operand:param"
    if isinstance(value, FieldRef) or (isinstance(value, dict) and "field" in value):
        return "operand:field"
    return "operand:literal"


Operand = Annotated[
    Union[Annotated[ParamRef, Tag("operand:param")], Annotated[FieldRef, Tag("operand:field")], Annotated[Literal_, Tag("operand:literal")]],
    Discriminator(_operand_kind),
]


class Comparison(_Strict):
    field: str = Field(min_length=1, description="A fact from the catalogue, e.g. line.unit_price")
    args: dict[str, Union[int, ParamRef]] = Field(default_factory=dict, description="Arguments of a windowed fact, e.g. minutes")
    op: Op
    value: Operand | None = Field(default=None, description="Omitted for is_true, is_false, exists, missing, empty, not_empty")


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _condition_kind(value: Any) -> str:
    for model, kind in ((AllOf, "cond:all"), (AnyOf, "cond:any"), (NotOf, "cond:not"), (Comparison, "cond:compare")):
        if isinstance(value, model):  # serialising a model instance
            return kind
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return f"cond:{key}"
    return "cond:compare"


Condition = Annotated[
    Union[
        Annotated[AllOf, Tag("cond:all")],
        Annotated[AnyOf, Tag("cond:any")],
        Annotated[NotOf, Tag("cond:not")],
        Annotated[Comparison, Tag("cond:compare")],
    ],
    Discriminator(_condition_kind),
]


class Reason(_Strict):
    """What the operator reads, with {line.sku}-style fact placeholders and {param} placeholders."""

    zh: str = Field(min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)


class RuleSpec(_Strict):
    id: RuleId
    description: str = Field(min_length=1, max_length=500)
    severity: Severity
    enabled: bool = True
    when: Condition
    params: dict[ParamName, Literal_] = Field(default_factory=dict)
    reason: Reason


class RuleSetDocument(_Strict):
    description: str = Field(default="", max_length=1000)
    rules: list[RuleSpec] = Field(max_length=500)


for _model in (AllOf, AnyOf, NotOf, RuleSpec):
    _model.model_rebuild()


def json_schema() -> dict[str, Any]:
    """The JSON Schema editors validate rule sets with (docs/review-rules.schema.json)."""
    schema = RuleSetDocument.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "oms review rule set"
    return schema
