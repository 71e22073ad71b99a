"""Each platform's write-back and stock call against the fake platform server, which checks the
shape (token, signature, required fields and types, carrier codes, quantities held): accepted
when right, refused in the platform's words when wrong, retryable when the platform fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.writeback_platforms import FakeChannelApis
from shared.reconciliation.pull.base import ShopCredentials
from shared.writeback.carriers import UnknownCarrier
from shared.writeback.channels import platform
from shared.writeback.domain import CallFailed, PackageLine, StockPush, WriteBack

ROOT = Path(__file__).resolve().parents[2]
SHOPIFY_ORDER = json.loads((ROOT / "samples/real/shopify_order_get_450789469.json").read_text("utf-8"))["order"]  # published
TRADE = {"tid": 3891207745120938811, "orders": {"order": [{"oid": 3891207745120938812, "outer_sku_id": "KETTLE-IRON-1L"}, {"oid": 3891207745120938813, "outer_sku_id": "GIFTBOX-MOONCAKE"}]}}  # hand-built


@pytest.fixture
def fake(monkeypatch):
    with FakeChannelApis() as apis:
        for channel in ("shopify", "tmall", "jd", "douyin"):
            apis.add_shop(channel, "shop-1")
        for name, value in apis.env().items():
            monkeypatch.setenv(name, value)
        apis.add_order("shopify", "450789469", SHOPIFY_ORDER)
        apis.add_order("tmall", "3891207745120938811", TRADE)
        yield apis


def creds(fake: FakeChannelApis, channel: str) -> ShopCredentials:
    return ShopCredentials.model_validate(fake.credentials()[channel]["shop-1"])


def package(channel: str, external_id: str, lines: list[PackageLine], *, carrier: str = "sf", split: bool = False, tracking: str = "SF1234567890") -> WriteBack:
    return WriteBack(
        writeback_id="WB-1", order_id="OMS-1", channel=channel, shop="shop-1", external_id=external_id, note_id="ON-1-WH-SH",
        warehouse_id="WH-SH", carrier=carrier, service="standard", tracking_number=tracking, shipped_at="2026-11-25T10:00:00Z", lines=lines, split=split,
    )


def test_shopify_fulfils_the_package_s_lines_of_the_published_order_with_tracking_info(fake):
    lines = [PackageLine(sku="IPOD2008GREEN", quantity=1), PackageLine(sku="oms-red", channel_sku="variant:49148385", quantity=1)]
    reference = platform("shopify").ship(package("shopify", "450789469", lines), creds(fake, "shopify"))
    posted = fake.accepted("shopify", "POST fulfillments")
    assert reference == "fulfillment 255858046" and len(posted) == 1
    fulfillment = posted[0]["params"]["fulfillment"]
    assert fulfillment["tracking_info"] == {"company": "SF Express", "number": "SF1234567890", "url": "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"}
    assert fulfillment["line_items_by_fulfillment_order"] == [
        {"fulfillment_order_id": 450789470, "fulfillment_order_line_items": [{"id": 466157050, "quantity": 1}, {"id": 518995020, "quantity": 1}]}
    ]
    # The third line ships in another package; then nothing is left and a repeat sends nothing.
    platform("shopify").ship(package("shopify", "450789469", [PackageLine(sku="IPOD2008BLACK", quantity=1)], tracking="SF2"), creds(fake, "shopify"))
    assert platform("shopify").ship(package("shopify", "450789469", [PackageLine(sku="IPOD2008BLACK", quantity=1)], tracking="SF2"), creds(fake, "shopify")) == "already fulfilled"
    assert len(fake.accepted("shopify", "POST fulfillments")) == 2


def test_tmall_sends_the_trade_once_and_a_split_package_with_its_sub_orders(fake):
    tmall = platform("tmall")
    tmall.ship(package("tmall", "3891207745120938811", [PackageLine(sku="KETTLE-IRON-1L", quantity=1)], split=True), creds(fake, "tmall"))
    sent = fake.accepted("tmall", "taobao.logistics.offline.send")[0]["params"]
    assert {k: sent[k] for k in ("tid", "out_sid", "company_code", "is_split", "sub_tid")} == {
        "tid": "3891207745120938811", "out_sid": "SF1234567890", "company_code": "SF", "is_split": "1", "sub_tid": "3891207745120938812"
    }
    tmall.ship(package("tmall", "3891207745120938811", [PackageLine(sku="KETTLE-IRON-1L", quantity=1)], carrier="zto"), creds(fake, "tmall"))
    whole = fake.accepted("tmall", "taobao.logistics.offline.send")[1]["params"]
    assert whole["company_code"] == "ZTO" and "sub_tid" not in whole and "is_split" not in whole


def test_jd_and_douyin_take_their_own_carrier_codes_and_the_waybill(fake):
    platform("jd").ship(package("jd", "230045678912", [PackageLine(sku="TEA-LONGJING-250G", quantity=2)], carrier="deppon"), creds(fake, "jd"))
    assert fake.accepted("jd")[0]["params"] == {"orderId": "230045678912", "logiCoprId": "3046", "logiNo": "SF1234567890"}
    platform("douyin").ship(package("douyin", "6920000000000000001", [PackageLine(sku="TEA-LONGJING-250G", quantity=1)], carrier="zto"), creds(fake, "douyin"))
    assert fake.accepted("douyin")[0]["params"] == {"order_id": "6920000000000000001", "company_code": "zhongtong", "logistics_code": "SF1234567890"}


def test_each_platform_takes_the_stock_in_its_own_shape(fake):
    pushes = {
        "shopify": {"inventory_item_id": "808950810", "location_id": "655441491"},
        "tmall": {"num_iid": "600012345678", "sku_id": "4500012345"},
        "jd": {"sku_id": "100012043978"},
        "douyin": {"product_id": "3600000000000001", "sku_id": "1700000000000001"},
    }
    for channel, listing in pushes.items():
        platform(channel).push_stock(StockPush(push_id="SP-1", channel=channel, shop="shop-1", sku="TEA", quantity=7, available=10, listing=listing), creds(fake, channel))
    assert fake.accepted("shopify")[0]["params"] == {"location_id": 655441491, "inventory_item_id": 808950810, "available": 7}
    assert {k: fake.accepted("tmall")[0]["params"][k] for k in ("method", "num_iid", "sku_id", "quantity", "type")} == {"method": "taobao.item.quantity.update", "num_iid": "600012345678", "sku_id": "4500012345", "quantity": "7", "type": "1"}
    assert fake.accepted("jd")[0]["params"] == {"skuId": "100012043978", "stockNum": "7"}
    assert fake.accepted("douyin")[0]["params"] == {"product_id": 3600000000000001, "sku_id": 1700000000000001, "stock_num": 7, "incremental": False}


def test_a_wrong_call_is_refused_for_good_and_a_failing_platform_is_retryable(fake):
    bad_tid = package("tmall", "not-a-number", [PackageLine(sku="KETTLE-IRON-1L", quantity=1)])
    with pytest.raises(CallFailed) as refused:
        platform("tmall").ship(bad_tid, creds(fake, "tmall"))
    assert not refused.value.retryable and "tid must be digits" in refused.value.reason
    assert fake.calls[-1]["problems"] == ["tid must be digits"]
    with pytest.raises(CallFailed) as wrong_token:
        platform("jd").ship(package("jd", "1", [PackageLine(sku="X", quantity=1)]), ShopCredentials(access_token="stolen", app_key="k", app_secret="s"))
    assert not wrong_token.value.retryable
    with pytest.raises(UnknownCarrier):
        platform("douyin").ship(package("douyin", "1", [PackageLine(sku="X", quantity=1)], carrier="ufo"), creds(fake, "douyin"))

    fake.throttle("douyin", retry_after=3)
    with pytest.raises(CallFailed) as throttled:
        platform("douyin").ship(package("douyin", "1", [PackageLine(sku="X", quantity=1)]), creds(fake, "douyin"))
    assert throttled.value.retryable and throttled.value.retry_after == 3
    fake.fail("shopify", status=503)
    with pytest.raises(CallFailed) as down:
        platform("shopify").ship(package("shopify", "450789469", [PackageLine(sku="IPOD2008GREEN", quantity=1)]), creds(fake, "shopify"))
    assert down.value.retryable and "503" in down.value.reason
    assert not fake.accepted("shopify", "POST fulfillments")  # the failing platform did nothing


@pytest.mark.parametrize("channel", ["shopify", "tmall", "jd", "douyin"])
def test_the_reconciler_s_list_call_gets_an_empty_page_not_a_refusal(fake, channel):
    """The reconciler's schedules list the same shops while write-backs run (the e2e): the fake
    answers them as a platform with no new orders would, so a refusal in a test's log is a fault."""
    from datetime import UTC, datetime, timedelta

    from shared.reconciliation.domain import Window
    from shared.reconciliation.pull import PlatformHttp, lister_for

    since = datetime(2026, 11, 11, tzinfo=UTC)
    lister = lister_for(channel, PlatformHttp(sleep=lambda s: None, base_backoff=0.001))
    page = lister.page("shop-1", creds(fake, channel), Window(since=since, until=since + timedelta(hours=12)), None)
    assert page.orders == [] and page.next_cursor is None
    assert [c["status"] for c in fake.listed] == [200] and not fake.calls  # apart from the write-back calls


def test_a_douyin_package_of_a_split_order_names_its_sub_orders_instead_of_shipping_the_whole_order(fake):
    # order.logisticsAdd ships the whole parent order ("暂时只支持整单出库"): the first package would
    # claim every line with its waybill and the second would be refused as already shipped.
    lines = [PackageLine(sku="TEA-LONGJING-250G", channel_line_id="6920000000000000101", quantity=2)]
    platform("douyin").ship(package("douyin", "6920000000000000001", lines, carrier="zto", split=True), creds(fake, "douyin"))
    assert [c["api"] for c in fake.accepted("douyin")] == ["order.logisticsAddMultiPack"]
    assert fake.accepted("douyin")[0]["params"] == {
        "order_id": "6920000000000000001", "request_id": "WB-1",
        "pack_list": [{"shipped_order_info": [{"shipped_order_id": "6920000000000000101", "shipped_num": 2}], "logistics_code": "SF1234567890", "company_code": "zhongtong"}],
    }
    with pytest.raises(CallFailed, match="no sku order id"):  # never the whole order with this package's waybill
        platform("douyin").ship(package("douyin", "6920000000000000001", [PackageLine(sku="TEA-LONGJING-250G", quantity=1)], split=True), creds(fake, "douyin"))
