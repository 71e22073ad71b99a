"""A merge's priced plan: what the preview answers and a merge record keeps. Its own module, apart
from the pricing (which plans with the router's optimiser), so that reading a merge record does
not import the planner (decision 87's records; the merging API's cold start, issue 11)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from shared.routing.model import Shipment

Basis = Literal["stock now", "as if every warehouse held the lines"]


class MemberPrice(BaseModel, defer_build=True):
    order_id: str
    channel: str
    external_id: str
    lines: list[dict]  # [{sku, quantity}]: what this channel order ships, kept for write-back
    packages: int
    cost: Decimal


class MergePlan(BaseModel, defer_build=True):
    members: list[MemberPrice]
    basis: Basis
    separate_cost: Decimal
    merged_cost: Decimal
    saving: Decimal
    saving_share: Decimal
    separate_packages: int
    merged_packages: int
    merged_shipments: list[Shipment]
    explanation: dict[str, str]  # zh, en
