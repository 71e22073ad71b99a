"""The cost model, in integer fen: what one package from a warehouse to the buyer costs, and what
a whole plan costs.

package = handling + first kilogram + each further billed kilogram (the carrier's zone rates)
          + the late penalty when the carrier cannot meet the promised delivery date
plan    = its packages + the extra-package penalty for every package after the first

The carrier of a package is the one that makes it cheapest (ties: the carrier listed first).
Weight is billed in whole kilograms, rounded up, at least one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.routing.model import PackageCost
from shared.routing.network import CHINA_TIME, GRAMS_PER_KG, Destination, Network, Site, site_distance_km

FEN_PER_YUAN = 100


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def billed_kg(weight_g: int) -> int:
    return max(1, -(-weight_g // GRAMS_PER_KG))


@dataclass(frozen=True, slots=True)
class CarrierQuote:
    """One carrier's price from one warehouse to this order's buyer."""

    carrier_id: str
    handling_fen: int
    first_kg_fen: int
    additional_kg_fen: int
    transit_days: int
    late: bool
    late_fen: int

    @property
    def fixed_fen(self) -> int:
        """What a package of one kilogram costs with this carrier."""
        return self.handling_fen + self.first_kg_fen + self.late_fen

    def fen(self, kg: int) -> int:
        return self.fixed_fen + self.additional_kg_fen * (kg - 1)


@dataclass(frozen=True, slots=True)
class Lane:
    """One warehouse → this order's buyer: distance, zone and every carrier's quote."""

    site: Site
    distance_km: float
    zone: str
    ships_in_days: int
    quotes: tuple[CarrierQuote, ...]

    def quote(self, kg: int) -> CarrierQuote:
        return min(self.quotes, key=lambda q: q.fen(kg))  # min keeps the first of equals

    def fen(self, kg: int) -> int:
        return min(q.fen(kg) for q in self.quotes)

    @property
    def min_fixed_fen(self) -> int:
        """No package from here costs less (it weighs at least one billed kilogram)."""
        return min(q.fixed_fen for q in self.quotes)

    @property
    def min_additional_kg_fen(self) -> int:
        """No further kilogram from here costs less."""
        return min(q.additional_kg_fen for q in self.quotes)


def days_to_promise(promised: date | None, now: datetime) -> int | None:
    return None if promised is None else (promised - now.astimezone(CHINA_TIME).date()).days


def lane(site: Site, destination: Destination, network: Network, promised: date | None, now: datetime) -> Lane:
    km = site_distance_km(site, destination)
    zone = network.zones.zone(site.province_code, destination.province_code, km)
    ships_in = site.ships_in_days(now)
    allowed_days = days_to_promise(promised, now)
    quotes = []
    for carrier in site.carriers:
        rate = carrier.rates[zone]
        late = allowed_days is not None and ships_in + rate.transit_days > allowed_days
        quotes.append(
            CarrierQuote(
                carrier_id=carrier.carrier_id,
                handling_fen=site.handling_fen,
                first_kg_fen=rate.first_kg_fen,
                additional_kg_fen=rate.additional_kg_fen,
                transit_days=rate.transit_days,
                late=late,
                late_fen=network.late_delivery_fen if late else 0,
            )
        )
    return Lane(site=site, distance_km=km, zone=zone, ships_in_days=ships_in, quotes=tuple(quotes))


def package_cost(lane_: Lane, weight_g: int) -> PackageCost:
    kg = billed_kg(weight_g)
    quote = lane_.quote(kg)
    return PackageCost(
        warehouse_id=lane_.site.warehouse_id,
        carrier=quote.carrier_id,
        zone=lane_.zone,
        distance_km=round(lane_.distance_km, 1),
        weight_kg=Decimal(weight_g) / GRAMS_PER_KG,
        billed_kg=kg,
        handling=yuan(quote.handling_fen),
        first_kg=yuan(quote.first_kg_fen),
        additional_kg=yuan(quote.additional_kg_fen * (kg - 1)),
        late_penalty=yuan(quote.late_fen),
        transit_days=quote.transit_days,
        ships_in_days=lane_.ships_in_days,
        late=quote.late,
        total=yuan(quote.fen(kg)),
    )


def plan_fen(lanes: Mapping[str, Lane], weights_g: Sequence[tuple[str, int]], extra_package_fen: int) -> int:
    """The cost of shipping these (warehouse id, package weight) packages."""
    if not weights_g:
        return 0
    packages = sum(lanes[w].fen(billed_kg(g)) for w, g in weights_g)
    return packages + extra_package_fen * (len(weights_g) - 1)

