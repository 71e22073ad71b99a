"""The exact per-order optimum of the routing cost model as a mixed-integer programme, solved by
HiGHS (highspy, a dev dependency: the benchmark's referee, never shipped to Lambda).

Built from the prepared order and each warehouse's carrier quotes, not from the optimiser's price
tables, so it checks the cost model's arithmetic as well as the search:

  x[j,i]  units of item i from warehouse j     (integer, 0..stock; all or nothing if unsplittable)
  y[j]    warehouse j ships a package          (binary)
  z[j,k]  the package goes with carrier k      (binary, one per shipping warehouse)
  e[j,k]  billed kilograms after the first     (integer)

  min  Σ z·(handling + first kg + late penalty) + Σ e·additional kg + penalty·(Σ y − 1)
  s.t. Σ_j x[j,i] = quantity_i;  x[j,i] ≤ stock·y[j];  Σ_k z[j,k] = y[j];  Σ y ≤ max packages
       weight(j) ≤ 1000·(y[j] + Σ_k e[j,k]) grams;  e[j,k] ≤ K·z[j,k]
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy

from shared.routing.costs import billed_kg
from shared.routing.planner import Prepared


@dataclass(frozen=True)
class Optimum:
    cost_fen: int
    packages: int
    late_packages: int


def optimum(prepared: Prepared, extra_package_fen: int, max_packages: int) -> Optimum | None:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    items = prepared.demand.items
    cost, ys, units_from, carriers = [], [], [], []  # units_from[j][i]: the expression for x[j,i]
    for lane, holding in zip(prepared.lanes, prepared.holdings):
        y = h.addBinary()
        ys.append(y)
        most_kg = billed_kg(sum(units * item.unit_g for units, item in zip(holding, items)))
        xs = []
        for units, item in zip(holding, items):
            if item.splittable:
                xs.append(h.addIntegral(lb=0, ub=units))
            else:
                whole = h.addBinary()
                if units < item.quantity:
                    h.addConstr(whole <= 0)
                xs.append(whole * item.quantity)
        for x, units in zip(xs, holding):
            h.addConstr(x <= units * y)
        zs, es = [], []
        for quote in lane.quotes:
            z, e = h.addBinary(), h.addIntegral(lb=0, ub=most_kg)
            h.addConstr(e <= most_kg * z)
            zs.append(z)
            es.append(e)
            carriers.append((z, quote.late))
            cost.append(quote.fixed_fen * z + quote.additional_kg_fen * e)
        h.addConstr(sum(zs) == y)
        weight = sum((x * item.unit_g for x, item in zip(xs, items)), start=0 * y)
        h.addConstr(weight <= 1000 * (y + sum(es)))
        units_from.append(xs)
    for i, item in enumerate(items):
        h.addConstr(sum(xs[i] for xs in units_from) == item.quantity)
    h.addConstr(sum(ys) <= max_packages)
    h.minimize(sum(cost) + extra_package_fen * sum(ys) - extra_package_fen)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return Optimum(
        cost_fen=round(h.getObjectiveValue()),
        packages=sum(round(h.val(y)) for y in ys),
        late_packages=sum(round(h.val(z)) for z, late in carriers if late),
    )

