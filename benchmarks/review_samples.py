"""The labelled sample set for review quality: clean orders and orders with one seeded error each,
as one time-ordered stream (duplicates and address bursts need the orders before them).

    python -m benchmarks.review_samples     # rewrites benchmarks/data/review_labelled_orders.jsonl

Deterministic (seeded), so the shipped file only changes when this generator does. Clean orders
include what trips naive checks: landlines, +86 prefixes, 市辖区 and short names, COD, B2B on
credit within its limit, VAT invoices, remote areas, repeat buyers and merge candidates.
A few clean orders are correct yet look wrong to a rule (a development zone written as the
district, a repeat purchase minutes later, a distributor's bulk order, a pinyin address): they
are what the "clean orders held" figure counts.
Each line: {"label": "clean" | "clean:<why unusual>" | <error kind>, "expect_rule": <rule id> | null, "order": {...}}.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from local.seed import review_reference
from shared import uscc
from shared.divisions import cities  # the shipped table: sample addresses are real places

TARGET = Path(__file__).resolve().parent / "data" / "review_labelled_orders.jsonl"
CLEAN_ORDERS = 900
ERRORS_PER_KIND = 4
UNUSUAL_SHARE = 0.03  # of the clean orders: correct, yet a rule holds them (see legitimately_unusual)
START = datetime(2026, 11, 11, 0, 0, tzinfo=timezone(timedelta(hours=8)))
CHANNELS = ("own_shop", "tmall", "jd", "douyin", "erp")
STREETS = ("人民路", "中山路", "解放大道", "建设路", "和平街", "长江路", "文化路", "滨江大道")

Order = dict[str, Any]


class Generator:
    def __init__(self, seed: int = 2026):
        self.random = random.Random(seed)
        self.reference = review_reference()
        self.prices = {p.sku: p for p in self.reference.prices}
        self.places = [
            (code, city.name, district.name)
            for code, province_cities in sorted(cities().items())
            if code not in {"54", "63", "65"}  # remote areas get their own share below
            for city in province_cities
            for district in city.districts
        ]
        self.serial = 0

    # -- clean orders ---------------------------------------------------------------------------

    def phone(self) -> str:
        digits = f"1{self.random.choice('3456789')}{self.random.randrange(10**9):09d}"
        style = self.random.random()
        if style < 0.1:
            return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
        if style < 0.2:
            return f"0{self.random.choice(['10', '21', '755', '571', '28'])}-{self.random.randrange(10**7, 10**8)}"
        return digits

    def receiver(self) -> dict[str, str]:
        code, city, district = self.random.choice(self.places)
        province = {"11": "北京", "12": "天津", "31": "上海", "50": "重庆"}.get(code)
        if province is not None:
            city = self.random.choice([city, "市辖区", province])
        else:
            province = _province_name(code)
            if self.random.random() < 0.3:
                city = city.removesuffix("市")  # 广州 for 广州市
        return {
            "name": self.random.choice(["王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏"]),
            "phone": self.phone(),
            "province": province,
            "city": city,
            "district": district,
            "detail": f"{self.random.choice(STREETS)}{self.random.randrange(1, 999)}号 {self.random.randrange(1, 30)}栋{self.random.randrange(101, 2999)}室",
        }

    def line(self, sku: str | None = None) -> dict[str, Any]:
        price = self.prices[sku or self.random.choice(list(self.prices))]
        quantity = self.random.choice([1, 1, 1, 2, 2, 3, 4, 6])
        gross = price.list_price * quantity
        rate = self.random.choice([Decimal(0), Decimal(0), Decimal("0.05"), Decimal("0.08")])
        return {"sku": price.sku, "quantity": quantity, "unit_price": str(price.list_price), "discount": str((gross * rate).quantize(Decimal("0.01")))}

    def clean(self, at: datetime) -> Order:
        self.serial += 1
        channel = self.random.choice(CHANNELS)
        lines = [self.line() for _ in range(self.random.choice([1, 1, 2, 3]))]
        order: Order = {
            "channel": channel,
            "external_id": f"QS-{self.serial:06d}",
            "buyer": {"buyer_id": f"{channel}-buyer-{self.random.randrange(100_000)}"},
            "receiver": self.receiver(),
            "lines": lines,
            "payment_status": self.random.choice(["PAID"] * 9 + ["COD"]),
            "placed_at": at.isoformat(),
        }
        roll = self.random.random()
        if roll < 0.05:  # a B2B order on credit, well within its limit
            order["buyer"] = {"buyer_id": "B2B-YUNHE", "customer_type": "B2B"}
            order["payment_status"] = "UNPAID"
        elif roll < 0.15:
            order["invoice"] = self.invoice(order)
        elif roll < 0.18:  # a remote area: flagged, not held
            order["receiver"].update(province="新疆", city="乌鲁木齐市", district="天山区")
        elif roll < 0.25:
            order["order_total"] = str(_total(order))
        return order

    def invoice(self, order: Order) -> dict[str, Any]:
        first17 = f"91{self.random.choice(['110000', '310000', '440300'])}{''.join(self.random.choice(uscc.ALPHABET) for _ in range(9))}"
        return {"kind": "vat_special", "title": "某某贸易有限公司", "tax_id": first17 + uscc.check_character(first17), "amount": str(_total(order))}

    # -- clean orders the rules hold anyway: the price of checking -----------------------------

    def legitimately_unusual(self, order: Order, earlier: list[Order]) -> tuple[str, Order]:
        """A correct order that looks wrong to a rule; real streams have these, so the sample does."""
        r = self.random
        kind = r.choice(["development_zone", "development_zone", "repeat_purchase", "bulk_b2b", "pinyin_address"])
        order = {k: v for k, v in order.items() if k not in ("invoice", "order_total")}  # amounts follow the lines
        if kind == "development_zone":  # buyers write the zone they live in, not the district
            return kind, {**order, "receiver": {**order["receiver"], "district": r.choice(["高新区", "经济技术开发区", "工业园区"])}}
        if kind == "repeat_purchase" and earlier:  # the same gift again, minutes later, for a friend
            first = earlier[-1]
            return kind, {**order, "buyer": first["buyer"], "channel": first["channel"], "lines": first["lines"]}
        if kind == "bulk_b2b":  # a distributor stocking up before the festival
            return kind, {**order, "buyer": {"buyer_id": "B2B-HUAXIN", "customer_type": "B2B"}, "payment_status": "PAID", "lines": [{"sku": "TEA-LONGJING-250G", "quantity": 600, "unit_price": "150.00"}]}
        return "pinyin_address", {**order, "channel": "shopify", "receiver": {**order["receiver"], "province": "Shanghai", "city": "Shanghai", "district": "Pudong", "detail": "Century Avenue 100"}}

    # -- seeded errors: each makes one clean order wrong in one way ----------------------------

    def errors(self) -> dict[str, tuple[str, Callable[[Order], Order | list[Order]]]]:
        r = self.random

        def first_line(**change: Any) -> Callable[[Order], Order]:
            return lambda o: {**o, "lines": [{**o["lines"][0], **change}, *o["lines"][1:]]}

        def price_times(factor: Decimal) -> Callable[[Order], Order]:
            def seed(o: Order) -> Order:
                line = o["lines"][0]
                return {**o, "lines": [{**line, "unit_price": str((Decimal(line["unit_price"]) * factor).quantize(Decimal("0.01"))), "discount": "0.00"}]}

            return seed

        def receiver(**change: Any) -> Callable[[Order], Order]:
            return lambda o: {**o, "receiver": {**o["receiver"], **change}}

        def discount(sku: str, rate: str) -> Callable[[Order], Order]:
            price = self.prices[sku]
            gross = price.list_price * 2
            return lambda o: {**o, "lines": [{"sku": sku, "quantity": 2, "unit_price": str(price.list_price), "discount": str((gross * Decimal(rate)).quantize(Decimal("0.01")))}]}

        def invoice(**change: Any) -> Callable[[Order], Order]:
            return lambda o: {**o, "invoice": {**self.invoice(o), **change}}

        def bad_tax_id(o: Order) -> Order:
            good = self.invoice(o)
            position = r.randrange(8, 17)
            wrong = next(c for c in uscc.ALPHABET[r.randrange(31):] + uscc.ALPHABET if c != good["tax_id"][position])
            return {**o, "invoice": {**good, "tax_id": good["tax_id"][:position] + wrong + good["tax_id"][position + 1 :]}}

        def duplicate(o: Order) -> list[Order]:
            twin_at = datetime.fromisoformat(o["placed_at"]) + timedelta(minutes=r.randrange(1, 20))
            return [o, {**o, "external_id": o["external_id"] + "-AGAIN", "placed_at": twin_at.isoformat()}]

        def burst(o: Order) -> list[Order]:
            at = datetime.fromisoformat(o["placed_at"])
            return [
                {**o, "external_id": f"{o['external_id']}-{i}", "buyer": {"buyer_id": f"burst-{o['external_id']}-{i}"}, "placed_at": (at + timedelta(minutes=8 * i)).isoformat()}
                for i in range(6)
            ]

        foreign = ("Ontario", "California", "Bayern", "Tokyo")
        return {
            "zero_price": ("line.price.positive", first_line(unit_price="0.00", discount="0.00")),
            "zero_quantity": ("line.quantity.positive", first_line(quantity=0, discount="0.00")),
            "price_typo_low": ("price.below_floor", price_times(Decimal("0.1"))),
            "price_typo_high": ("price.above_ceiling", price_times(Decimal("10"))),
            "discount_over_limit": ("price.discount.limit", discount("GIFTBOX-MOONCAKE", "0.35")),
            "discount_over_sku_limit": ("price.discount.sku_limit", discount("TEAPOT-ZISHA-300ML", "0.15")),
            "total_mismatch": ("price.total.consistent", lambda o: {**o, "order_total": str(_total(o) + Decimal("50.00"))}),
            "credit_exceeded": ("credit.limit", lambda o: {**o, "buyer": {"buyer_id": "B2B-MINGDE", "customer_type": "B2B"}, "payment_status": "UNPAID", "lines": [{"sku": "TEAPOT-ZISHA-300ML", "quantity": 4, "unit_price": "680.00"}]}),
            "b2b_without_credit": ("credit.no_account", lambda o: {**o, "buyer": {"buyer_id": f"B2B-NEW-{r.randrange(999)}", "customer_type": "B2B"}, "payment_status": "UNPAID"}),
            "unpaid": ("payment.unpaid", lambda o: {**o, "payment_status": "UNPAID"}),
            "invoice_without_title": ("invoice.title.present", invoice(title="")),
            "invoice_tax_id_typo": ("invoice.tax_id.valid", bad_tax_id),
            "invoice_without_tax_id": ("invoice.tax_id.required", invoice(tax_id=None)),
            "invoice_amount_wrong": ("invoice.amount.matches", lambda o: {**o, "invoice": {**self.invoice(o), "amount": str(_total(o) * 2)}}),
            "address_incomplete": ("address.complete", receiver(detail="")),
            "province_foreign": ("address.province.known", receiver(province=r.choice(foreign))),
            "city_in_other_province": ("address.city.in_province", receiver(province="浙江省", city="成都市", district="武侯区")),
            "district_in_other_city": ("address.district.in_city", receiver(province="广东省", city="广州市", district="西湖区")),
            "phone_malformed": ("address.phone.format", receiver(phone=str(r.randrange(10**9, 10**10)))),
            "buyer_blacklisted": ("risk.blacklist.buyer", lambda o: {**o, "buyer": {"buyer_id": "jd_fraud_ring_01"}}),
            "phone_blacklisted": ("risk.blacklist.phone", receiver(phone="17000000000")),
            "address_blacklisted": ("risk.blacklist.address", receiver(province="广东", city="深圳", district="宝安区", detail="福永街道凤凰工业区8栋仓库")),
            "quantity_spike": ("risk.quantity.sku", first_line(quantity=200, sku="TRAY-BAMBOO-L", unit_price="159.00", discount="0.00")),
            "duplicate_submission": ("duplicate.same_lines", duplicate),
            "address_burst": ("risk.address.burst", burst),
        }


def _province_name(code: str) -> str:
    from shared.geo import find_province

    return find_province(code).name_zh


def _total(order: Order) -> Decimal:
    return sum((Decimal(l["unit_price"]) * l["quantity"] - Decimal(l.get("discount", "0")) for l in order["lines"]), Decimal("0.00"))


def build(seed: int = 2026) -> list[dict[str, Any]]:
    g = Generator(seed)
    kinds = g.errors()
    plan = ["clean"] * CLEAN_ORDERS + [kind for kind in kinds for _ in range(ERRORS_PER_KIND)]
    g.random.shuffle(plan)
    at = START
    stream: list[dict[str, Any]] = []
    for label in plan:
        at += timedelta(seconds=g.random.randrange(30, 240))
        order = g.clean(at)
        if label == "clean":
            if g.random.random() < UNUSUAL_SHARE:
                why, order = g.legitimately_unusual(order, [s["order"] for s in stream[-1:]])
                label = f"clean:{why}"
            stream.append({"label": label, "expect_rule": None, "order": order})
            continue
        rule_id, seed_error = kinds[label]
        seeded = seed_error(order)
        if isinstance(seeded, list):  # the last order of a group is the one in error
            stream += [{"label": "clean", "expect_rule": None, "order": o} for o in seeded[:-1]]
            seeded = seeded[-1]
        stream.append({"label": label, "expect_rule": rule_id, "order": seeded})
    stream.sort(key=lambda s: datetime.fromisoformat(s["order"]["placed_at"]))
    return stream


def main() -> None:
    stream = build()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text("".join(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n" for s in stream), "utf-8")
    errors = sum(1 for s in stream if s["expect_rule"])
    print(f"wrote {TARGET}: {len(stream)} orders, {errors} with a seeded error")


if __name__ == "__main__":
    main()
