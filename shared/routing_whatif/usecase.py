"""Use case: a candidate routing policy against the last N stored orders, on the stock there is
now, compared with the policy in force. Reads only.

The replay (the planner, the optimiser) and the network in force are imported by the first call:
the routing what-if API's handler imports this module at a cold start, and its other route (the
policy in force) routes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.routing_whatif.candidate import CandidatePolicy, candidate_network
from shared.routing_whatif.report import RoutingWhatIfReport

if TYPE_CHECKING:
    from shared.aws.inventory_store import InventoryStore
    from shared.aws.order_history import OrderHistory

MAX_REPLAY_ORDERS = 2000  # four exact decisions per order within the API's 30 s


def routing_what_if(last: int, candidate: CandidatePolicy, history: OrderHistory, inventory: InventoryStore) -> RoutingWhatIfReport:
    from shared.routing_whatif.replay import replay
    from shared.usecases.route_order import routing_network

    warehouses = inventory.warehouses()
    proposed = candidate_network(warehouses, candidate)  # refused before any order is read
    stored = history.last_stored(min(last, MAX_REPLAY_ORDERS))
    orders = [(s.order_id, s.order) for s in stored]
    stock = inventory.stock_levels(line.sku for _, order in orders for line in order.lines)
    return replay(orders, stock, routing_network(warehouses), proposed, candidate.describe())
