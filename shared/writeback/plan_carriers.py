"""The carrier strategy applied to a routing decision: each shipment of the chosen plan gets its
carrier, service and the rule that chose them; its cost follows the carrier. Pure: the network and
the request come in as values."""

from __future__ import annotations


from shared.routing.costs import billed_kg, days_to_promise, lane, yuan
from shared.routing.model import RoutingDecision, RoutingPlan
from shared.routing.network import GRAMS_PER_KG, Network
from shared.routing.planner import RoutingRequest
from shared.writeback.carrier_strategy import CarrierStrategy, Package, Quote, choose_carrier


def plan_with_carriers(decision: RoutingDecision, request: RoutingRequest, network: Network, strategy: CarrierStrategy | None = None) -> RoutingPlan:
    plan = decision.plan()
    costs = {c.warehouse_id: c for c in decision.chosen.costs}
    shipments, delta_fen = [], 0
    for shipment in plan.shipments:
        cost = costs[shipment.warehouse_id]
        lane_ = lane(network.site(shipment.warehouse_id), request.destination, network, request.promised_delivery_date, request.now)
        kg = billed_kg(int(cost.weight_kg * GRAMS_PER_KG))
        quotes = tuple(Quote(q.carrier_id, q.fen(kg), q.transit_days) for q in lane_.quotes)
        package = Package(
            province_code=request.destination.province_code,
            weight_kg=cost.weight_kg,
            days_to_promise=days_to_promise(request.promised_delivery_date, request.now),
            channel=request.channel,
            quotes=quotes,
        )
        choice = choose_carrier(package, strategy)
        router_fen = next(q.fen for q in quotes if q.carrier == cost.carrier)
        delta_fen += choice.fen - router_fen
        package_cost = None if shipment.cost is None else shipment.cost + yuan(choice.fen - router_fen)
        shipments.append(shipment.model_copy(update={"carrier": choice.carrier, "service": choice.service, "carrier_rule": choice.rule_id, "cost": package_cost}))
    total = None if plan.total_cost is None else plan.total_cost + yuan(delta_fen)
    return plan.model_copy(update={"shipments": shipments, "total_cost": total if delta_fen else plan.total_cost})



