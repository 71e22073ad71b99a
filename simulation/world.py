"""The simulated company: warehouses at China's main logistics hubs, a catalogue with a few hot
items and a long tail, its price list and B2B credit accounts (the review's reference data), the
channel SKU codes, and the opening stock placed where the buyers are. Same assumptions and seed,
same world.

Warehouses sit at the capitals of the hub provinces (shared/data/cn_provinces.json) in the order
of simulation/data/province_population.json `hubs`, which is also the traditional fixed priority
(the largest first). The first four carry the seed's ids (WH-SH, WH-BJ, WH-GZ, WH-CD), so the
shipped routing policy, whose location-priority strategy names them, loads unchanged.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from shared.geo import distance_km, find_province
from shared.reference import CreditAccount, PriceEntry, ReferenceData, ReferenceFile
from shared.routing import Network, StockLevel, Warehouse, build_network
from shared.routing.config import CATALOGUE_FILE, POLICY_FILE, RATE_CARDS_FILE, parse_config

DATA = Path(__file__).resolve().parent / "data"
ASSUMPTIONS_FILE = DATA / "assumptions.json"
POPULATION_FILE = DATA / "province_population.json"
SEED_REFERENCE = Path(__file__).resolve().parent.parent / "events" / "seed" / "review_reference.json"
HUB_IDS = {"31": "SH", "11": "BJ", "44": "GZ", "51": "CD", "42": "WH", "61": "XA", "21": "SY", "41": "ZZ",
           "33": "HZ", "37": "JN", "43": "CS", "35": "FZ", "53": "KM", "50": "CQ", "32": "NJ", "45": "NN"}  # fmt: skip
MIN_WAREHOUSES = 4  # the shipped policy's location-priority strategy names the first four
# How each channel names an oms SKU (its 商家编码 / outer id); oms's own shop and the ERP use oms's SKUs.
CHANNEL_PREFIX = {"tmall": "TM-", "jd": "JD-", "douyin": "DY-", "shopify": "SHOP-", "partner": "SHOP-"}


def load_assumptions(path: Path | None = None) -> dict[str, Any]:
    return json.loads((path or ASSUMPTIONS_FILE).read_text("utf-8"))


@dataclass(frozen=True)
class Sku:
    sku: str
    list_price: Decimal
    weight_kg: Decimal
    popularity: float  # relative chance a line picks it
    hot: bool


@dataclass(frozen=True)
class World:
    network: Network
    warehouse_ids: tuple[str, ...]  # the traditional fixed priority: largest hub first
    skus: tuple[Sku, ...]
    reference: ReferenceData
    b2b_accounts: tuple[CreditAccount, ...]
    province_weights: dict[str, float]
    opening_stock: dict[tuple[str, str], int]  # (warehouse id, sku) -> units
    catalogue: dict[str, Any]  # the routing SKU catalogue document (weights)
    warehouses: tuple[Warehouse, ...] = ()  # master data, as the inventory table keeps it
    policy: dict[str, Any] | None = None  # the routing policy document in force (None: the shipped one)

    def channel_code(self, channel: str, sku: str) -> str:
        return CHANNEL_PREFIX.get(channel, "") + sku

    def stock_levels(self) -> list[StockLevel]:
        return [StockLevel(sku=s, warehouse_id=w, available=q) for (w, s), q in sorted(self.opening_stock.items())]


def warehouse_rows(count: int, rng: random.Random) -> list[dict[str, Any]]:
    hubs = json.loads(POPULATION_FILE.read_text("utf-8"))["hubs"]
    if not MIN_WAREHOUSES <= count <= len(hubs):
        raise ValueError(f"network size must be {MIN_WAREHOUSES}..{len(hubs)} warehouses, not {count}")
    rows = []
    for code in hubs[:count]:
        province = find_province(code)
        rows.append(
            {
                "warehouse_id": f"WH-{HUB_IDS[code]}",
                "name": f"{province.name_zh} hub",
                "province": code,
                "city": province.name_en,
                "lat": province.lat,
                "lon": province.lon,
                "handling_cost": f"{rng.uniform(1.6, 2.6):.2f}",
                "cut_off": rng.choice(["16:00", "17:00", "18:00"]),
                "carriers": ["zto", "sf", "deppon"],
                "capabilities": ["cold_chain"] if code in ("31", "11") else [],
            }
        )
    return rows


def make_skus(spec: dict[str, Any], rng: random.Random) -> tuple[Sku, ...]:
    out = []
    for rank in range(1, spec["skus"] + 1):
        price = Decimal(f"{min(2000.0, max(9.9, rng.lognormvariate(math.log(120), 0.8))):.2f}")
        weight = Decimal(f"{min(15.0, max(0.1, rng.lognormvariate(math.log(0.8), 0.7))):.3f}")
        out.append(Sku(f"SIM-{rank:04d}", price, weight, 1 / rank ** spec["zipf_exponent"], rank <= spec["hot_skus"]))
    return tuple(out)


def price_list(skus: tuple[Sku, ...]) -> list[PriceEntry]:
    """What the price list allows: the floor 20% under list (the deepest promotion price), the
    ceiling 30% over it, a per-line usual quantity."""
    return [
        PriceEntry(
            sku=s.sku,
            list_price=s.list_price,
            floor=(s.list_price * Decimal("0.80")).quantize(Decimal("0.01")),
            ceiling=(s.list_price * Decimal("1.30")).quantize(Decimal("0.01")),
            typical_quantity=20 if s.list_price < 100 else 8,
        )
        for s in skus
    ]


def credit_accounts(count: int, rng: random.Random) -> tuple[CreditAccount, ...]:
    accounts = []
    for n in range(1, count + 1):
        limit = Decimal(rng.choice([50_000, 80_000, 120_000, 200_000, 300_000]))
        outstanding = (limit * Decimal(f"{rng.uniform(0, 0.6):.2f}")).quantize(Decimal("0.01"))
        accounts.append(CreditAccount(buyer_id=f"B2B-SIM-{n:03d}", limit=limit, outstanding=outstanding))
    return tuple(accounts)


def routing_config(catalogue: dict[str, Any], policy: dict[str, Any] | None = None, rate_cards: dict[str, Any] | None = None):
    return parse_config(
        rate_cards or json.loads(RATE_CARDS_FILE.read_text("utf-8")),
        catalogue,
        policy or json.loads(POLICY_FILE.read_text("utf-8")),
    )


def sku_catalogue(skus: tuple[Sku, ...]) -> dict[str, Any]:
    """The shipped catalogue (its kits and cold-chain SKUs) plus the simulated SKUs' weights."""
    shipped = json.loads(CATALOGUE_FILE.read_text("utf-8"))
    shipped.pop("_source", None)
    return {**shipped, "skus": shipped["skus"] + [{"sku": s.sku, "weight_kg": f"{s.weight_kg:.3f}"} for s in skus]}


