"""Shopify (REST Admin API 2025-07): a package ships as a fulfillment of the order's fulfillment
orders. Three calls: the order's line items (GET orders/{id}.json, to know which line item each
SKU is), its fulfillment orders (GET orders/{id}/fulfillment_orders.json), then POST
fulfillments.json with line_items_by_fulfillment_order (each fulfillment order's line item ids
and quantities) and tracking_info {company, number, url}. Field names from Shopify's Fulfillment
and FulfillmentOrder REST resources; the answer's shape from the published fulfillment sample
(samples/real/shopify_fulfillment_python_api_fixture.json).

Stock: POST inventory_levels/set.json {location_id, inventory_item_id, available}."""

from __future__ import annotations

from typing import Any

from shared.reconciliation.pull.base import ShopCredentials, setting
from shared.writeback.carriers import codes_of
from shared.writeback.channels.base import call
from shared.writeback.domain import CallFailed, StockPush, WriteBack

CHANNEL = "shopify"
ADMIN_SETTING = "SHOPIFY_ADMIN_URL"
DEFAULT_ADMIN = "https://{shop}/admin/api/2025-07"


class ShopifyChannel:
    channel = CHANNEL

    def ship(self, writeback: WriteBack, credentials: ShopCredentials) -> str:
        admin, headers = _admin(writeback.shop), {"X-Shopify-Access-Token": credentials.access_token}
        order = _answer(call("GET", f"{admin}/orders/{writeback.external_id}.json", params={"fields": "id,line_items"}, headers=headers))
        items = (order.get("order") or {}).get("line_items") or []
        fulfillment_orders = _answer(call("GET", f"{admin}/orders/{writeback.external_id}/fulfillment_orders.json", headers=headers)).get("fulfillment_orders") or []
        by_fulfillment_order = _package_items(writeback, items, fulfillment_orders)
        if not by_fulfillment_order:
            return "already fulfilled"  # every line of this package is fulfilled: a repeat, nothing to send
        carrier = codes_of(writeback.carrier, CHANNEL).shopify
        body = {
            "fulfillment": {
                "line_items_by_fulfillment_order": by_fulfillment_order,
                "tracking_info": {
                    "company": carrier.company,
                    "number": writeback.tracking_number,
                    "url": carrier.url.format(number=writeback.tracking_number),
                },
                "notify_customer": True,
            }
        }
        answer = call("POST", f"{admin}/fulfillments.json", json_body=body, headers=headers)
        fulfillment = (answer or {}).get("fulfillment") if isinstance(answer, dict) else None
        if not isinstance(fulfillment, dict) or "id" not in fulfillment:
            raise CallFailed(f"shopify answered without a fulfillment: {str(answer)[:200]}", retryable=False)
        return f"fulfillment {fulfillment['id']}"

    def push_stock(self, push: StockPush, credentials: ShopCredentials) -> str:
        body = {
            "location_id": int(push.listing["location_id"]),
            "inventory_item_id": int(push.listing["inventory_item_id"]),
            "available": push.quantity,
        }
        answer = call("POST", f"{_admin(push.shop)}/inventory_levels/set.json", json_body=body, headers={"X-Shopify-Access-Token": credentials.access_token})
        level = (answer or {}).get("inventory_level") if isinstance(answer, dict) else None
        if not isinstance(level, dict):
            raise CallFailed(f"shopify answered without an inventory_level: {str(answer)[:200]}", retryable=False)
        return f"inventory level {level.get('inventory_item_id')}@{level.get('location_id')} = {level.get('available')}"


def _answer(body: Any) -> dict[str, Any]:
    """A JSON object, or a retryable failure (a maintenance page, a proxy's answer)."""
    if body is not None and not isinstance(body, dict):
        raise CallFailed(f"shopify answered something that is not a JSON object: {str(body)[:200]}", retryable=True)
    return body or {}


def _admin(shop: str | None) -> str:
    return setting(ADMIN_SETTING, DEFAULT_ADMIN).format(shop=shop or "")


def _package_items(writeback: WriteBack, items: list[dict[str, Any]], fulfillment_orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """This package's lines as fulfillment order line items: its SKU (or variant) names the order's
    line item; the open fulfillment orders hold that line item with a fulfillable quantity."""
    wanted: dict[int, int] = {}
    for line in writeback.lines:
        item = next((i for i in items if line.channel_line_id and str(i.get("id")) == line.channel_line_id), None)
        item = item or next((i for i in items if _is(i, line.sku, line.channel_sku)), None)
        if item is None:
            raise CallFailed(f"shopify order {writeback.external_id} has no line item for SKU {line.sku}", retryable=False)
        wanted[int(item["id"])] = wanted.get(int(item["id"]), 0) + line.quantity
    grouped: list[dict[str, Any]] = []
    held = [fo for fo in fulfillment_orders if fo.get("status") == "on_hold"]
    if any(int(i.get("line_item_id", 0)) in wanted and int(i.get("fulfillable_quantity", 0)) > 0 for fo in held for i in fo.get("line_items") or []):
        # Not "already fulfilled": the units wait behind a hold a person must release (then redrive).
        names = ", ".join(f"{fo.get('id')} is {fo.get('status')}" for fo in held)
        raise CallFailed(f"shopify order {writeback.external_id}: fulfillment order {names}; release it on Shopify, then redrive", retryable=False)
    for fo in fulfillment_orders:
        if fo.get("status") not in (None, "open", "in_progress", "scheduled"):
            continue
        chosen = []
        for fo_item in fo.get("line_items") or []:
            need = wanted.get(int(fo_item.get("line_item_id", 0)), 0)
            take = min(need, int(fo_item.get("fulfillable_quantity", 0)))
            if take > 0:
                chosen.append({"id": int(fo_item["id"]), "quantity": take})
                wanted[int(fo_item["line_item_id"])] -= take
        if chosen:
            grouped.append({"fulfillment_order_id": int(fo["id"]), "fulfillment_order_line_items": chosen})
    return grouped


def _is(item: dict[str, Any], sku: str, channel_sku: str | None) -> bool:
    if channel_sku and channel_sku.startswith("variant:"):
        return str(item.get("variant_id")) == channel_sku.removeprefix("variant:")
    return item.get("sku") is not None and item.get("sku") in {sku, channel_sku}
