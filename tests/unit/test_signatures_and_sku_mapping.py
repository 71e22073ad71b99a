"""Webhook signatures (Shopify's published test vector verifies) and the SKU mapping."""

import pytest

from local.in_memory import InMemoryCatalog
from shared import signatures
from shared.channels import shopify
from shared.channels.common import ChannelOrder
from shared.problems import InputRejected
from shared.sku_mapping import mapping_for, to_internal
from tests.channel_samples import real_sample, webhook_sample


def test_shopifys_published_hmac_vector_verifies():
    vector = real_sample("shopify_hmac_vector.json")
    assert signatures.sign(vector["secret"], vector["body"].encode()) == vector["header"]
    signatures.verify(vector["secret"], vector["body"].encode(), vector["header_name"], vector["header"], shop="s", channel="shopify")


@pytest.mark.parametrize(
    ("secret", "body", "header", "rule"),
    [
        ("wrong_secret", '{"foo": "bar"}', None, "signature_mismatch"),
        ("test_secret_key", '{"foo":"bar"}', None, "signature_mismatch"),  # one space less: other bytes
        ("test_secret_key", '{"foo": "bar"}', "", "missing"),
        ("test_secret_key", '{"foo": "bar"}', "Ｂ23tXN681g", "signature_mismatch"),  # not even ASCII
        (None, '{"foo": "bar"}', None, "unknown_shop"),
    ],
)
def test_anything_but_the_exact_signature_is_401(secret, body, header, rule):
    vector = real_sample("shopify_hmac_vector.json")
    with pytest.raises(InputRejected) as refused:
        signatures.verify(secret, body.encode(), "X-Shopify-Hmac-Sha256", vector["header"] if header is None else header, shop="s", channel="shopify")
    assert (refused.value.status, refused.value.problems[0].rule) == (401, rule)


def test_channel_skus_become_oms_skus_and_the_channel_code_is_kept():
    catalog = InMemoryCatalog.from_seed()
    channel_order = shopify.parse(webhook_sample("shopify"))
    [line] = to_internal(channel_order, mapping_for(channel_order, catalog)).lines
    assert (line.sku, line.channel_sku) == ("IPOD-TOUCH-8GB-BLACK", "IPOD2009BLACK")


def test_each_unknown_sku_is_named_where_the_channel_put_it():
    body = webhook_sample("shopify")
    body["line_items"] = [body["line_items"][0], {**body["line_items"][0], "sku": "NOT-MAPPED"}, {**body["line_items"][0], "sku": "ALSO-NOT"}]
    channel_order = shopify.parse(body)
    with pytest.raises(InputRejected) as refused:
        to_internal(channel_order, mapping_for(channel_order, InMemoryCatalog.from_seed()))
    assert refused.value.status == 422
    assert [(p.field, p.rule) for p in refused.value.problems] == [("line_items.1.sku", "unknown_sku"), ("line_items.2.sku", "unknown_sku")]
    assert "NOT-MAPPED" in refused.value.problems[0].message


def test_oms_own_skus_are_checked_against_the_catalog(shanghai_order):
    from shared.orders import OrderIn

    order = OrderIn.model_validate({**shanghai_order, "lines": [*shanghai_order["lines"], {"sku": "NO-SUCH", "quantity": 1, "unit_price": "1.00"}]})
    channel_order = ChannelOrder(order=order, sku_fields=[f"lines.{i}.sku" for i in range(3)], internal_skus=True)
    with pytest.raises(InputRejected) as refused:
        to_internal(channel_order, mapping_for(channel_order, InMemoryCatalog.from_seed()))
    assert [p.field for p in refused.value.problems] == ["lines.2.sku"]
    assert "not in oms's catalog" in refused.value.problems[0].message
