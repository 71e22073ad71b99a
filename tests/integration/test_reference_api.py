"""The reference data API on moto: operations change credit accounts, blacklists, FX rates and
registered companies at run time; each change is validated, audited field by field, guarded
against a concurrent change, and the next review uses it."""

import json
from typing import Any
from urllib.parse import quote

import pytest

from functions.intake.handler import handler as intake
from functions.reference_api.handler import handler as reference_api
from functions.review.handler import handler as review
from local.api_gateway import LocalRoute, proxy_event
from shared.aws.reference_store import StaleRevision
from shared.aws.stores import reference_store
from tests.integration.conftest import api_request, context


def call(method: str, path: str, body: Any = None, query: str = "", operator: str = "li.na@example.com") -> tuple[int, Any]:
    parts = path.strip("/").split("/")
    special = len(parts) == 2 and parts[1] in ("audit", "openapi")
    resource = {1: "/reference", 2: "/reference/{kind}", 3: "/reference/{kind}/{key}"}[len(parts)] if not special else path
    params = {} if special else dict(zip(("kind", "key"), parts[1:], strict=False))
    raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    event = proxy_event(method, LocalRoute(method, resource, "reference-api", reference_api), path, params, {"Content-Type": "application/json", "X-Operator": operator}, query, raw)
    answer = reference_api(event, context())
    return answer["statusCode"], json.loads(answer["body"] or "null")


def decision(order: dict, external_id: str, **changes) -> tuple[str, list[str]]:
    status, answer = api_request(intake, "POST", "/orders", "/orders", json.dumps({**order, "external_id": external_id, **changes}))
    assert status == 202, answer
    from shared.aws.stores import order_store

    result = review({"order_id": answer["order_id"]}, context())["decision"]
    return result, [f["rule_id"] for f in order_store().details(answer["order_id"]).timeline[-1].details["findings"] if f["severity"] != "FLAG"]


def on_credit(order: dict, quantity: int = 4) -> dict:
    return {"buyer": {"buyer_id": "B2B-MINGDE", "customer_type": "B2B"}, "payment_status": "UNPAID", "lines": [{"sku": "TEAPOT-ZISHA-300ML", "quantity": quantity, "unit_price": "680.00"}]}


def test_a_credit_limit_raised_through_the_api_is_audited_and_used_by_the_next_review(seeded, shanghai_order):
    assert decision(shanghai_order, "REF-1", **on_credit(shanghai_order)) == ("ON_HOLD", ["credit.limit"])
    status, change = call("PUT", "/reference/credit", {"entry": {"buyer_id": "B2B-MINGDE", "limit": "60000.00", "outstanding": "47800.00"}, "comment": "contract renewed, limit 60k"}, operator="wang.fang@example.com")
    assert status == 200, change
    assert (change["action"], change["key"], change["actor"]) == ("put", "B2B-MINGDE", "wang.fang@example.com")
    assert change["changes"] == [{"field": "limit", "before": "50000.00", "after": "60000.00"}]
    assert decision(shanghai_order, "REF-2", **on_credit(shanghai_order, quantity=3)) == ("APPROVED", [])
    assert call("GET", "/reference/credit/B2B-MINGDE") == (200, {"buyer_id": "B2B-MINGDE", "limit": "60000.00", "outstanding": "47800.00"})
    status, audit = call("GET", "/reference/audit")
    assert status == 200 and audit[0]["comment"] == "contract renewed, limit 60k" and audit[0]["at"].endswith("Z")


def test_a_phone_blacklisted_then_removed_holds_and_then_releases_orders(seeded, shanghai_order):
    phone = {**shanghai_order["receiver"], "phone": "139 1234 5678"}
    status, change = call("PUT", "/reference/blacklist", {"entry": {"kind": "PHONE", "value": "+86 139-1234-5678", "reason": "chargebacks"}, "comment": "ring of 3 accounts"})
    assert status == 200 and change["key"] == "PHONE:13912345678"
    assert decision(shanghai_order, "BL-1", receiver=phone) == ("ON_HOLD", ["risk.blacklist.phone"])
    status, removed = call("DELETE", "/reference/blacklist/PHONE:13912345678", query="comment=" + quote("cleared by the bank"))
    assert status == 200 and removed["action"] == "deleted" and removed["after"] is None
    other_lines = [{"sku": "CUP-CELADON-6PK", "quantity": 2, "unit_price": "89.00"}]  # not a duplicate of BL-1
    assert decision(shanghai_order, "BL-2", receiver=phone, lines=other_lines) == ("APPROVED", [])
    assert [e["action"] for e in call("GET", "/reference/audit")[1][:2]] == ["deleted", "put"]
    assert call("GET", "/reference/blacklist/PHONE:13912345678")[0] == 404


