"""Which Shopify line item a package's line is: a line item without a SKU (a custom item, a tip)
is no line's line item."""

from shared.writeback.channels.shopify import _package_items
from shared.writeback.domain import PackageLine, WriteBack


def test_a_line_item_without_a_sku_is_not_taken_for_a_line_that_names_no_channel_sku():
    package = WriteBack(
        writeback_id="WB-1", order_id="OMS-1", channel="shopify", shop="shop-1", external_id="450789469", note_id="ON-1-WH-SH",
        warehouse_id="WH-SH", carrier="sf", tracking_number="SF1", shipped_at="2026-11-25T10:00:00Z", split=False,
        lines=[PackageLine(sku="TEA-LONGJING-250G", quantity=1)],  # an order through oms's own API: no channel_sku
    )
    items = [{"id": 11, "sku": None, "variant_id": None}, {"id": 12, "sku": "TEA-LONGJING-250G", "variant_id": 7}]
    fulfillment_orders = [{"id": 21, "status": "open", "line_items": [{"id": 31, "line_item_id": 11, "fulfillable_quantity": 1}, {"id": 32, "line_item_id": 12, "fulfillable_quantity": 1}]}]
    assert _package_items(package, items, fulfillment_orders) == [{"fulfillment_order_id": 21, "fulfillment_order_line_items": [{"id": 32, "quantity": 1}]}]


def test_a_package_whose_fulfillment_order_is_on_hold_fails_with_the_hold_instead_of_passing_for_already_fulfilled(monkeypatch):
    from shared.reconciliation.pull.base import ShopCredentials
    from shared.writeback.channels import shopify
    from shared.writeback.domain import CallFailed

    answers = {
        "orders/450789469.json": {"order": {"id": 450789469, "line_items": [{"id": 12, "sku": "TEA-LONGJING-250G", "variant_id": 7}]}},
        "orders/450789469/fulfillment_orders.json": {"fulfillment_orders": [{"id": 21, "status": "on_hold", "line_items": [{"id": 32, "line_item_id": 12, "fulfillable_quantity": 1}]}]},
    }
    posted = []

    def call(method, url, **kwargs):
        if method == "POST":
            posted.append(kwargs)
            return {"fulfillment": {"id": 1}}
        return next(body for tail, body in answers.items() if url.endswith(tail))

    monkeypatch.setattr(shopify, "call", call)
    package = WriteBack(
        writeback_id="WB-1", order_id="OMS-1", channel="shopify", shop="shop-1", external_id="450789469", note_id="ON-1-WH-SH",
        warehouse_id="WH-SH", carrier="sf", tracking_number="SF1", shipped_at="2026-11-25T10:00:00Z", split=False,
        lines=[PackageLine(sku="TEA-LONGJING-250G", channel_sku="TEA-LONGJING-250G", quantity=1)],
    )
    try:
        reference = shopify.ShopifyChannel().ship(package, ShopCredentials(access_token="t"))
    except CallFailed as failed:
        assert "on_hold" in failed.reason and not posted
    else:
        raise AssertionError(f"the write-back passed as {reference!r}: the held package is never fulfilled on Shopify")


def test_an_answer_that_is_not_json_is_a_retryable_failure_not_a_crash_that_leaves_the_write_back_pending(monkeypatch):
    # A crash would hold the record PENDING (no retry with backoff, not in the failed list) until
    # the queue's redrive policy dead-letters the message.
    from shared.reconciliation.pull.base import ShopCredentials
    from shared.writeback.channels import shopify
    from shared.writeback.domain import CallFailed

    monkeypatch.setattr(shopify, "call", lambda method, url, **kwargs: "<html>Shopify is down for maintenance</html>")
    package = WriteBack(
        writeback_id="WB-1", order_id="OMS-1", channel="shopify", shop="shop-1", external_id="450789469", note_id="ON-1-WH-SH",
        warehouse_id="WH-SH", carrier="sf", tracking_number="SF1", shipped_at="2026-11-25T10:00:00Z", split=False,
        lines=[PackageLine(sku="TEA-LONGJING-250G", quantity=1)],
    )
    try:
        shopify.ShopifyChannel().ship(package, ShopCredentials(access_token="t"))
    except CallFailed as failed:
        assert failed.retryable
    else:
        raise AssertionError("expected CallFailed")
