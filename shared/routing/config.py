"""Loads the routing configuration and refuses an inconsistent one at load time, naming the exact
problem: rate cards by zone, the SKU catalogue, the policy (penalties, warehouse defaults,
strategies) and the warehouses themselves. The result is an immutable Network.

The three files ship with the code in shared/data/; warehouses come from master data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.geo import find_province
from shared.orders import Channel
from shared.routing.criteria import PRIORITY, Criterion
from shared.routing.model import Warehouse
from shared.routing.network import (
    GRAMS_PER_KG,
    Carrier,
    Catalogue,
    Network,
    Site,
    SkuInfo,
    Strategy,
    ZoneRate,
    ZoneRules,
)

DATA = Path(__file__).resolve().parent.parent / "data"
RATE_CARDS_FILE = DATA / "routing_rates.json"
CATALOGUE_FILE = DATA / "sku_catalogue.json"
POLICY_FILE = DATA / "routing_policy.json"

Money = Annotated[Decimal, Field(ge=0, decimal_places=2, allow_inf_nan=False)]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class RoutingConfigError(ValueError):
    """The routing configuration contradicts itself; the message names every problem found."""

    def __init__(self, problems: list[str]):
        super().__init__("routing configuration refused: " + "; ".join(problems))
        self.problems = problems


class _Spec(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid")


class _ClockTimeCheck(BaseModel, defer_build=True):
    at: ClockTime


# -- rate cards --------------------------------------------------------------------------------


class ZoneRateSpec(_Spec):
    first_kg: Money
    additional_kg: Money
    days: int = Field(ge=0, le=30)


class CarrierSpec(_Spec):
    carrier_id: str = Field(min_length=1)
    name: str
    rates: dict[str, ZoneRateSpec]


class ProvinceGroupSpec(_Spec):
    name: str
    zone: str
    provinces: list[str] = Field(min_length=2)


class RemoteSpec(_Spec):
    zone: str
    provinces: list[str] = Field(min_length=1)


class DistanceBandSpec(_Spec):
    up_to_km: float | None = Field(gt=0)
    zone: str


class ZonesSpec(_Spec):
    same_province: str
    province_groups: list[ProvinceGroupSpec] = []
    remote_destinations: RemoteSpec | None = None
    distance_bands: list[DistanceBandSpec] = Field(min_length=1)


class RateCardsSpec(_Spec):
    source: str = Field(default="", alias="_source")
    zones: ZonesSpec
    carriers: list[CarrierSpec] = Field(min_length=1)


# -- SKU catalogue -----------------------------------------------------------------------------


class SkuSpec(_Spec):
    sku: str = Field(min_length=1)
    weight_kg: Decimal = Field(gt=0, decimal_places=3, allow_inf_nan=False)
    requires: list[str] = []


class KitSpec(_Spec):
    kit_id: str = Field(min_length=1)
    skus: list[str] = Field(min_length=2)


class CatalogueSpec(_Spec):
    source: str = Field(default="", alias="_source")
    default_weight_kg: Decimal = Field(gt=0, decimal_places=3, allow_inf_nan=False)
    skus: list[SkuSpec] = []
    kits: list[KitSpec] = []


# -- policy ------------------------------------------------------------------------------------


class PenaltiesSpec(_Spec):
    extra_package: Money
    late_delivery: Money


class WarehouseDefaultsSpec(_Spec):
    handling_cost: Money
    cut_off: ClockTime
    carriers: list[str] = Field(min_length=1)


class ExcludedRouteSpec(_Spec):
    warehouse_id: str
    provinces: list[str] = Field(min_length=1)


class StrategySpec(_Spec):
    description: str = ""
    objective: list[Criterion] = Field(min_length=1)
    max_packages: int = Field(default=3, ge=1, le=10)
    split_quantities: bool = True
    keep_kits_together: bool = True
    exclude_warehouses: list[str] = []
    exclude_routes: list[ExcludedRouteSpec] = []
    priority: list[str] = []


class PolicySpec(_Spec):
    source: str = Field(default="", alias="_source")
    penalties: PenaltiesSpec
    warehouse_defaults: WarehouseDefaultsSpec
    strategies: dict[str, StrategySpec] = Field(min_length=1)
    default_strategy: str
    strategy_by_channel: dict[str, str] = {}


@dataclass(frozen=True)
class RoutingConfig:
    rate_cards: RateCardsSpec
    catalogue: CatalogueSpec
    policy: PolicySpec


def _describe(error: ValidationError, where: str) -> list[str]:
    out = []
    for e in error.errors():
        path = ".".join(str(p) for p in e["loc"])
        out.append(f"{where}: {path}: {e['msg']}" if path else f"{where}: {e['msg']}")
    return out


def _parse(model: type[BaseModel], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RoutingConfigError(_describe(error, where)) from None


def parse_config(rate_cards: Mapping[str, Any], catalogue: Mapping[str, Any], policy: Mapping[str, Any]) -> RoutingConfig:
    return RoutingConfig(
        rate_cards=_parse(RateCardsSpec, rate_cards, "rate cards"),
        catalogue=_parse(CatalogueSpec, catalogue, "SKU catalogue"),
        policy=_parse(PolicySpec, policy, "routing policy"),
    )


@cache
def shipped_config() -> RoutingConfig:
    """The configuration in shared/data/, read once per process."""
    return parse_config(*(json.loads(p.read_text("utf-8")) for p in (RATE_CARDS_FILE, CATALOGUE_FILE, POLICY_FILE)))


def parse_warehouse(row: Mapping[str, Any] | Warehouse) -> Warehouse:
    """A warehouse record, or an error naming the warehouse and the field."""
    if isinstance(row, Warehouse):
        return row
    name = row.get("warehouse_id") or row.get("sk") or "?"
    return _parse(Warehouse, {k: v for k, v in row.items() if k not in ("pk", "sk")}, f"warehouse {name}")


# -- building the network ----------------------------------------------------------------------


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class _Problems(list):
    def province(self, name: str, where: str) -> str:
        found = find_province(name)
        if found is None:
            self.append(f"{where}: unknown province {name!r}")
            return name
        return found.code


def _zone_rules(spec: ZonesSpec, problems: _Problems) -> ZoneRules:
    pairs: dict[tuple[str, str], str] = {}
    for group in spec.province_groups:
        codes = [problems.province(p, f"rate cards: province group {group.name}") for p in group.provinces]
        for a in codes:
            for b in codes:
                if a != b:
                    pairs.setdefault((a, b), group.zone)
    remote = {}
    if spec.remote_destinations:
        for p in spec.remote_destinations.provinces:
            remote[problems.province(p, "rate cards: remote destinations")] = spec.remote_destinations.zone
    bands = [(b.up_to_km, b.zone) for b in spec.distance_bands]
    if bands[-1][0] is not None:
        problems.append("rate cards: the last distance band must have no upper limit (up_to_km null)")
    limits = [km for km, _ in bands[:-1]]
    if None in limits or limits != sorted(limits):
        problems.append("rate cards: distance bands must be in ascending order with only the last open-ended")
    return ZoneRules(
        same_province=spec.same_province,
        pair_zones=pairs,
        remote_destinations=remote,
        distance_bands=tuple(bands),
    )


def _carriers(spec: RateCardsSpec, zones: set[str], problems: _Problems) -> dict[str, Carrier]:
    carriers: dict[str, Carrier] = {}
    for c in spec.carriers:
        if c.carrier_id in carriers:
            problems.append(f"rate cards: carrier {c.carrier_id} is listed twice")
        missing = sorted(zones - set(c.rates))
        if missing:
            problems.append(f"rate cards: carrier {c.carrier_id} has no rates for zone(s) {', '.join(missing)}")
        unknown = sorted(set(c.rates) - zones)
        if unknown:
            problems.append(f"rate cards: carrier {c.carrier_id} prices zone(s) {', '.join(unknown)} that no zone rule produces")
        carriers[c.carrier_id] = Carrier(
            carrier_id=c.carrier_id,
            name=c.name,
            rates={z: ZoneRate(_fen(r.first_kg), _fen(r.additional_kg), r.days) for z, r in c.rates.items()},
        )
    return carriers


def _catalogue(spec: CatalogueSpec, problems: _Problems) -> Catalogue:
    kit_of: dict[str, str] = {}
    known = {s.sku for s in spec.skus}
    for kit in spec.kits:
        for sku in kit.skus:
            if sku in kit_of:
                problems.append(f"SKU catalogue: {sku} belongs to kits {kit_of[sku]} and {kit.kit_id}")
            if sku not in known:
                problems.append(f"SKU catalogue: kit {kit.kit_id} names {sku}, which the catalogue does not list")
            kit_of.setdefault(sku, kit.kit_id)
    skus: dict[str, SkuInfo] = {}
    for s in spec.skus:
        if s.sku in skus:
            problems.append(f"SKU catalogue: {s.sku} is listed twice")
        skus[s.sku] = SkuInfo(weight_g=int(s.weight_kg * GRAMS_PER_KG), requires=frozenset(s.requires), kit_id=kit_of.get(s.sku))
    return Catalogue(skus=skus, default_weight_g=int(spec.default_weight_kg * GRAMS_PER_KG))


def _sites(warehouses: list[Warehouse], defaults: WarehouseDefaultsSpec, carriers: dict[str, Carrier], problems: _Problems) -> tuple[Site, ...]:
    sites: dict[str, Site] = {}
    for w in warehouses:
        where = f"warehouse {w.warehouse_id}"
        if w.warehouse_id in sites:
            problems.append(f"{where} is listed twice")
        if not (-90 <= w.lat <= 90 and -180 <= w.lon <= 180):
            problems.append(f"{where}: location {w.lat}, {w.lon} is not a latitude and longitude")
        handling = defaults.handling_cost if w.handling_cost is None else w.handling_cost
        if handling < 0 or handling != handling.quantize(Decimal("0.01")):
            problems.append(f"{where}: handling_cost {handling} must be a non-negative amount in yuan with at most 2 decimals")
        if w.daily_capacity is not None and w.daily_capacity < 0:
            problems.append(f"{where}: daily_capacity {w.daily_capacity} is negative")
        cut_off = w.cut_off or defaults.cut_off
        try:
            _ClockTimeCheck.model_validate({"at": cut_off})
        except ValidationError:
            problems.append(f"{where}: cut_off {cut_off!r} is not HH:MM")
            cut_off = defaults.cut_off
        carrier_ids = defaults.carriers if w.carriers is None else w.carriers
        unknown = [c for c in carrier_ids if c not in carriers]
        if unknown:
            problems.append(f"{where}: unknown carrier(s) {', '.join(unknown)}")
        if not carrier_ids:
            problems.append(f"{where}: lists no carrier")
        sites[w.warehouse_id] = Site(
            warehouse_id=w.warehouse_id,
            province_code=problems.province(w.province, where),
            lat=w.lat,
            lon=w.lon,
            handling_fen=_fen(handling),
            daily_capacity=w.daily_capacity,
            cut_off_minute=_minutes(cut_off),
            carriers=tuple(carriers[c] for c in carrier_ids if c in carriers),
            capabilities=frozenset(w.capabilities),
        )
    return tuple(sites[k] for k in sorted(sites))


def _strategies(policy: PolicySpec, warehouse_ids: set[str], problems: _Problems) -> dict[str, Strategy]:
    strategies = {}
    for name, s in policy.strategies.items():
        where = f"routing policy: strategy {name}"
        if len(set(s.objective)) != len(s.objective):
            problems.append(f"{where}: objective repeats a criterion")
        if PRIORITY in s.objective and not s.priority:
            problems.append(f"{where}: ranks by priority but lists no priority")
        for field_name, ids in (("priority", s.priority), ("exclude_warehouses", s.exclude_warehouses), ("exclude_routes", [r.warehouse_id for r in s.exclude_routes])):
            for unknown in sorted(set(ids) - warehouse_ids):
                problems.append(f"{where}: {field_name} names unknown warehouse {unknown}")
        routes = frozenset(
            (r.warehouse_id, problems.province(p, f"{where}: exclude_routes"))
            for r in s.exclude_routes
            for p in r.provinces
        )
        strategies[name] = Strategy(
            name=name,
            objective=tuple(s.objective),
            max_packages=s.max_packages,
            split_quantities=s.split_quantities,
            keep_kits_together=s.keep_kits_together,
            excluded_warehouses=frozenset(s.exclude_warehouses),
            excluded_routes=routes,
            priority=tuple(s.priority),
        )
    if policy.default_strategy not in strategies:
        problems.append(f"routing policy: default_strategy {policy.default_strategy} is not a strategy")
    channels = {c.value for c in Channel}
    for channel, name in policy.strategy_by_channel.items():
        if channel not in channels:
            problems.append(f"routing policy: strategy_by_channel names unknown channel {channel}")
        if name not in strategies:
            problems.append(f"routing policy: strategy_by_channel {channel} names unknown strategy {name}")
    return strategies


def build_network(warehouses: Iterable[Warehouse | Mapping[str, Any]], config: RoutingConfig | None = None) -> Network:
    """The network, or RoutingConfigError listing every inconsistency."""
    config = config or shipped_config()
    problems = _Problems()
    parsed: list[Warehouse] = []
    named: set[str] = set()  # every warehouse id given, even of a record refused: no echo errors
    for row in warehouses:
        named.add(row.warehouse_id if isinstance(row, Warehouse) else str(row.get("warehouse_id") or row.get("sk")))
        try:
            parsed.append(parse_warehouse(row))
        except RoutingConfigError as error:
            problems.extend(error.problems)
    if not parsed and not problems:
        problems.append("no warehouses")
    zones = _zone_rules(config.rate_cards.zones, problems)
    carriers = _carriers(config.rate_cards, zones.all_zones(), problems)
    for c in config.policy.warehouse_defaults.carriers:
        if c not in carriers:
            problems.append(f"routing policy: warehouse_defaults names unknown carrier {c}")
    catalogue = _catalogue(config.catalogue, problems)
    sites = _sites(parsed, config.policy.warehouse_defaults, carriers, problems)
    strategies = _strategies(config.policy, named, problems)
    if problems:
        raise RoutingConfigError(list(problems))
    return Network(
        sites=sites,
        zones=zones,
        catalogue=catalogue,
        extra_package_fen=_fen(config.policy.penalties.extra_package),
        late_delivery_fen=_fen(config.policy.penalties.late_delivery),
        strategies=strategies,
        default_strategy=config.policy.default_strategy,
        strategy_by_channel=dict(config.policy.strategy_by_channel),
    )