def opening_stock(rows: list[dict[str, Any]], skus: tuple[Sku, ...], weights: dict[str, float], expected_units: dict[str, float], cover: float) -> dict[tuple[str, str], int]:
    """Each SKU's expected first-day units × cover, spread over the warehouses in proportion to the
    buyers each is nearest to (what a planner does before a promotion); the long tail sits only in
    the warehouses that serve the most buyers."""
    share = {r["warehouse_id"]: 0.0 for r in rows}
    for code, weight in weights.items():
        p = find_province(code)
        nearest = min(rows, key=lambda r: (distance_km(r["lat"], r["lon"], p.lat, p.lon), r["warehouse_id"]))
        share[nearest["warehouse_id"]] += weight
    ranked = sorted(share, key=lambda w: -share[w])
    stock: dict[tuple[str, str], int] = {}
    for rank, sku in enumerate(skus, start=1):
        holders = ranked if rank <= len(skus) // 4 else ranked[: max(2, len(ranked) // 3)]
        held_share = sum(share[w] for w in holders)
        for w in holders:
            units = math.ceil(expected_units[sku.sku] * cover * share[w] / held_share) if held_share else 0
            if units:
                stock[(w, sku.sku)] = units
    return stock


def make_world(assumptions: dict[str, Any], orders_first_day: int, seed: int, warehouses: int | None = None, policy: dict[str, Any] | None = None) -> World:
    rng = random.Random(f"world-{seed}")
    rows = warehouse_rows(warehouses or assumptions["network"]["warehouses"], rng)
    if (capacity := assumptions["network"].get("daily_capacity_packages")) is not None:
        for row in rows:
            row["daily_capacity"] = capacity
    skus = make_skus(assumptions["catalogue"], rng)
    catalogue = sku_catalogue(skus)
    network = build_network(rows, routing_config(catalogue, policy))
    weights = json.loads(POPULATION_FILE.read_text("utf-8"))["population"]
    seed_reference = ReferenceFile.model_validate_json(SEED_REFERENCE.read_text("utf-8"))
    accounts = credit_accounts(assumptions["b2b"]["accounts"], rng)
    reference = seed_reference.model_copy(
        update={"prices": [*seed_reference.prices, *price_list(skus)], "credit": [*seed_reference.credit, *accounts]}
    ).data()
    warehouses_ = tuple(Warehouse.model_validate(r) for r in rows)
    world = World(network, tuple(r["warehouse_id"] for r in rows), skus, reference, accounts, weights, {}, catalogue, warehouses_, policy)
    expected = forecast_units(world, assumptions, orders_first_day, seed)
    world.opening_stock.update(opening_stock(rows, skus, weights, expected, assumptions["stock"]["cover_of_first_day_demand"]))
    return world


def line_count_weights(spec: dict[str, Any]) -> tuple[list[int], list[float]]:
    counts = sorted(spec["lines"], key=int)
    return [int(c) for c in counts], [spec["lines"][c] for c in counts]


def sku_pick_weights(skus: tuple[Sku, ...], hot_share: float) -> list[float]:
    """A line picks a hot item with probability hot_share (evenly among them), else the long tail by popularity."""
    hot = [s for s in skus if s.hot]
    tail_total = sum(s.popularity for s in skus if not s.hot)
    return [hot_share / len(hot) if s.hot else (1 - hot_share) * s.popularity / tail_total for s in skus]


def forecast_units(world: World, assumptions: dict[str, Any], orders: int, seed: int, sample: int = 4000) -> dict[str, float]:
    """The planner's forecast: units per SKU over a sample of orders drawn like the day's (an
    independent draw, so the forecast is good but not exact), scaled to the day's orders."""
    from simulation.demand import Demand  # the demand model needs the world it forecasts for

    units: dict[str, float] = {s.sku: 0.0 for s in world.skus}
    for placed in Demand(world, assumptions, seed=f"forecast-{seed}").day(0, sample):
        for line in placed.order["lines"]:
            if line["sku"] in units:
                units[line["sku"]] += line["quantity"] * orders / sample
    return units
