"""A candidate routing policy: what changes against the configuration in force. Every part is
optional; what is not given stays as shipped (shared/data/routing_*.json).

  policy        a whole policy document (penalties, warehouse defaults, strategies, default
                strategy, strategy per channel), as shared/data/routing_policy.json
  rate_cards    whole rate cards, as shared/data/routing_rates.json
  strategy      one strategy for every order (the policy's strategy per channel is dropped)
  max_packages  the split limit, applied to every strategy (1 = never split)
  carriers      per warehouse id, the carriers it may use (carrier rules)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.routing import Network, RoutingConfigError, Warehouse, build_network
from shared.routing.config import CATALOGUE_FILE, POLICY_FILE, RATE_CARDS_FILE, parse_config


class CandidatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: dict[str, Any] | None = Field(default=None, description="A whole routing policy document (shared/data/routing_policy.json's shape)")
    rate_cards: dict[str, Any] | None = Field(default=None, description="Whole rate cards (shared/data/routing_rates.json's shape)")
    strategy: str | None = Field(default=None, min_length=1, description="Route every order by this strategy of the policy")
    max_packages: int | None = Field(default=None, ge=1, le=10, description="The split limit for every strategy (1 = never split)")
    carriers: dict[str, list[str]] | None = Field(default=None, description="Carriers each named warehouse may use")

    def describe(self) -> str:
        parts = [name for name in ("policy", "rate_cards") if getattr(self, name) is not None]
        if self.strategy:
            parts.append(f"strategy {self.strategy}")
        if self.max_packages:
            parts.append(f"at most {self.max_packages} package(s)")
        if self.carriers:
            parts.append("carriers of " + ", ".join(sorted(self.carriers)))
        return "; ".join(parts) or "the configuration in force"


def _shipped(path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


def candidate_policy(candidate: CandidatePolicy, base_policy: dict[str, Any] | None = None) -> dict[str, Any]:
    policy = copy.deepcopy(candidate.policy if candidate.policy is not None else base_policy or _shipped(POLICY_FILE))
    problems = []
    if candidate.strategy is not None:
        if candidate.strategy not in policy.get("strategies", {}):
            problems.append(f"candidate: strategy {candidate.strategy} is not a strategy of the policy ({', '.join(sorted(policy.get('strategies', {})))})")
        policy["default_strategy"], policy["strategy_by_channel"] = candidate.strategy, {}
    if candidate.max_packages is not None:
        for strategy in policy.get("strategies", {}).values():
            strategy["max_packages"] = candidate.max_packages
    if problems:
        raise RoutingConfigError(problems)
    return policy


def candidate_warehouses(warehouses: Sequence[Warehouse], candidate: CandidatePolicy) -> list[Warehouse]:
    carriers = candidate.carriers or {}
    unknown = sorted(set(carriers) - {w.warehouse_id for w in warehouses})
    if unknown:
        raise RoutingConfigError([f"candidate: carriers names unknown warehouse(s) {', '.join(unknown)}"])
    return [w.model_copy(update={"carriers": carriers[w.warehouse_id]}) if w.warehouse_id in carriers else w for w in warehouses]


def candidate_network(
    warehouses: Sequence[Warehouse],
    candidate: CandidatePolicy,
    catalogue: dict[str, Any] | None = None,
    base_policy: dict[str, Any] | None = None,
    base_rate_cards: dict[str, Any] | None = None,
) -> Network:
    """The candidate's network, or RoutingConfigError naming every problem."""
    config = parse_config(
        candidate.rate_cards if candidate.rate_cards is not None else base_rate_cards or _shipped(RATE_CARDS_FILE),
        catalogue or _shipped(CATALOGUE_FILE),
        candidate_policy(candidate, base_policy),
    )
    return build_network(candidate_warehouses(warehouses, candidate), config)
