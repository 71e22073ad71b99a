"""The compiled routing network: warehouses with their costs in fen, carriers' rate cards by zone,
zone rules and the SKU catalogue. Built once per configuration (shared/routing/config.py checks
it) and read on every decision, so it holds plain immutable values only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.clock import CHINA_TIME
from shared.geo import distance_km

GRAMS_PER_KG = 1000


@dataclass(frozen=True, slots=True)
class ZoneRate:
    first_kg_fen: int
    additional_kg_fen: int
    transit_days: int


@dataclass(frozen=True, slots=True)
class Carrier:
    carrier_id: str
    name: str
    rates: dict[str, ZoneRate]


@dataclass(frozen=True, slots=True)
class Site:
    """A warehouse as routing sees it."""

    warehouse_id: str
    province_code: str
    lat: float
    lon: float
    handling_fen: int
    daily_capacity: int | None
    cut_off_minute: int  # minutes after midnight, China time
    carriers: tuple[Carrier, ...]
    capabilities: frozenset[str]

    def ships_in_days(self, now: datetime) -> int:
        local = now.astimezone(CHINA_TIME)
        return 0 if local.hour * 60 + local.minute < self.cut_off_minute else 1


@dataclass(frozen=True, slots=True)
class Destination:
    province_code: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class ZoneRules:
    """Which price zone a parcel falls in: same province, a province pair group (江浙沪皖 ships as
    local), a remote destination (新疆, 西藏), else the distance band."""

    same_province: str
    pair_zones: dict[tuple[str, str], str]
    remote_destinations: dict[str, str]
    distance_bands: tuple[tuple[float | None, str], ...]  # (up to km, zone); None = no upper limit

    def zone(self, origin: str, destination: str, km: float) -> str:
        if origin == destination:
            return self.same_province
        if (pair := self.pair_zones.get((origin, destination))) is not None:
            return pair
        if (remote := self.remote_destinations.get(destination)) is not None:
            return remote
        for up_to, zone in self.distance_bands:
            if up_to is None or km <= up_to:
                return zone
        raise AssertionError("the last distance band is open-ended (checked at load)")

    def all_zones(self) -> set[str]:
        return {self.same_province, *self.pair_zones.values(), *self.remote_destinations.values(), *(z for _, z in self.distance_bands)}


@dataclass(frozen=True, slots=True)
class SkuInfo:
    weight_g: int
    requires: frozenset[str] = frozenset()
    kit_id: str | None = None


@dataclass(frozen=True, slots=True)
class Catalogue:
    skus: dict[str, SkuInfo]
    default_weight_g: int

    def info(self, sku: str) -> tuple[SkuInfo, bool]:
        """The SKU's data, and whether its weight is assumed (an SKU the catalogue lacks)."""
        known = self.skus.get(sku)
        return (known, False) if known else (SkuInfo(weight_g=self.default_weight_g), True)


@dataclass(frozen=True, slots=True)
class Strategy:
    """How to choose among plans, as the policy file states it."""

    name: str
    objective: tuple[str, ...]  # criteria from shared.routing.criteria, compared in this order
    max_packages: int = 3
    split_quantities: bool = True  # may one SKU's quantity come from two warehouses
    keep_kits_together: bool = True
    excluded_warehouses: frozenset[str] = frozenset()
    excluded_routes: frozenset[tuple[str, str]] = frozenset()  # (warehouse id, destination province code)
    priority: tuple[str, ...] = ()  # for the priority criterion: warehouse ids, first is best

    def priority_rank(self, warehouse_id: str) -> int:
        return self.priority.index(warehouse_id) if warehouse_id in self.priority else len(self.priority)


@dataclass(frozen=True, slots=True)
class Network:
    sites: tuple[Site, ...]  # sorted by warehouse id: every decision walks them in this order
    zones: ZoneRules
    catalogue: Catalogue
    extra_package_fen: int
    late_delivery_fen: int
    strategies: dict[str, Strategy]
    default_strategy: str
    strategy_by_channel: dict[str, str] = field(default_factory=dict)

    def strategy_for(self, channel: str | None = None) -> Strategy:
        return self.strategies[self.strategy_by_channel.get(channel or "", self.default_strategy)]

    def site(self, warehouse_id: str) -> Site:
        return next(s for s in self.sites if s.warehouse_id == warehouse_id)


def site_distance_km(site: Site, destination: Destination) -> float:
    return distance_km(site.lat, site.lon, destination.lat, destination.lon)
