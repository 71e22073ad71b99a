"""The pull side per platform against the fake platform server: each platform's paging to the last
page, cursors, throttled answers (429 + Retry-After; Taobao's own ban answer) honoured, a page
that keeps failing raises after the retries, and every page's payload is read by the channel's
existing adapter as it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.fake_platforms import FakePlatforms
from local.platform_orders import PARSERS, generate, published_shopify
from shared.reconciliation.domain import ChannelState, Window
from shared.reconciliation.pull import CHANNELS, PlatformHttp, PlatformRefused, PlatformUnavailable, ShopCredentials, lister_for
from shared.reconciliation.pull.http import retry_after
from shared.reconciliation.pull.shopify import next_page_info

SHOP = "pull-test-shop"
DAY = datetime(2026, 11, 11, tzinfo=UTC)
WINDOW = Window(since=DAY, until=DAY + timedelta(hours=6))
IN_WINDOW = 23


@pytest.fixture
def fake(monkeypatch) -> FakePlatforms:
    with FakePlatforms() as platforms:
        for channel in CHANNELS:
            platforms.add_orders(channel, SHOP, generate(channel, IN_WINDOW, WINDOW.since, WINDOW.until, cancelled_share=0.2))
            # Modified before and after the window: never listed.
            platforms.add_orders(channel, SHOP, generate(channel, 3, DAY - timedelta(hours=2), DAY, prefix=5))
            platforms.add_orders(channel, SHOP, generate(channel, 3, WINDOW.until, WINDOW.until + timedelta(hours=1), prefix=6))
        platforms.secret = platforms.credentials()
        for name, value in platforms.env().items():
            monkeypatch.setenv(name, value)
        yield platforms


def credentials(fake: FakePlatforms, channel: str) -> ShopCredentials:
    return ShopCredentials.model_validate(fake.secret[channel][SHOP])


def all_pages(fake: FakePlatforms, channel: str, http: PlatformHttp, page_size: int = 10) -> list:
    lister = type(lister_for(channel))(http, page_size=page_size)
    orders, cursor, pages = [], None, 0
    while True:
        page = lister.page(SHOP, credentials(fake, channel), WINDOW, cursor)
        orders += page.orders
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return orders, pages


@pytest.mark.parametrize("channel", CHANNELS)
def test_pages_through_the_window_to_the_last_page_and_the_channel_adapter_reads_each_order(fake, channel) -> None:
    orders, pages = all_pages(fake, channel, PlatformHttp(sleep=lambda s: None))
    assert pages == 3  # 23 orders, 10 a page
    ids = [o.external_id for o in orders]
    assert len(ids) == len(set(ids)) == IN_WINDOW
    assert all(i.startswith("7") for i in ids)  # none from before or after the window
    awaiting = [o for o in orders if o.state == ChannelState.AWAITING_SHIPMENT]
    assert awaiting and all(PARSERS[channel](o.payload).order.external_id == o.external_id for o in awaiting)
    assert {o.state for o in orders} <= {ChannelState.AWAITING_SHIPMENT, ChannelState.CANCELLED, ChannelState.REFUNDED}
    assert len(awaiting) < IN_WINDOW  # the cancelled share came through with its platform status


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_throttled_call_waits_the_retry_after_it_was_told_and_then_goes_on(fake, channel) -> None:
    waited: list[float] = []
    fake.throttle(channel, times=2, retry_after=3)
    orders, _ = all_pages(fake, channel, PlatformHttp(sleep=waited.append, base_backoff=0.001))
    assert waited == [3.0, 3.0]
    assert len({o.external_id for o in orders}) == IN_WINDOW


def test_taobao_ban_answer_is_honoured_like_a_429(fake) -> None:
    waited: list[float] = []
    fake.throttle("tmall", times=1, retry_after=4, style="platform")
    orders, _ = all_pages(fake, "tmall", PlatformHttp(sleep=waited.append, base_backoff=0.001))
    assert waited == [4.0] and len(orders) == IN_WINDOW


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_page_failing_once_is_retried_with_backoff_and_one_failing_for_good_raises(fake, channel) -> None:
    waited: list[float] = []
    fake.fail_page(channel, page=2, times=1, status=503)
    orders, _ = all_pages(fake, channel, PlatformHttp(sleep=waited.append, base_backoff=0.001))
    assert len(waited) == 1 and len({o.external_id for o in orders}) == IN_WINDOW
    fake.fail_page(channel, page=2, times=10, status=500)
    with pytest.raises(PlatformUnavailable, match="failed 6 times"):
        all_pages(fake, channel, PlatformHttp(sleep=lambda s: None, base_backoff=0.001))


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_wrong_token_is_refused_without_retrying(fake, channel) -> None:
    http = PlatformHttp(sleep=lambda s: (_ for _ in ()).throw(AssertionError("no retry expected")))
    with pytest.raises(PlatformRefused):
        type(lister_for(channel))(http).page(SHOP, ShopCredentials(access_token="stolen"), WINDOW, None)


def test_shopify_cursor_comes_from_the_link_header_and_is_all_the_next_call_sends(fake) -> None:
    all_pages(fake, "shopify", PlatformHttp(sleep=lambda s: None))
    first, second, third = [c for c in fake.calls if c["channel"] == "shopify"]
    assert {"updated_at_min", "updated_at_max", "status", "limit"} <= set(first["query"])
    assert set(second["query"]) == set(third["query"]) == {"limit", "page_info"}
    assert next_page_info('<https://s.myshopify.com/admin/api/2025-07/orders.json?limit=2&page_info=abc>; rel="next"') == "abc"
    assert next_page_info('<https://s/orders.json?page_info=old>; rel="previous"') is None


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("7", 1.0) == 7.0
    assert retry_after(None, 1.5) == 1.5
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 2.0) == 0.0  # a date in the past: go now
    assert retry_after("soon", 2.0) == 2.0


def test_shopifys_published_order_comes_through_the_list_as_published(fake) -> None:
    published = published_shopify(WINDOW.since + timedelta(hours=1))
    assert published is not None
    fake.add_orders("shopify", SHOP, [published])
    orders, _ = all_pages(fake, "shopify", PlatformHttp(sleep=lambda s: None))
    [pulled] = [o for o in orders if o.external_id == str(published["id"])]
    assert pulled.payload == published and pulled.state == ChannelState.AWAITING_SHIPMENT
    assert PARSERS["shopify"](pulled.payload).order.lines[0].sku == "IPOD2009BLACK"
