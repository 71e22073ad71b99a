"""库存同步 against moto and the fake platform server: WMS stock events mark the SKU, the minute's
push makes one call per channel and shop however many changes came, with each channel's share
and buffer applied; an unchanged quantity is not pushed again; an unlisted SKU goes nowhere."""

from __future__ import annotations

import json

import pytest

from functions.channel_stock_push.handler import handler as push_handler
from functions.stock_sync.handler import handler as stock_sync_handler
from local.writeback_platforms import FakeChannelApis
from local.writebacks import main as writebacks_cli
from shared.aws.clients import client
from shared.aws.stores import inventory_store
from shared.inventory import StockRecord
from shared.writeback.usecases.stock_push import ChannelStockConfig, shipped_stock_config
from tests.integration.conftest import context

LISTINGS = {
    "shopify": {"inventory_item_id": "808950810", "location_id": "655441491"},
    "tmall": {"num_iid": "600012345678"},
    "jd": {"sku_id": "100012043978"},
    "douyin": {"product_id": "3600000000000001", "sku_id": "1700000000000001"},
}


@pytest.fixture
def fake(aws, monkeypatch):
    with FakeChannelApis() as apis:
        for channel in LISTINGS:
            apis.add_shop(channel, "main")
        for name, value in apis.env().items():
            monkeypatch.setenv(name, value)
        client("secretsmanager").put_secret_value(SecretId=aws.env["PLATFORM_CREDENTIALS_ARN"], SecretString=json.dumps(apis.credentials()))
        yield apis


def stock_event(detail_type: str, detail: dict, n: int) -> dict:
    body = json.dumps({"source": "wms.jiading", "detail-type": detail_type, "detail": detail})
    return {"messageId": f"m{n}", "receiptHandle": f"r{n}", "body": body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:stock", "awsRegion": "us-east-1"}


def deliver_all(aws) -> None:
    from tests.integration.conftest import drain
    from functions.channel_writeback.handler import handler as writeback_handler

    from shared.writeback.channels import queue_keys

    for key in queue_keys():  # one queue per platform (decision 123)
        messages = drain(client("sqs"), aws.queue_urls[key])
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"], "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": aws.queue_arns[key], "awsRegion": "us-east-1"} for m in messages]
        if records:
            assert writeback_handler({"Records": records}, context()) == {"batchItemFailures": []}


def test_many_stock_changes_make_one_push_per_channel_with_its_buffer(aws, fake):
    inventory_store().put_stock(StockRecord(sku="TEA-E2E", warehouse_id="WH-SH", on_hand=20, safety_stock=2))
    inventory_store().put_stock(StockRecord(sku="TEA-E2E", warehouse_id="WH-GZ", on_hand=5))
    for channel, listing in LISTINGS.items():
        assert writebacks_cli(["listing", "TEA-E2E", channel, "main", *(f"{k}={v}" for k, v in listing.items())]) == 0
    events = [stock_event("StockMovement", {"delta_id": f"GRN-{i}", "sku": "TEA-E2E", "warehouse_id": "WH-SH", "change": 1, "reason": "goods received"}, i) for i in range(5)]
    events.append(stock_event("StockMovement", {"delta_id": "GRN-OTHER", "sku": "CUP-UNLISTED", "warehouse_id": "WH-SH", "change": 3}, 99))
    inventory_store().put_stock(StockRecord(sku="CUP-UNLISTED", warehouse_id="WH-SH", on_hand=1))
    assert stock_sync_handler({"Records": events}, context()) == {"batchItemFailures": []}

    counts = push_handler({}, context())
    assert counts == {"skus": 2, "pushes": 4, "unchanged": 0}
    deliver_all(aws)
    available = (25 - 2) + 5  # on hand over the warehouses − safety stock
    config = shipped_stock_config()
    expected = {channel: max(0, int(available * config.channels[channel].share) - config.channels[channel].buffer) for channel in LISTINGS}
    assert fake.accepted("shopify")[0]["params"]["available"] == expected["shopify"] == 26
    assert fake.accepted("tmall")[0]["params"]["quantity"] == str(expected["tmall"]) == "25"
    assert fake.accepted("jd")[0]["params"]["stockNum"] == str(expected["jd"])
    assert fake.accepted("douyin")[0]["params"]["stock_num"] == expected["douyin"] == 17  # 80 % of 28, less 5
    assert len(fake.calls) == 4  # one per channel, however many movements

    # Nothing changed since: no push. A change that leaves a channel's quantity as it was: no call there.
    assert push_handler({}, context())["pushes"] == 0
    snapshot = stock_event("StockSnapshot", {"sku": "TEA-E2E", "warehouse_id": "WH-GZ", "on_hand": 5, "as_of": "2026-12-01T00:00:00Z"}, 7)
    stock_sync_handler({"Records": [snapshot]}, context())
    assert push_handler({}, context()) == {"skus": 1, "pushes": 0, "unchanged": 4}


def test_the_buffer_never_takes_a_channel_below_zero_and_the_config_is_checked():
    config = shipped_stock_config()
    assert config.quantity("douyin", 3) == 0 and config.quantity("shopify", -4) == 0 and config.quantity("own_shop", 10) is None
    with pytest.raises(ValueError, match="without a stock call"):
        ChannelStockConfig.model_validate({"channels": {"erp": {"buffer": 1, "share": "1"}}})
    with pytest.raises(ValueError):
        ChannelStockConfig.model_validate({"channels": {"jd": {"buffer": -1, "share": "1"}}})


def test_a_listing_without_the_channel_s_ids_is_refused(aws, capsys):
    assert writebacks_cli(["listing", "TEA", "shopify", "main", "location_id=1"]) == 1
    assert "a shopify listing needs inventory_item_id" in capsys.readouterr().err
    assert writebacks_cli(["listing", "TEA", "erp", "main", "x=1"]) == 1
    assert "erp has no stock call" in capsys.readouterr().err




def test_a_mark_left_under_the_old_eight_shards_is_pushed_and_cleared_where_it_is(aws, fake):
    """Decision 141 raised the marks' shards from 8 to 32: a mark written before the deploy sits
    under hash % 8; the push reads it (shards 0..7 are among the 32) and deletes it there."""
    import hashlib

    from shared.aws.dynamo import to_item
    from shared.writeback.aws.store import CHANGE_SHARDS, change_shard, channel_sync_store

    sku = next(f"TEA-OLD-{n}" for n in range(100) if int(hashlib.sha256(f"TEA-OLD-{n}".encode()).hexdigest(), 16) % 8 != change_shard(f"TEA-OLD-{n}"))
    old_pk = f"CHANGED#{int(hashlib.sha256(sku.encode()).hexdigest(), 16) % 8}"
    assert CHANGE_SHARDS == 32 and old_pk != f"CHANGED#{change_shard(sku)}"
    inventory_store().put_stock(StockRecord(sku=sku, warehouse_id="WH-SH", on_hand=9))
    assert writebacks_cli(["listing", sku, "tmall", "main", "num_iid=600012345679"]) == 0
    store = channel_sync_store()
    store.db.put_item(TableName=store.table, Item=to_item({"pk": old_pk, "sk": sku, "first_changed_at": "2026-12-01T00:00:00Z", "changes": 3}))

    assert push_handler({}, context()) == {"skus": 1, "pushes": 1, "unchanged": 0}
    assert store.changed() == []  # cleared under the pk it was read from
    assert push_handler({}, context())["skus"] == 0
