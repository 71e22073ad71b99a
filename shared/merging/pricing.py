"""Prices a merge with the router's own cost model: each member planned alone, then every
member's lines planned as one order, on the same network, stock and clock. Pure.

Members that wait for stock cannot be planned on the stock there is; then both sides are planned
as if every warehouse held the lines (the basis says so), which compares the shipping and
handling the merge saves, not where the stock will come back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from shared.merging.plan import Basis, MemberPrice, MergePlan
from shared.orders import OrderIn
from shared.routing import Network, RoutingDecision, RoutingRequest, StockLevel, Unroutable, plan_order
from shared.routing.model import Shipment

_PLENTY = 10**9


class CannotPrice(Exception):
    """A member (or the merged order) cannot be planned at all (more packages than allowed, an
    unknown SKU): no price, no merge."""


def price_merge(
    members: Sequence[tuple[str, OrderIn, RoutingRequest]],
    network: Network,
    stock: Iterable[StockLevel],
    packages_today: Mapping[str, int] | None = None,
) -> MergePlan:
    """`members`: (order id, order, its routing request) in merge order (the host first)."""
    stock = list(stock)
    merged_request = replace(members[0][2], lines=tuple(line for _, _, request in members for line in request.lines), promised_delivery_date=_earliest(members))
    basis: Basis = "stock now"
    decided = [plan_order(request, network, stock, packages_today=packages_today) for _, _, request in members]
    merged = plan_order(merged_request, network, stock, packages_today=packages_today)
    if any(isinstance(d, Unroutable) for d in (*decided, merged)):
        basis = "as if every warehouse held the lines"
        plenty = _plenty(network, {sku for _, _, r in members for sku, _ in r.lines})
        decided = [plan_order(request, network, plenty, packages_today=packages_today) for _, _, request in members]
        merged = plan_order(merged_request, network, plenty, packages_today=packages_today)
    if any(isinstance(d, Unroutable) for d in (*decided, merged)):
        raise CannotPrice("a member or the merged order has no plan even with stock everywhere (too many packages)")
    return _plan(members, decided, merged, basis)


def _plan(members: Sequence[tuple[str, OrderIn, RoutingRequest]], decided: list[RoutingDecision], merged: RoutingDecision, basis: Basis) -> MergePlan:
    prices = [
        MemberPrice(
            order_id=order_id, channel=order.channel.value, external_id=order.external_id,
            lines=[{"sku": line.sku, "quantity": line.quantity} for line in order.lines],
            packages=d.chosen.packages, cost=d.chosen.total_cost,
        )
        for (order_id, order, _), d in zip(members, decided)
    ]  # fmt: skip
    separate = sum((p.cost for p in prices), Decimal("0.00"))
    together = merged.chosen.total_cost
    saving = separate - together
    share = (saving / separate).quantize(Decimal("0.0001")) if separate else Decimal("0")
    packages = sum(p.packages for p in prices)
    where = ", ".join(merged.chosen.warehouses)
    apart = "; ".join(f"{p.external_id} {p.packages} pkg {p.cost}" for p in prices)
    return MergePlan(
        members=prices, basis=basis, separate_cost=separate, merged_cost=together, saving=saving, saving_share=share,
        separate_packages=packages, merged_packages=merged.chosen.packages, merged_shipments=merged.chosen.shipments,
        explanation={
            "en": f"shipped apart: {len(prices)} orders in {packages} packages cost {separate} yuan ({apart}); "
            f"merged: {merged.chosen.packages} package(s) from {where} cost {together} yuan; saves {saving} yuan ({share * 100:.1f}%), priced on {basis}",
            "zh": f"分开发货：{len(prices)}个订单共{packages}个包裹，{separate}元；合单：{merged.chosen.packages}个包裹（{where}发货），{together}元；节省{saving}元（{share * 100:.1f}%）",
        },
    )  # fmt: skip


def _plenty(network: Network, skus: set[str]) -> list[StockLevel]:
    return [StockLevel(sku=sku, warehouse_id=site.warehouse_id, available=_PLENTY) for site in network.sites for sku in sorted(skus)]


def _earliest(members: Sequence[tuple[str, OrderIn, RoutingRequest]]):
    promised = [r.promised_delivery_date for _, _, r in members if r.promised_delivery_date]
    return min(promised) if promised else None
