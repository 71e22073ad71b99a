"""The criteria a strategy ranks plans by, compared in the strategy's order (lexicographically).

Every criterion but cost is fixed by the set of warehouses a plan uses; cost also depends on
which warehouse ships how much. Each is a whole number, so comparisons are exact.
"""

from __future__ import annotations

from typing import Literal, get_args

Criterion = Literal["cost", "packages", "distance", "priority"]

COST = "cost"  # fen: packages + extra-package penalty
PACKAGES = "packages"  # how many warehouses ship
DISTANCE = "distance"  # whole kilometres, summed over the shipping warehouses
PRIORITY = "priority"  # the strategy's rank of each shipping warehouse, summed (0 = first choice)

CRITERIA: tuple[str, ...] = get_args(Criterion)

DESCRIPTIONS = {
    COST: "total cost",
    PACKAGES: "number of packages",
    DISTANCE: "distance",
    PRIORITY: "warehouse priority",
}
