"""快递策略: which carrier and which of its services ship each package, as rules in data
(shared/data/carrier_strategy.json), checked when loaded.

The router has already chosen the warehouses and priced every carrier of each (its cheapest is
the package's carrier); the optimiser and its cost model stay as they are. The strategy then
looks at each package — destination region, weight, days left to the promised date, the carriers'
prices and transit days — and the first rule whose conditions hold decides the carrier (the
cheapest of a set, the fastest, or a named one) and the service. The package's cost follows the
carrier chosen, so the plan's total stays the sum of what will really be paid."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shared.writeback.carriers import carrier_table

STRATEGY_FILE = Path(__file__).resolve().parent.parent / "data" / "carrier_strategy.json"
Choose = Literal["cheapest", "fastest"] | str


class Conditions(BaseModel, extra="forbid"):
    provinces: list[str] | None = Field(default=None, min_length=1, description="GB/T 2260 province codes of the destination")
    min_weight_kg: Decimal | None = Field(default=None, ge=0)
    max_weight_kg: Decimal | None = Field(default=None, gt=0)
    max_days_to_promise: int | None = Field(default=None, ge=0, description="Days from today to the promised date, at most")
    channels: list[str] | None = Field(default=None, min_length=1)


class CarrierRule(BaseModel, extra="forbid"):
    rule_id: str = Field(min_length=1, pattern=r"^[a-z0-9-]+$")
    description: str = ""
    when: Conditions
    choose: str = Field(min_length=1, description="cheapest, fastest, or a carrier id")
    carriers: list[str] | None = Field(default=None, min_length=1, description="Only these carriers")
    service: str | None = None


class CarrierStrategy(BaseModel, extra="forbid"):
    default_services: dict[str, str]
    rules: list[CarrierRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_carriers(self) -> CarrierStrategy:
        known = set(carrier_table().carriers)
        problems = [f"default_services names unknown carrier {c}" for c in self.default_services if c not in known]
        ids = [r.rule_id for r in self.rules]
        problems += [f"rule {i} is listed twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
        for rule in self.rules:
            named = [*(rule.carriers or []), *([] if rule.choose in ("cheapest", "fastest") else [rule.choose])]
            problems += [f"rule {rule.rule_id}: unknown carrier {c}" for c in named if c not in known]
        if self.rules[-1].when.model_dump(exclude_none=True):
            problems.append(f"the last rule ({self.rules[-1].rule_id}) must have no conditions, so every package gets a carrier")
        if problems:
            raise ValueError("; ".join(problems))
        return self


@dataclass(frozen=True)
class Quote:
    """One carrier's offer for one package, as the router priced it."""

    carrier: str
    fen: int
    transit_days: int


@dataclass(frozen=True)
class Package:
    province_code: str
    weight_kg: Decimal
    days_to_promise: int | None
    channel: str | None
    quotes: tuple[Quote, ...]  # in the warehouse's carrier order; the router's choice is the cheapest


@dataclass(frozen=True)
class CarrierChoice:
    carrier: str
    service: str
    rule_id: str
    fen: int


@lru_cache(maxsize=1)
def shipped_strategy() -> CarrierStrategy:
    document = json.loads(STRATEGY_FILE.read_text("utf-8"))
    document.pop("_source", None)
    return CarrierStrategy.model_validate(document)


def choose_carrier(package: Package, strategy: CarrierStrategy | None = None) -> CarrierChoice:
    strategy = strategy or shipped_strategy()
    for rule in strategy.rules:
        if not _holds(rule.when, package):
            continue
        offered = [q for q in package.quotes if rule.carriers is None or q.carrier in rule.carriers]
        if rule.choose == "cheapest":
            picked = min(offered, key=lambda q: q.fen, default=None)  # min keeps the first of equals
        elif rule.choose == "fastest":
            picked = min(offered, key=lambda q: (q.transit_days, q.fen), default=None)
        else:
            picked = next((q for q in offered if q.carrier == rule.choose), None)
        if picked is not None:  # the warehouse lacks the rule's carriers: the next rule decides
            service = rule.service or strategy.default_services.get(picked.carrier, "standard")
            return CarrierChoice(carrier=picked.carrier, service=service, rule_id=rule.rule_id, fen=picked.fen)
    cheapest = min(package.quotes, key=lambda q: q.fen)  # unreachable with a valid strategy's catch-all
    return CarrierChoice(cheapest.carrier, strategy.default_services.get(cheapest.carrier, "standard"), "router", cheapest.fen)


def _holds(when: Conditions, package: Package) -> bool:
    if when.provinces is not None and package.province_code not in when.provinces:
        return False
    if when.min_weight_kg is not None and package.weight_kg < when.min_weight_kg:
        return False
    if when.max_weight_kg is not None and package.weight_kg > when.max_weight_kg:
        return False
    if when.max_days_to_promise is not None and (package.days_to_promise is None or package.days_to_promise > when.max_days_to_promise):
        return False
    return when.channels is None or package.channel in when.channels
