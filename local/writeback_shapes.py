"""The fake platforms' checks of each write-back and stock call (local/writeback_platforms.py):
required fields, their types, the shop's token and signature, carrier codes each platform knows,
and what the platform answers — a refusal in the platform's own words when the call is wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from shared.reconciliation.pull.base import douyin_signature, jos_signature, top_signature
from shared.writeback.carriers import carrier_table

DIGITS = re.compile(r"^\d+$")


class Refused(Exception):
    def __init__(self, status: int, body: Any, problems: list[str]):
        super().__init__("; ".join(problems))
        self.status, self.body, self.problems = status, body, problems


def _codes(channel: str) -> set[str]:
    return {getattr(c, channel) for c in carrier_table().carriers.values()}


def _shop_of(fake: Any, token: str | None, channel: str, refusal: Any, status: int = 200) -> str:
    owner = fake.shops.get(token or "")
    if owner is None or owner[0] != channel:
        raise Refused(status, refusal, [f"unknown {channel} access token"])
    return owner[1]


# -- Shopify ---------------------------------------------------------------------------------------


def check_shopify(fake: Any, method: str, path: str, query: dict[str, str], raw: str, headers: Any) -> tuple[str, dict, int, Any]:
    _shop_of(fake, headers.get("X-Shopify-Access-Token"), "shopify", {"errors": "[API] Invalid API key or access token"}, 401)
    tail = path.split("/admin/api/2025-07/", 1)[-1]
    if method == "GET" and (m := re.fullmatch(r"orders/(\d+)\.json", tail)):
        order = _shopify_order(fake, m.group(1))
        return "GET order", {"order_id": m.group(1)}, 200, {"order": {"id": order["id"], "line_items": order["line_items"]}}
    if method == "GET" and (m := re.fullmatch(r"orders/(\d+)/fulfillment_orders\.json", tail)):
        return "GET fulfillment_orders", {"order_id": m.group(1)}, 200, {"fulfillment_orders": [_fulfillment_order(fake, _shopify_order(fake, m.group(1)))]}
    body = _json_body(raw)
    if method == "POST" and tail == "fulfillments.json":
        return "POST fulfillments", body, 201, _fulfil(fake, body)
    if method == "POST" and tail == "inventory_levels/set.json":
        problems = [f"{name} must be an integer" for name in ("location_id", "inventory_item_id", "available") if not isinstance(body.get(name), int) or isinstance(body.get(name), bool)]
        if problems:
            raise Refused(422, {"errors": problems}, problems)
        return "POST inventory_levels/set", body, 200, {"inventory_level": {**body, "updated_at": "2026-12-01T00:00:00Z"}}
    raise Refused(404, {"errors": "Not Found"}, [f"no Shopify resource {method} {tail}"])


def _shopify_order(fake: Any, order_id: str) -> dict[str, Any]:
    order = fake.orders.get(("shopify", order_id))
    if order is None:
        raise Refused(404, {"errors": "Not Found"}, [f"no Shopify order {order_id}"])
    return order


def _fulfillment_order(fake: Any, order: dict[str, Any]) -> dict[str, Any]:
    items = [
        {"id": int(li["id"]) + 1, "line_item_id": int(li["id"]), "variant_id": li.get("variant_id"), "quantity": li["quantity"], "fulfillable_quantity": li["quantity"] - fake.fulfilled[int(li["id"])]}
        for li in order["line_items"]
    ]
    open_ = any(i["fulfillable_quantity"] > 0 for i in items)
    return {"id": int(order["id"]) + 1, "order_id": int(order["id"]), "status": "open" if open_ else "closed", "line_items": items}


def _fulfil(fake: Any, body: dict[str, Any]) -> dict[str, Any]:
    fulfillment = body.get("fulfillment")
    problems: list[str] = []
    if not isinstance(fulfillment, dict):
        raise Refused(400, {"errors": {"fulfillment": "Required parameter missing or invalid"}}, ["fulfillment is required"])
    groups = fulfillment.get("line_items_by_fulfillment_order")
    tracking = fulfillment.get("tracking_info")
    if not isinstance(groups, list) or not groups:
        problems.append("line_items_by_fulfillment_order must be a non-empty list")
    if not isinstance(tracking, dict) or not all(isinstance(tracking.get(k), str) and tracking.get(k) for k in ("company", "number", "url")):
        problems.append("tracking_info needs company, number and url as strings")
    elif tracking["company"] not in {c.shopify.company for c in carrier_table().carriers.values()}:
        problems.append(f"tracking_info.company {tracking['company']!r} is not a carrier Shopify knows")
    take: dict[int, int] = {}
    by_fo_item = {int(o["id"]) + 1: o for o in fake.orders.values() if "line_items" in o}
    for group in groups if isinstance(groups, list) else []:
        order = by_fo_item.get(group.get("fulfillment_order_id")) if isinstance(group, dict) else None
        if order is None:
            problems.append(f"unknown fulfillment_order_id {group.get('fulfillment_order_id') if isinstance(group, dict) else group!r}")
            continue
        fo = _fulfillment_order(fake, order)
        for item in group.get("fulfillment_order_line_items") or [None]:
            held = next((i for i in fo["line_items"] if isinstance(item, dict) and i["id"] == item.get("id")), None)
            quantity = item.get("quantity") if isinstance(item, dict) else None
            if held is None or not isinstance(quantity, int) or not 0 < quantity <= held["fulfillable_quantity"]:
                problems.append(f"fulfillment order line item {item!r} is unknown or asks more than it holds")
            else:
                take[held["line_item_id"]] = quantity
    if problems:
        raise Refused(422, {"errors": problems}, problems)
    with fake.lock:
        for line_item_id, quantity in take.items():
            fake.fulfilled[line_item_id] += quantity
        number = len([c for c in fake.calls if c["api"] == "POST fulfillments"]) + 255858046
    return {"fulfillment": {"id": number, "status": "success", "service": "manual", "tracking_company": tracking["company"], "tracking_number": tracking["number"], "tracking_numbers": [tracking["number"]], "tracking_url": tracking["url"], "tracking_urls": [tracking["url"]]}}


def _json_body(raw: str) -> dict[str, Any]:
    try:
        body = json.loads(raw or "{}")
    except ValueError:
        raise Refused(400, {"errors": "body is not JSON"}, ["body is not JSON"]) from None
    if not isinstance(body, dict):
        raise Refused(400, {"errors": "body is not a JSON object"}, ["body is not a JSON object"])
    return body


# -- Taobao (TOP) ----------------------------------------------------------------------------------

_TOP_REQUIRED = {
    "taobao.logistics.offline.send": ("tid", "out_sid", "company_code"),
    "taobao.trade.fullinfo.get": ("tid", "fields"),
    "taobao.item.quantity.update": ("num_iid", "quantity"),
}


def check_top(fake: Any, form: dict[str, str]) -> tuple[str, dict, int, Any]:
    api = form.get("method", "")
    _shop_of(fake, form.get("session"), "tmall", {"error_response": {"code": 27, "msg": "Invalid session"}})
    _signed(form, fake.secret("tmall"), {"error_response": {"code": 25, "msg": "Invalid signature"}})
    if api not in _TOP_REQUIRED:
        raise Refused(200, {"error_response": {"code": 22, "msg": "Invalid method"}}, [f"unknown TOP method {api}"])
    problems = [f"{name} is required" for name in _TOP_REQUIRED[api] if not form.get(name)]
    problems += [f"{name} must be digits" for name in ("tid", "num_iid", "quantity", "sku_id") if form.get(name) and not DIGITS.match(form[name])]
    if api == "taobao.logistics.offline.send":
        if form.get("company_code") and form["company_code"] not in _codes("tmall"):
            problems.append(f"company_code {form['company_code']} is not a Taobao logistics company")
        if form.get("is_split") == "1":
            trade = fake.orders.get(("tmall", form.get("tid", "")), {})
            oids = {str(o["oid"]) for o in (trade.get("orders") or {}).get("order", [])}
            sub = [s for s in form.get("sub_tid", "").split(",") if s]
            if not sub or not set(sub) <= oids:
                problems.append(f"sub_tid {form.get('sub_tid')!r} must list sub-orders of trade {form.get('tid')}")
    if api == "taobao.item.quantity.update" and form.get("type", "1") not in ("1", "2"):
        problems.append("type must be 1 (full) or 2 (incremental)")
    if problems:
        raise Refused(200, {"error_response": {"code": 41, "msg": "Invalid arguments", "sub_msg": "; ".join(problems)}}, problems)
    params = {k: v for k, v in form.items() if k not in ("sign", "session", "app_key", "timestamp")}
    if api == "taobao.trade.fullinfo.get":
        trade = fake.orders.get(("tmall", form["tid"]))
        if trade is None:
            raise Refused(200, {"error_response": {"code": 15, "msg": "Remote service error", "sub_msg": "trade not found"}}, ["unknown tid"])
        return api, params, 200, {"trade_fullinfo_get_response": {"trade": trade}}
    if api == "taobao.item.quantity.update":
        return api, params, 200, {"item_quantity_update_response": {"item": {"num_iid": int(form["num_iid"]), "num": int(form["quantity"])}}}
    return api, params, 200, {"logistics_offline_send_response": {"shipping": {"is_success": True}}}


def _signed(params: dict[str, str], secret: str, refusal: Any, sign: Callable[[dict[str, str], str], str] = top_signature) -> None:
    if params.get("sign") != sign(params, secret):
        raise Refused(200, refusal, ["the signature does not match"])


# -- JD (JOS) --------------------------------------------------------------------------------------


def check_jd(fake: Any, form: dict[str, str]) -> tuple[str, dict, int, Any]:
    api = form.get("method", "")
    _shop_of(fake, form.get("access_token"), "jd", {"error_response": {"code": "19", "zh_desc": "token已过期或者不存在"}})
    _signed(form, fake.secret("jd"), {"error_response": {"code": "9", "zh_desc": "签名无效"}}, jos_signature)
    try:
        business = json.loads(form.get("360buy_param_json") or "")
    except ValueError:
        raise Refused(200, {"error_response": {"code": "66", "zh_desc": "360buy_param_json 不是 JSON"}}, ["360buy_param_json is not JSON"]) from None
    required = {"jingdong.pop.order.shipment": ("orderId", "logiCoprId", "logiNo"), "jingdong.stock.write.updateSkuStock": ("skuId", "stockNum")}.get(api)
    if required is None:
        raise Refused(200, {"error_response": {"code": "22", "zh_desc": "方法不存在"}}, [f"unknown JOS method {api}"])
    problems = [f"{name} is required" for name in required if not business.get(name)]
    problems += [f"{name} must be digits" for name in ("orderId", "skuId", "stockNum") if business.get(name) and not DIGITS.match(str(business[name]))]
    # Several companies "|"-separated ("2100|4700"), their waybills likewise, "," within one company.
    companies = str(business["logiCoprId"]).split("|") if business.get("logiCoprId") else []
    problems += [f"logiCoprId {company} is not a JD logistics company" for company in companies if company not in _codes("jd")]
    if companies and business.get("logiNo") and len(str(business["logiNo"]).split("|")) != len(companies):
        problems.append(f"logiNo {business['logiNo']} must hold one '|'-separated group of waybills per company of logiCoprId {business['logiCoprId']}")
    if api == "jingdong.pop.order.shipment" and business.get("orderId"):
        order = fake.orders.get(("jd", str(business["orderId"])))
        if order is not None and order.get("orderState") != "WAIT_SELLER_STOCK_OUT":  # hand-built: JD ships an order once
            problems.append(f"order {business['orderId']} is {order.get('orderState')}: it is not waiting to be shipped")
    if problems:
        raise Refused(200, {"error_response": {"code": "66", "zh_desc": "; ".join(problems)}}, problems)
    if api == "jingdong.stock.write.updateSkuStock":
        return api, business, 200, {"jingdong_stock_write_updateSkuStock_responce": {"success": True}}
    return api, business, 200, {"jingdong_pop_order_shipment_responce": {"sopjosshipment_result": {"success": True, "code": "200"}}}


# -- Douyin ----------------------------------------------------------------------------------------


def check_douyin(fake: Any, path: str, query: dict[str, str], raw: str) -> tuple[str, dict, int, Any]:
    api = query.get("method", "")
    _shop_of(fake, query.get("access_token"), "douyin", {"code": 30002, "msg": "access_token不存在"})
    body = _json_body(raw)
    param_json = json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    _signed(query, fake.secret("douyin"), {"code": 30003, "msg": "签名校验失败"}, lambda params, secret: douyin_signature(params, param_json, secret))
    shapes = {
        ("/douyin/order/logisticsAdd", "order.logisticsAdd"): {"order_id": str, "company_code": str, "logistics_code": str},
        ("/douyin/order/logisticsAddMultiPack", "order.logisticsAddMultiPack"): {"order_id": str, "pack_list": list, "request_id": str},
        ("/douyin/sku/syncStock", "sku.syncStock"): {"product_id": int, "sku_id": int, "stock_num": int, "incremental": bool},
    }
    shape = shapes.get((path, api))
    if shape is None:
        raise Refused(200, {"code": 30004, "msg": "method不存在"}, [f"unknown Douyin call {api} at {path}"])
    problems = [f"{name} must be a {kind.__name__}" for name, kind in shape.items() if not isinstance(body.get(name), kind) or (kind is int and isinstance(body.get(name), bool)) or body.get(name) == ""]
    if api == "order.logisticsAdd" and body.get("company_code") and body["company_code"] not in _codes("douyin"):
        problems.append(f"company_code {body['company_code']} is not a Douyin logistics company")
    for pack in body.get("pack_list") or [] if api == "order.logisticsAddMultiPack" else []:
        shipped = pack.get("shipped_order_info") if isinstance(pack, dict) else None
        if not shipped or not all(isinstance(i, dict) and isinstance(i.get("shipped_order_id"), str) and i["shipped_order_id"] and isinstance(i.get("shipped_num"), int) and i["shipped_num"] > 0 for i in shipped):
            problems.append("each pack needs shipped_order_info with shipped_order_id (str) and shipped_num (int > 0)")
        if not isinstance(pack, dict) or not isinstance(pack.get("logistics_code"), str) or pack.get("company_code") not in _codes("douyin"):
            problems.append("each pack needs logistics_code and a Douyin company_code")
    if problems:
        raise Refused(200, {"code": 40004, "msg": "参数错误", "sub_msg": "; ".join(problems)}, problems)
    return api, body, 200, {"code": 10000, "msg": "success", "data": {}}