def test_fx_rates_and_companies_maintained_through_the_api_reach_the_review(seeded, shanghai_order):
    assert call("PUT", "/reference/fx_rates", {"entry": {"currency": "SGD", "rate": "5.3000", "as_of": "2026-11-10"}, "comment": "new market"})[0] == 200
    singapore = {"channel": "shopify", "currency": "SGD", "lines": [{"sku": "TEA-LONGJING-250G", "quantity": 1, "unit_price": "3.20"}],
                 "receiver": {"name": "Tan Wei", "phone": "+65 6123 4567", "country": "SG", "city": "Singapore", "detail": "1 Raffles Place", "postal_code": "048616"}}  # fmt: skip
    assert decision(shanghai_order, "FX-1", **singapore) == ("ON_HOLD", ["price.below_floor"])  # 3.20 SGD is 16.96 CNY
    company = {"credit_code": "91350100M000100Y43", "name": "福州某某贸易有限公司"}
    assert call("PUT", "/reference/companies", {"entry": company, "comment": "customer onboarding"})[0] == 200
    invoice = {"kind": "vat_special", "title": "厦门另一家公司", "tax_id": "91350100M000100Y43", "amount": "405.00"}
    assert decision(shanghai_order, "CO-1", invoice=invoice) == ("ON_HOLD", ["invoice.tax_id.company"])


@pytest.mark.parametrize(
    ("kind", "entry", "field"),
    [
        ("credit", {"buyer_id": "B2B-X", "limit": "-5", "outstanding": "0"}, "entry.limit"),
        ("fx_rates", {"currency": "usd", "rate": "7.1", "as_of": "2026-11-10"}, "entry.currency"),
        ("companies", {"credit_code": "91350100M000100Y44", "name": "某公司"}, "entry"),
        ("prices", {"sku": "X", "list_price": "10.00", "colour": "red"}, "entry.colour"),
    ],
)
def test_a_wrong_entry_is_refused_with_400_naming_the_field_and_nothing_changes(seeded, kind, entry, field):
    status, answer = call("PUT", f"/reference/{kind}", {"entry": entry, "comment": "try"})
    assert status == 400, answer
    assert field in [e["field"] for e in answer["errors"]]
    assert call("GET", "/reference/audit") == (200, [])


def test_an_unknown_kind_a_missing_comment_and_a_missing_entry_are_refused(seeded):
    status, answer = call("PUT", "/reference/colours", {"entry": {}, "comment": "x"})
    assert status == 404 and answer["errors"][0]["field"] == "kind"
    status, answer = call("PUT", "/reference/credit", {"entry": {"buyer_id": "B", "limit": "1", "outstanding": "0"}})
    assert status == 400 and answer["errors"][0]["field"] == "comment"
    assert call("DELETE", "/reference/credit/NOBODY", query="comment=x")[0] == 404
    assert call("DELETE", "/reference/credit/B2B-MINGDE")[0] == 400  # why is required


def test_a_change_made_on_a_stale_read_is_refused(seeded):
    store = reference_store()
    data, revision = store.entry("credit", "B2B-YUNHE")
    assert revision == 0  # loaded by the seed
    assert call("PUT", "/reference/credit", {"entry": {**data, "outstanding": "1000.00"}, "comment": "invoice paid"})[0] == 200
    with pytest.raises(StaleRevision):  # another operator read before that change and writes now
        store.change("credit", "B2B-YUNHE", {**data, "outstanding": "0.00"}, True, revision, {"at": "2026-12-01T00:00:00.000Z", "actor": "x", "action": "put", "kind": "credit", "key": "B2B-YUNHE", "comment": "late"})
    assert store.entry("credit", "B2B-YUNHE") == ({**data, "outstanding": "1000.00"}, 1)


def test_a_kind_is_listed_a_page_at_a_time(seeded):
    status, first = call("GET", "/reference/fx_rates", query="limit=4")
    assert status == 200 and len(first["entries"]) == 4 and first["next"]
    status, rest = call("GET", "/reference/fx_rates", query="limit=100&after=" + quote(first["next"]))
    assert {e["currency"] for e in first["entries"] + rest["entries"]} == {"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "HKD"} and rest["next"] is None
    status, kinds = call("GET", "/reference")
    assert [k["kind"] for k in kinds] == ["prices", "credit", "profiles", "blacklist", "remote_areas", "fx_rates", "companies"]
