"""The labelled review set, generated from the written specifications (benchmarks/review_specs.py)
as one time-ordered stream over every channel, overseas included (duplicates and address bursts
need the orders before them).

    python -m benchmarks.review_samples     # rewrites benchmarks/data/review_labelled_orders.jsonl

Deterministic from its seed, so the shipped file only changes when this generator does (a test
pins it). Each kind is made the way the specification reads, from the reference data a real shop
has (its price list, its B2B accounts, the registered companies it invoices), never from the rules.
Each line: {"label": <kind>, "expect_rule": [<rule id>, ...] | null, "order": {...}}.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import review_places as places
from benchmarks.review_specs import CLEAN, ERRORS, SPECS
from local.seed import review_reference
from shared.clock import CHINA_TIME
from shared import uscc

TARGET = Path(__file__).resolve().parent / "data" / "review_labelled_orders.jsonl"
CLEAN_ORDERS = 3_000
START = datetime(2026, 11, 11, 0, 0, tzinfo=CHINA_TIME)
CHANNELS = ("own_shop", "tmall", "jd", "douyin", "erp", "partner", "shopify")
CENT = Decimal("0.01")

Order = dict[str, Any]


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _lines_total(order: Order) -> Decimal:
    return sum((Decimal(l["unit_price"]) * l["quantity"] - Decimal(l.get("discount", "0")) for l in order["lines"]), Decimal("0.00"))


def _expected_total(order: Order) -> Decimal:
    charges = sum((Decimal(c["amount"]) for c in order.get("charges", [])), Decimal("0.00"))
    return _lines_total(order) + Decimal(order.get("shipping_fee", "0")) + charges - Decimal(order.get("order_discount", "0"))


def _declare(order: Order) -> Order:
    """The channel's declared total, where the channel sends one, follows the order's parts."""
    if "order_total" in order:
        order["order_total"] = _money(_expected_total(order))
    return order


class Generator:
    def __init__(self, seed: int = 2026):
        self.r = random.Random(seed)
        reference = review_reference()
        self.prices = {p.sku: p for p in reference.prices}
        self.fx = {f.currency: f.rate for f in reference.fx_rates}
        self.companies = list(reference.companies)
        self.serial = 0

    # -- the ordinary order of a channel ------------------------------------------------------

    def buyer(self, channel: str) -> dict[str, Any]:
        n = self.r.randrange(1, 900_000)
        return {"own_shop": {"buyer_id": f"C-{n}"}, "tmall": {"buyer_id": f"tb_{n:07d}"}, "jd": {"buyer_id": f"jd_{n:07d}"},
                "douyin": {"buyer_id": f"dy{n:09d}"}, "erp": {"buyer_id": f"ERP-C-{n}"}, "partner": {"buyer_id": f"PTN-{n}"},
                "shopify": {"buyer_id": f"shopify-{n}"}}[channel]  # fmt: skip

    def mobile(self) -> str:
        return f"1{self.r.choice('3456789')}{self.r.randrange(10**9):09d}"

    def line(self, sku: str | None = None, quantity: int | None = None, rate: Decimal | None = None) -> dict[str, Any]:
        price = self.prices[sku or self.r.choice(sorted(self.prices))]
        quantity = quantity or self.r.choice([1, 1, 1, 2, 2, 3])
        rate = self.r.choice([Decimal(0), Decimal(0), Decimal("0.05"), Decimal("0.08")]) if rate is None else rate
        return {"sku": price.sku, "quantity": quantity, "unit_price": _money(price.list_price), "discount": _money(price.list_price * quantity * rate)}

    def order(self, at: datetime, channel: str | None = None) -> Order:
        self.serial += 1
        channel = channel or self.r.choice(CHANNELS[:-1])  # Shopify sells abroad: its own kinds
        order: Order = {
            "channel": channel,
            "external_id": f"RS-{self.serial:06d}",
            "buyer": self.buyer(channel),
            "receiver": {**places.domestic(self.r), "name": self.r.choice(places.NAMES), "phone": self.mobile()},
            "lines": [self.line() for _ in range(self.r.choice([1, 1, 2, 3]))],
            "payment_status": "PAID",
            "placed_at": at.isoformat(),
        }
        if channel in ("tmall", "jd", "douyin") or self.r.random() < 0.5:
            order["order_total"] = "0"
        return _declare(order)

    def abroad(self, at: datetime, country: str) -> Order:
        order = self.order(at, "shopify")
        place = places.overseas(self.r, country)
        currency, rate = place.pop("currency"), self.fx[places.CURRENCY[country]]
        for line in order["lines"]:
            cny = self.prices[line["sku"]].list_price * Decimal(str(self.r.uniform(1.0, 1.1)))
            local = (cny / rate).quantize(Decimal("1") if currency == "JPY" else CENT)
            line.update(unit_price=_money(local if currency == "JPY" else local.to_integral_value() - CENT), discount="0.00")
        order.update(currency=currency, receiver={**place, "name": self.r.choice(places.LATIN_NAMES)}, order_total="0")
        order["shipping_fee"] = _money(Decimal(self.r.choice(["0", "9.90", "14.50"])) if currency != "JPY" else Decimal(self.r.choice(["0", "1200"])))
        if country == "US":
            order["charges"] = [{"kind": "tax", "amount": _money(_lines_total(order) * Decimal("0.0825"))}]
        return _declare(order)

    def id_number(self) -> str:
        first17 = f"{self.r.choice(['330106', '110105', '440305', '510107'])}19{self.r.randrange(60, 99)}{self.r.randrange(1, 13):02d}{self.r.randrange(1, 29):02d}{self.r.randrange(1000):03d}"
        return first17 + places.id_check_digit(first17)

    def invoice(self, order: Order, company: Any = None) -> dict[str, Any]:
        company = company or self.r.choice(self.companies)
        return {"kind": "vat_special", "title": company.name, "tax_id": company.credit_code, "amount": _money(_expected_total(order))}

    # -- clean kinds ----------------------------------------------------------------------------

    def clean(self, kind: str, at: datetime) -> list[Order]:
        r, o = self.r, self.order(at)
        if kind == "gift_zero_price":
            o["channel"] = r.choice(["tmall", "douyin", "jd"])
            o["lines"].append({**self.line(quantity=1, rate=Decimal(0)), "unit_price": "0.00", "gift": True})
        elif kind == "gift_full_discount":
            gift = self.line(quantity=1, rate=Decimal(0))
            o["lines"].append({**gift, "discount": gift["unit_price"], "gift": True})
        elif kind == "shipping_in_total":
            o.update(channel=r.choice(["jd", "tmall", "douyin", "own_shop"]), shipping_fee=r.choice(["6.00", "8.00", "10.00", "12.00", "18.00"]), order_total="0")
        elif kind == "order_coupon":
            o.update(order_discount=_money(min(_lines_total(o) * Decimal("0.2"), Decimal(r.choice(["10", "20", "30", "50"])))), order_total="0")
        elif kind == "overseas_us":
            o = self.abroad(at, "US")
        elif kind == "overseas_other":
            o = self.abroad(at, r.choice(["CA", "GB", "DE", "JP", "AU"]))
        elif kind == "hk_mo_tw":
            o["receiver"].update(places.greater_china(r))
        elif kind == "fullwidth":
            o["receiver"].update(phone=places.fullwidth(o["receiver"]["phone"]), detail=places.fullwidth(o["receiver"]["detail"]))
        elif kind == "province_variant":
            o["receiver"].update(places.province_variant(r))
        elif kind == "phone_formats":
            o["receiver"]["phone"] = places.phone_format(r, o["receiver"]["phone"])
        elif kind == "municipality_city":
            o["receiver"].update(places.municipality(r))
        elif kind == "remote_area":
            o["receiver"].update(province="新疆", city="乌鲁木齐市", district=r.choice(["天山区", "沙依巴克区", "新市区"]))
        elif kind == "cod":
            o.update(channel=r.choice(["jd", "own_shop"]), payment_status="COD")
        elif kind == "vat_invoice":
            o["invoice"] = self.invoice(o)
        elif kind == "b2b_bulk_credit":
            buyer = r.choice(["B2B-YUNHE", "B2B-HUAXIN"])
            sku = r.choice(["TEA-PUER-357G", "TEA-LONGJING-250G", "CUP-CELADON-6PK", "TRAY-BAMBOO-L"])
            quantity = self.prices[sku].typical_quantity * r.randrange(6, 16)
            o.update(channel="erp", buyer={"buyer_id": buyer, "customer_type": "B2B"}, payment_status="UNPAID", lines=[self.line(sku, quantity, Decimal("0.05"))])
        elif kind == "repeat_buyer":
            first = self.order(at - timedelta(minutes=r.randrange(5, 55)), o["channel"])
            first.update(buyer=o["buyer"], receiver=dict(o["receiver"]))
            o["lines"] = [self.line(sku) for sku in r.sample(sorted(set(self.prices) - {l["sku"] for l in first["lines"]}), 1)]
            return [_declare(first), _declare(o)]
        elif kind == "household":
            first = self.order(at - timedelta(minutes=r.randrange(10, 90)))
            first["receiver"] = {**o["receiver"], "name": r.choice(places.NAMES), "phone": self.mobile()}
            o["lines"] = [self.line(sku) for sku in r.sample(sorted(set(self.prices) - {l["sku"] for l in first["lines"]}), 1)]
            return [first, _declare(o)]
        elif kind == "development_zone":
            o["receiver"].update(places.development_zone(r))
        elif kind == "cross_border_with_id":
            o.update(channel=r.choice(["tmall", "jd"]), cross_border=True)
            o["buyer"]["id_number"] = self.id_number()
        elif kind == "latin_name":
            o["receiver"]["name"] = r.choice(places.LATIN_NAMES)
        elif kind == "partner_plain":
            o["channel"] = "partner"
            o["buyer"] = self.buyer("partner")
        return [_declare(o)]

    # -- error kinds: each makes an ordinary order wrong in the way its specification reads ------

    def error(self, kind: str, at: datetime) -> list[tuple[bool, Order]]:
        """(is the error, order) pairs: groups carry the clean orders they need before them."""
        r, o = self.r, self.order(at)
        line0 = o["lines"][0]
        price = self.prices[line0["sku"]]
        receiver = o["receiver"]
        if kind == "price_too_low":
            line0.update(unit_price=_money(price.list_price / 10), discount="0.00")
        elif kind == "price_too_high":
            line0.update(unit_price=_money(price.list_price * 10), discount="0.00")
        elif kind == "zero_price_not_gift":
            o["lines"].append({**self.line(quantity=1, rate=Decimal(0)), "unit_price": "0.00"})
        elif kind == "gift_only":
            o["lines"] = [{**self.line(quantity=r.randrange(1, 4), rate=Decimal(0)), "unit_price": "0.00", "discount": "0.00", "gift": True}]
        elif kind == "discount_too_deep":
            line0.update(discount=_money(Decimal(line0["unit_price"]) * line0["quantity"] * Decimal(r.choice(["0.35", "0.4", "0.5"]))))
        elif kind == "total_mismatch":
            _declare({**o, "order_total": "0"})
            o["order_total"] = _money(_expected_total(o) + Decimal(r.choice(["50", "-30", "100", "18.5"])))
            return [(True, o)]
        elif kind == "overseas_price_wrong":
            o = self.abroad(at, "US")
            o["lines"][0]["unit_price"] = _money(Decimal(o["lines"][0]["unit_price"]) / 10)
        elif kind == "detail_pickup":
            receiver["detail"] = r.choice(["门店自提", "到店自提", "自提", "门店自取"])
        elif kind == "detail_po_box":
            receiver["detail"] = r.choice(["邮政信箱2048号", "P.O. Box 1234", "邮政信箱 第88号", "PO BOX 77"])
        elif kind == "detail_see_remark":
            receiver["detail"] = r.choice(["详见备注", "见备注", "地址见留言", "详见订单备注"])
        elif kind == "detail_bare_number":
            receiver["detail"] = r.choice(["123", "8", "1-2", "66"])
        elif kind == "address_incomplete":
            receiver[r.choice(["phone", "name", "detail", "city"])] = ""
        elif kind == "city_wrong_province":
            receiver.update(province="浙江省", city=r.choice(["成都市", "南京市", "长沙市"]), district="")
        elif kind == "district_wrong_city":
            receiver.update(province="广东省", city="广州市", district=r.choice(["西湖区", "武侯区", "鼓楼区"]))
        elif kind == "overseas_bad_address":
            o = self.abroad(at, "US")
            if r.random() < 0.5:
                o["receiver"]["postal_code"] = o["receiver"]["postal_code"][:4]
            else:
                o["receiver"]["province"] = r.choice(["Texsa", "Calfornia", "NewYork"])
        elif kind == "fake_phone":
            receiver["phone"] = r.choice(["00000000000", "11111111111", "12345678901", "13800000000", "99999999999", "0000000"])
        elif kind == "phone_malformed":
            receiver["phone"] = r.choice([str(r.randrange(10**8, 10**9)), f"2{r.randrange(10**9):09d}", f"1{r.randrange(10**10):010d}9"])
        elif kind == "emoji_name":
            receiver["name"] = r.choice(["🌸🌸", "😊", "❤️❤️", "★★", "🐱", "🍵🍵🍵"])
        elif kind == "double_submission":
            twin = {**o, "external_id": o["external_id"] + "-2", "placed_at": (at + timedelta(minutes=r.randrange(1, 10))).isoformat()}
            return [(False, o), (True, twin)]
        elif kind == "cross_channel_duplicate":
            o["channel"] = r.choice(["tmall", "jd", "douyin"])
            o["buyer"] = self.buyer(o["channel"])
            rekeyed = {**o, "channel": "erp", "external_id": "ERP-" + o["external_id"], "buyer": self.buyer("erp"),
                       "receiver": {**receiver, "phone": places.same_phone(r, receiver["phone"]), "detail": receiver["detail"].replace(" ", "")},
                       "placed_at": (at + timedelta(minutes=r.randrange(60, 360))).isoformat()}  # fmt: skip
            rekeyed.pop("order_total", None)
            return [(False, _declare(o)), (True, rekeyed)]
        elif kind == "address_burst":
            promo = self.line(r.choice(["GIFTBOX-MOONCAKE", "TEA-LONGJING-250G"]), 2, Decimal("0.2"))
            channel = r.choice(["douyin", "tmall"])
            return [
                (True, _declare({**o, "channel": channel, "external_id": f"{o['external_id']}-{i}", "buyer": self.buyer(channel), "lines": [promo],
                                 "receiver": {**receiver, "name": r.choice(places.NAMES), "phone": self.mobile()},
                                 "placed_at": (at + timedelta(minutes=11 * i + r.randrange(0, 5))).isoformat()}))  # fmt: skip
                for i in range(5)
            ]
        elif kind == "quantity_spike":
            line0.update(quantity=price.typical_quantity * r.randrange(20, 40), discount="0.00")
        elif kind == "over_credit":
            o.update(channel="erp", buyer={"buyer_id": "B2B-MINGDE", "customer_type": "B2B"}, payment_status="UNPAID", lines=[self.line("TEAPOT-ZISHA-300ML", 4, Decimal(0))])
        elif kind == "b2b_no_account":
            o.update(channel="erp", buyer={"buyer_id": f"B2B-NEW-{r.randrange(999)}", "customer_type": "B2B"}, payment_status="UNPAID")
        elif kind == "unpaid":
            o["payment_status"] = "UNPAID"
        elif kind == "buyer_blacklisted":
            o.update(channel="jd", buyer={"buyer_id": "jd_fraud_ring_01"})
        elif kind == "phone_blacklisted":
            receiver["phone"] = r.choice(["+86 170 0000 0000", "170-0000-0000", "１７０００００００００"])
        elif kind == "address_blacklisted":
            receiver.update(province=r.choice(["广东", "广东省"]), city=r.choice(["深圳", "深圳市"]), district="宝安区",
                            detail=r.choice(["福永街道凤凰工业区８栋仓库", "福永街道 凤凰工业区 8栋 仓库", "福永街道凤凰工业区8栋仓库"]))  # fmt: skip
        elif kind == "credit_code_mismatch":
            owner, other = r.sample(self.companies, 2)
            o["invoice"] = {**self.invoice(o, owner), "title": other.name}
        elif kind == "tax_id_typo":
            good = self.invoice(o)
            position = r.randrange(8, 17)
            wrong = next(c for c in uscc.ALPHABET[r.randrange(31):] + uscc.ALPHABET if c != good["tax_id"][position])
            o["invoice"] = {**good, "tax_id": good["tax_id"][:position] + wrong + good["tax_id"][position + 1 :]}
        elif kind == "invoice_no_title":
            o["invoice"] = {**self.invoice(o), "kind": "normal", "title": "", "tax_id": None}
        elif kind == "vat_without_tax_id":
            o["invoice"] = {**self.invoice(o), "tax_id": None}
        elif kind == "invoice_amount_wrong":
            o["invoice"] = {**self.invoice(o), "amount": _money(_expected_total(o) * 2)}
        elif kind == "cross_border_no_id":
            o.update(channel=r.choice(["tmall", "jd"]), cross_border=True)
        elif kind == "cross_border_bad_id":
            good = self.id_number()
            o.update(channel=r.choice(["tmall", "jd"]), cross_border=True)
            o["buyer"]["id_number"] = good[:17] + next(c for c in "0123456789X" if c != good[17])
        elif kind == "zero_quantity":
            line0.update(quantity=0, discount="0.00")
        return [(True, _declare(o))]


def build(seed: int = 2026) -> list[dict[str, Any]]:
    g = Generator(seed)
    clean_kinds = [s.kind for s in CLEAN]
    plan = [("clean", k) for k in g.r.choices(clean_kinds, weights=[s.share for s in CLEAN], k=CLEAN_ORDERS)]
    for spec in ERRORS:
        groups = spec.count // 5 if spec.kind == "address_burst" else spec.count
        plan += [("error", spec.kind)] * groups
    g.r.shuffle(plan)
    at = START
    stream: list[dict[str, Any]] = []
    for what, kind in plan:
        at += timedelta(seconds=g.r.randrange(20, 150))
        if what == "clean":
            stream += [{"label": kind, "expect_rule": None, "order": o} for o in g.clean(kind, at)]
            continue
        for is_error, order in g.error(kind, at):
            stream.append({"label": kind if is_error else "plain_domestic", "expect_rule": list(SPECS[kind].expect) if is_error else None, "order": order})
    stream.sort(key=lambda s: (datetime.fromisoformat(s["order"]["placed_at"]), s["order"]["external_id"]))
    return stream


def main() -> None:
    stream = build()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text("".join(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n" for s in stream), "utf-8")
    errors = sum(1 for s in stream if s["expect_rule"])
    print(f"wrote {TARGET}: {len(stream)} orders, {errors} in error")


if __name__ == "__main__":
    main()
