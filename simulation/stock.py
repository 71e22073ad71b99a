"""Stock in memory with the reservation rules of oms's inventory store: per SKU and warehouse
available = on_hand − reserved − safety stock; an order's reservation is all or nothing, each
(warehouse, SKU) line conditioned on `available >= quantity` (the conditional transaction of
shared/aws/inventory_store.py), so oversell is impossible. Stock depletes as orders reserve it and
is replenished two ways:

- the supplier's schedule: at the stated hours every warehouse is filled back up to its opening
  level (order-up-to), as own stock;
- transfers (调拨): when a reservation leaves a warehouse at or under its reorder point, the
  warehouse holding the most of that SKU beyond its own reorder point sends part of it; the units
  arrive after the lead time and are marked as transferred. An order that ships transferred units
  is an order shipped from a warehouse that had to be replenished from another.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.inventory import StockRecord


@dataclass(slots=True)
class Cell:
    on_hand: int
    reserved: int = 0
    safety: int = 0
    transferred: int = 0  # units on hand that arrived by transfer, taken after own stock (FIFO)
    in_transit: int = 0  # units on their way here by transfer

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.safety


@dataclass(frozen=True, slots=True)
class Transfer:
    sku: str
    source: str
    target: str
    units: int
    arrives_at: int | float  # a whole second where the event was (int | float: mypyc would store an int as a float)


@dataclass
class SimStock:
    cells: dict[tuple[str, str], Cell]  # (warehouse id, sku)
    target: dict[tuple[str, str], int]  # the opening level: replenishment fills back up to it
    reorder_share: float
    transfer_share: float
    lead_seconds: int | float  # whole hours give whole seconds, kept an int
    by_sku: dict[str, list[str]] = field(default_factory=dict)  # sku -> warehouse ids holding a cell
    transfers: list[Transfer] = field(default_factory=list)

    @classmethod
    def opening(cls, levels: dict[tuple[str, str], int], spec: dict) -> SimStock:
        stock = cls(
            cells={key: Cell(on_hand=units) for key, units in levels.items()},
            target=dict(levels),
            reorder_share=spec["reorder_point_share"],
            transfer_share=spec["transfer_share_of_target"],
            lead_seconds=spec["transfer_lead_hours"] * 3600,
        )
        for w, s in sorted(levels):
            stock.by_sku.setdefault(s, []).append(w)
        return stock

    def record(self, warehouse_id: str, sku: str) -> StockRecord:
        cell = self.cells[(warehouse_id, sku)]
        return StockRecord(sku=sku, warehouse_id=warehouse_id, on_hand=cell.on_hand, reserved=cell.reserved, safety_stock=cell.safety)

    def short_in_total(self, lines: Iterable[tuple[str, int]]) -> bool:
        """Whether all warehouses together hold fewer available units of one of these SKUs than the
        lines ask for: then no plan exists whatever the strategy (routing finds every item short)."""
        wanted: dict[str, int] = {}
        for sku, quantity in lines:
            wanted[sku] = wanted.get(sku, 0) + quantity
        cells = self.cells
        for sku, quantity in wanted.items():
            if sum(max(0, cells[(w, sku)].available) for w in self.by_sku.get(sku, ())) < quantity:
                return True
        return False

    def reserve(self, lines: dict[tuple[str, str], int], now: int | float) -> bool | None:
        """All or nothing: None when a line's condition fails (nothing changes); else whether the
        order takes transferred units. Low cells ask for a transfer."""
        cells = self.cells
        for key, quantity in lines.items():
            cell = cells.get(key)
            if cell is None or cell.available < quantity:
                return None
        took_transferred = False
        for key, quantity in lines.items():
            cell = cells[key]
            own = cell.on_hand - cell.reserved - cell.transferred  # own units not yet reserved
            if quantity > max(0, own):
                took = quantity - max(0, own)
                took_transferred = took_transferred or took > 0
                cell.transferred -= min(took, cell.transferred)
            cell.reserved += quantity
            self._maybe_transfer(key, now)
        return took_transferred

    def _maybe_transfer(self, key: tuple[str, str], now: int | float) -> None:
        warehouse, sku = key
        cell = self.cells[key]
        target = self.target.get(key, 0)
        if cell.available + cell.in_transit > math.floor(target * self.reorder_share):
            return
        best, surplus = None, 0
        for other in self.by_sku[sku]:
            if other == warehouse:
                continue
            source = self.cells[(other, sku)]
            spare = source.available - math.ceil(self.target.get((other, sku), 0) * self.reorder_share)
            if spare > surplus:
                best, surplus = other, spare
        units = min(surplus, max(1, math.ceil(target * self.transfer_share)))
        if best is None or units <= 0:
            return
        self.cells[(best, sku)].on_hand -= units
        cell.in_transit += units
        self.transfers.append(Transfer(sku, best, warehouse, units, now + self.lead_seconds))

    def arrive(self, transfer: Transfer) -> None:
        cell = self.cells[(transfer.target, transfer.sku)]
        cell.in_transit -= transfer.units
        cell.on_hand += transfer.units
        cell.transferred += transfer.units

    def replenish(self) -> int:
        """The supplier's delivery: every cell back up to its opening level; returns units received."""
        received = 0
        for key, cell in self.cells.items():
            missing = self.target[key] - cell.available - cell.in_transit
            if missing > 0:
                cell.on_hand += missing
                received += missing
        return received
