"""What happened to one order under one policy: the values every KPI is computed from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Outcome:
    seq: int
    label: str  # clean, unusual_but_correct or an error kind (simulation/demand.py)
    is_error: bool
    b2b: bool
    placed_at: float  # seconds since the first day's start (China time midnight)
    reviewed_at: float = 0.0  # the automated step done
    person_reviewed: bool = False  # a person checked the order before it went on
    person_arranged: bool = False  # a person arranged its warehouses (split or short order)
    rejected: bool = False
    rejected_at: float | None = None
    caught: bool = False  # an error a person (or a REJECT rule) stopped
    backordered: bool = False
    released_at: float | None = None  # the outbound note: the order reached the warehouse
    cost_fen: int = 0
    packages: int = 0
    late_packages: int = 0
    from_transfer: bool = False  # shipped units that had been transferred from another warehouse
    warehouses: tuple[str, ...] = ()

    @property
    def released(self) -> bool:
        return self.released_at is not None

    @property
    def touched(self) -> bool:
        return self.person_reviewed or self.person_arranged

    @property
    def reached_warehouse_wrong(self) -> bool:
        """Released with its error: nobody (no rule, no person) stopped or corrected it."""
        return self.released_at is not None and self.is_error and not self.caught

    @property
    def reached_routing(self) -> bool:
        return not self.rejected
