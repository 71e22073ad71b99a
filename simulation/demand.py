"""The day's orders, as the buyers place them: when (the midnight spike, then the day's curve),
on which channel, who, where to (real divisions from shared/data/cn_divisions.json), which SKUs
(hot items and a long tail) and, for a share of them, one of the seed's error kinds. Each order is
a canonical order document with its label; simulation/payloads.py turns it into the channel's own
payload. Deterministic from the seed.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shared import uscc
from shared.divisions import cities
from shared.geo import find_province
from simulation.world import World, line_count_weights, sku_pick_weights

CLEAN = "clean"
UNUSUAL = "unusual_but_correct"  # correct, yet a rule holds it: the price of checking
ERROR_KINDS = ("wrong_price", "wrong_price_invisible", "bad_address", "bad_address_invisible", "credit", "invoice", "duplicate")
QUANTITIES = ((1, 2, 3), (70, 20, 10))  # a consumer line's quantity
NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄婷", "周杰", "吴刚")
STREETS = ("人民路", "中山路", "解放大道", "建设路", "和平街", "长江路", "文化路", "滨江大道")
MUNICIPALITIES = {"11", "12", "31", "50"}
VAT_CHANNELS = {"jd", "own_shop", "erp"}  # the payloads that carry a tax id


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    seq: int
    day: int
    at_second: float  # since the first day's start
    label: str  # CLEAN, UNUSUAL or an error kind
    order: dict[str, Any]  # canonical order document (JSON types)

    @property
    def is_error(self) -> bool:
        return self.label in ERROR_KINDS


def arrival_seconds(rng: random.Random, count: int, spec: dict[str, Any]) -> list[float]:
    """The midnight spike (an exponential decay from 00:00:00) and the rest by the hourly curve."""
    spike = round(count * spec["midnight_spike_share"])
    decay = spec["midnight_spike_decay_seconds"]
    times = [min(3599.0, rng.expovariate(1 / decay)) for _ in range(spike)]
    hours = rng.choices(range(24), spec["hourly_weights"], k=count - spike)
    times += [hour * 3600 + rng.random() * 3600 for hour in hours]
    return sorted(times)


class Demand:
    def __init__(self, world: World, assumptions: dict[str, Any], seed: int | str):
        self.world, self.a = world, assumptions
        self.rng = random.Random(f"demand-{seed}")
        self.start = datetime.fromisoformat(assumptions["day"]["start"])
        self.channels = list(assumptions["channels"])
        self.channel_weights = [assumptions["channels"][c] for c in self.channels]
        self.line_counts, self.line_weights = line_count_weights(assumptions["catalogue"])
        self.sku_weights = sku_pick_weights(world.skus, assumptions["catalogue"]["hot_share_of_lines"])
        self.sku_cumulative = list(_cumulative(self.sku_weights))
        codes = sorted(world.province_weights)
        self.provinces = codes
        self.province_weights = [world.province_weights[c] for c in codes]
        self.places = {code: [(city.name, [d.name for d in city.districts]) for city in cities()[code] if city.districts] for code in codes}
        errors = assumptions["errors"]
        self.labels = [*ERROR_KINDS, UNUSUAL, CLEAN]
        self.label_weights = [errors[k] for k in ERROR_KINDS] + [errors[UNUSUAL]]
        self.label_weights.append(1 - sum(self.label_weights))
        promise = assumptions["day"]["promise_days"]
        self.promise_days, self.promise_weights = [int(d) for d in promise], list(promise.values())
        self.seq = 0

    def day(self, day: int, count: int) -> Iterator[PlacedOrder]:
        """One day's orders in placed order; a duplicate follows its original minutes later."""
        rng = self.rng
        pending: list[PlacedOrder] = []  # duplicates waiting for their time
        for second in arrival_seconds(rng, count, self.a["day"]):
            at = day * 86400 + second
            while pending and pending[0].at_second <= at:
                yield pending.pop(0)
            label = rng.choices(self.labels, self.label_weights)[0]
            order = self.clean(at)
            if label == "duplicate":
                yield self.placed(at, CLEAN, order)
                again = at + rng.uniform(60, 1200)
                twin = {**order, "external_id": order["external_id"] + "-2", "placed_at": self.moment(again)}
                pending.append(self.placed(again, label, twin))
                pending.sort(key=lambda p: p.at_second)
                continue
            if label != CLEAN:
                order = self.seeded_error(label, order)
            yield self.placed(at, label, order)
        yield from pending

    def placed(self, at: float, label: str, order: dict[str, Any]) -> PlacedOrder:
        self.seq += 1
        return PlacedOrder(self.seq, int(at // 86400), at, label, order)

    def moment(self, at: float) -> str:
        return (self.start + timedelta(seconds=int(at))).isoformat()  # platforms write whole seconds

    # -- a correct order ---------------------------------------------------------------------

    def clean(self, at: float) -> dict[str, Any]:
        rng = self.rng
        channel = rng.choices(self.channels, self.channel_weights)[0]
        b2b_share = self.a["b2b"].get(f"share_of_{channel}", 0.0)
        b2b = rng.random() < b2b_share
        lines = self.lines(b2b)
        order: dict[str, Any] = {
            "channel": channel,
            "external_id": f"{channel.upper()}-{self.seq + 1:08d}",
            "buyer": {"buyer_id": f"{channel}-buyer-{rng.randrange(2_000_000)}"},
            "receiver": self.receiver(),
            "lines": lines,
            "payment_status": "COD" if rng.random() < 0.03 else "PAID",
            "placed_at": self.moment(at),
        }
        if b2b:
            account = rng.choice(self.world.b2b_accounts)
            order["buyer"] = {"buyer_id": account.buyer_id, "customer_type": "B2B"}
            order["payment_status"] = "UNPAID"  # on credit terms
            room = account.limit - account.outstanding
            while _total(order) > room * Decimal("0.8") and len(order["lines"]) > 1:
                order["lines"].pop()
            order["lines"] = [l for l in order["lines"] if Decimal(l["unit_price"]) * l["quantity"] <= room * Decimal("0.8")] or [{**order["lines"][0], "quantity": 1, "discount": "0.00"}]
            order["invoice"] = self.invoice(order, vat=channel in VAT_CHANNELS)
        elif rng.random() < 0.08:
            order["invoice"] = self.invoice(order, vat=False)
        if channel in ("own_shop", "erp"):  # the channels whose payload carries a promised date
            days = rng.choices(self.promise_days, self.promise_weights)[0]
            order["promised_delivery_date"] = ((self.start + timedelta(seconds=at)).date() + timedelta(days=days)).isoformat()
        if rng.random() < 0.3:
            order["order_total"] = str(_total(order))
        return order

    def lines(self, b2b: bool) -> list[dict[str, Any]]:
        rng = self.rng
        wanted = rng.choices(self.line_counts, self.line_weights)[0] + (2 if b2b else 0)
        chosen: list[int] = []
        while len(chosen) < wanted:
            index = _pick(self.sku_cumulative, rng.random())
            if index not in chosen:
                chosen.append(index)
        out = []
        for index in chosen:
            sku = self.world.skus[index]
            quantity = rng.randrange(5, 40) if b2b else rng.choices(*QUANTITIES)[0]
            gross = sku.list_price * quantity
            rate = rng.choice((Decimal(0), Decimal(0), Decimal("0.05"), Decimal("0.10"), Decimal("0.15")))
            out.append({"sku": sku.sku, "quantity": quantity, "unit_price": str(sku.list_price), "discount": str((gross * rate).quantize(Decimal("0.01")))})
        return out

    def receiver(self, code: str | None = None) -> dict[str, str]:
        rng = self.rng
        code = code or rng.choices(self.provinces, self.province_weights)[0]
        city, districts = rng.choice(self.places[code])
        return {
            "name": rng.choice(NAMES),
            "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            "province": find_province(code).name_zh,
            "city": city,
            "district": rng.choice(districts),
            "detail": f"{rng.choice(STREETS)}{rng.randrange(1, 999)}号 {rng.randrange(1, 30)}栋{rng.randrange(101, 2999)}室",
        }

    def invoice(self, order: dict[str, Any], vat: bool) -> dict[str, Any]:
        if not vat:
            return {"kind": "normal", "title": "个人"}
        first17 = f"91{self.rng.choice(['110000', '310000', '440300'])}{''.join(self.rng.choice(uscc.ALPHABET) for _ in range(9))}"
        return {"kind": "vat_special", "title": "某某贸易有限公司", "tax_id": first17 + uscc.check_character(first17)}

    # -- the seed's error kinds: each makes a correct order wrong in one way ------------------

    def seeded_error(self, label: str, order: dict[str, Any]) -> dict[str, Any]:
        seed = {
            "wrong_price": self.wrong_price,
            "wrong_price_invisible": self.wrong_price_invisible,
            "bad_address": self.bad_address,
            "bad_address_invisible": self.bad_address_invisible,
            "credit": self.credit,
            "invoice": self.invoice_error,
            UNUSUAL: self.unusual_but_correct,
        }[label]
        return seed(order)

    def unusual_but_correct(self, order: dict[str, Any]) -> dict[str, Any]:
        """Buyers write the development zone they live in, not the district: correct, yet held."""
        zone = self.rng.choice(("高新区", "经济技术开发区", "工业园区"))
        return {**order, "receiver": {**order["receiver"], "district": zone}}

    def wrong_price(self, order: dict[str, Any]) -> dict[str, Any]:
        """A typo the price list catches: a decimal point slipped (×10 or ÷10)."""
        factor = self.rng.choice((Decimal("0.1"), Decimal("10")))
        line = order["lines"][0]
        wrong = {**line, "unit_price": str((Decimal(line["unit_price"]) * factor).quantize(Decimal("0.01"))), "discount": "0.00"}
        return _retotal({**order, "lines": [wrong, *order["lines"][1:]]})

    def wrong_price_invisible(self, order: dict[str, Any]) -> dict[str, Any]:
        """A typo inside the price list's limits (168.00 typed as 158.00): no rule can see it."""
        line = order["lines"][0]
        wrong = {**line, "unit_price": str((Decimal(line["unit_price"]) * Decimal("0.94")).quantize(Decimal("0.01"))), "discount": "0.00"}
        return _retotal({**order, "lines": [wrong, *order["lines"][1:]]})

    def bad_address(self, order: dict[str, Any]) -> dict[str, Any]:
        receiver = order["receiver"]
        kind = self.rng.choice(("district_elsewhere", "incomplete", "phone"))
        if kind == "incomplete":
            return {**order, "receiver": {**receiver, "detail": ""}}
        if kind == "phone":
            return {**order, "receiver": {**receiver, "phone": str(self.rng.randrange(10**8, 10**9))}}
        other = self.receiver(self.rng.choice([c for c in self.provinces if c != find_province(receiver["province"]).code]))
        return {**order, "receiver": {**receiver, "district": other["district"]}}

    def bad_address_invisible(self, order: dict[str, Any]) -> dict[str, Any]:
        """A real district of the right city, but not the buyer's: no rule can see it."""
        receiver = order["receiver"]
        code = find_province(receiver["province"]).code
        districts = next(d for c, d in self.places[code] if c == receiver["city"])
        return {**order, "receiver": {**receiver, "district": self.rng.choice(districts)}}

    def credit(self, order: dict[str, Any]) -> dict[str, Any]:
        """A B2B order on credit that takes the buyer over its limit."""
        account = self.rng.choice(self.world.b2b_accounts)
        sku = self.world.skus[0]
        room = account.limit - account.outstanding
        quantity = int(room / sku.list_price) + 1 + self.rng.randrange(1, 20)
        return {
            **order,
            "channel": "erp",
            "external_id": order["external_id"].replace(order["channel"].upper(), "ERP", 1),
            "buyer": {"buyer_id": account.buyer_id, "customer_type": "B2B"},
            "payment_status": "UNPAID",
            "lines": [{"sku": sku.sku, "quantity": min(quantity, 100_000), "unit_price": str(sku.list_price), "discount": "0.00"}],
            "order_total": None,
        }

    def invoice_error(self, order: dict[str, Any]) -> dict[str, Any]:
        channel = self.rng.choice(sorted(VAT_CHANNELS))
        good = self.invoice(order, vat=True)
        tax_id = good["tax_id"]
        position = self.rng.randrange(8, 17)
        wrong = next(c for c in uscc.ALPHABET if c != tax_id[position])
        return {
            **order,
            "channel": channel,
            "external_id": order["external_id"].replace(order["channel"].upper(), channel.upper(), 1),
            "invoice": {**good, "tax_id": tax_id[:position] + wrong + tax_id[position + 1 :]},
        }



def _total(order: dict[str, Any]) -> Decimal:
    return sum((Decimal(l["unit_price"]) * l["quantity"] - Decimal(l.get("discount", "0")) for l in order["lines"]), Decimal("0.00"))


def _retotal(order: dict[str, Any]) -> dict[str, Any]:
    return {**order, "order_total": str(_total(order))} if order.get("order_total") else order


def _cumulative(weights: list[float]) -> Iterator[float]:
    total, running = sum(weights), 0.0
    for w in weights:
        running += w
        yield running / total


def _pick(cumulative: list[float], r: float) -> int:
    return min(bisect.bisect_left(cumulative, r), len(cumulative) - 1)

