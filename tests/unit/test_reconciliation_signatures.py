"""The platforms' request signatures and the numbered-page rule, pinned by values computed outside
oms: the 抖店 digests are the reference values a public Java signer's tests derive from 抖店's rules
(and cross-check with Python's hashlib/hmac); JD's and Taobao's follow their protocols' formulas."""

import hashlib
import hmac

from shared.reconciliation.pull.base import NumberedPages, douyin_signature, jos_signature, top_signature

DOUYIN = {"app_key": "appkey123", "method": "order.searchList", "timestamp": "1800000000", "v": "2", "access_token": "not-signed", "sign_method": "hmac-sha256"}
PARAM_JSON = '{"page":0,"size":100}'


def test_douyin_signature_matches_the_reference_digest_and_ignores_what_is_not_signed():
    assert douyin_signature(DOUYIN, PARAM_JSON, "secret123") == "8a5350b8fdacaa753c0885ab9859d382a31de4add09c6943c1d34298bd2165f1"
    assert douyin_signature({**DOUYIN, "access_token": "another"}, PARAM_JSON, "secret123") == douyin_signature(DOUYIN, PARAM_JSON, "secret123")
    assert douyin_signature(DOUYIN, '{"page":1,"size":100}', "secret123") != douyin_signature(DOUYIN, PARAM_JSON, "secret123")


def test_jd_signature_is_md5_of_the_secret_the_sorted_parameters_and_the_secret_upper_case():
    params = {"v": "2.0", "method": "jingdong.pop.order.search", "app_key": "k", "360buy_param_json": "{}", "sign": "ignored"}
    expected = hashlib.md5(b"s360buy_param_json{}app_keykmethodjingdong.pop.order.searchv2.0s").hexdigest().upper()
    assert jos_signature(params, "s") == expected


def test_taobao_signature_is_hmac_sha256_of_the_sorted_parameters_upper_case():
    params = {"method": "taobao.trades.sold.increment.get", "app_key": "k", "sign": "ignored"}
    assert top_signature(params, "s") == hmac.new(b"s", b"app_keykmethodtaobao.trades.sold.increment.get", hashlib.sha256).hexdigest().upper()


class _Counted(NumberedPages):
    max_page_size = 10


def test_a_counted_total_ends_on_the_page_that_reaches_it_or_on_an_empty_page():
    from_one, from_zero = _Counted(), _Counted()
    from_zero.first_page = 0
    assert from_one.counted_more(1, 23, [1]) and from_one.counted_more(2, 23, [1]) and not from_one.counted_more(3, 23, [1])
    assert from_zero.counted_more(1, 23, [1]) and not from_zero.counted_more(2, 23, [1])
    assert not from_one.counted_more(1, 23, [])  # an empty page ends the run whatever the total says


def test_douyin_reads_has_more_when_the_answer_carries_it_and_jd_asks_for_the_modified_time():
    import json
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from shared.reconciliation.domain import Window
    from shared.reconciliation.pull import ShopCredentials
    from shared.reconciliation.pull.douyin import DouyinOrders
    from shared.reconciliation.pull.jd import JdOrders

    asked = []

    class Answering:
        def __init__(self, body):
            self.body = body

        def request(self, method, url, **kwargs):
            asked.append(kwargs)
            return SimpleNamespace(body=self.body)

    window = Window(since=datetime(2026, 11, 11, tzinfo=UTC), until=datetime(2026, 11, 11, 6, tzinfo=UTC))
    credentials = ShopCredentials(access_token="t", app_key="k", app_secret="s")
    order = {"order_id": "1", "order_status": 2, "update_time": 1}
    more = DouyinOrders(Answering({"code": 10000, "data": {"shop_order_list": [order], "has_more": True, "total": 1}})).page("shop", credentials, window, None)
    assert more.next_cursor == "1"  # has_more wins over a total that would end it
    last = DouyinOrders(Answering({"code": 10000, "data": {"shop_order_list": [order], "has_more": False}})).page("shop", credentials, window, "1")
    assert last.next_cursor is None
    envelope = {"jingdong_pop_order_search_responce": {"orderInfoResult": {"orderInfoList": [], "orderTotal": 0}}}
    assert JdOrders(Answering(envelope)).page("shop", credentials, window, None).next_cursor is None
    assert json.loads(asked[-1]["form"]["360buy_param_json"])["dateType"] == "0"


def test_taobao_pull_asks_for_every_field_the_trade_adapter_reads():
    """TOP returns only the fields asked for: a field the adapter reads but the pull does not ask
    for is always absent from a reconciled trade (a closed or refunding sub-order would ship)."""
    from shared.channels.tmall import SubOrder, Trade
    from shared.reconciliation.pull.tmall import FIELDS

    read = {name for name in Trade.model_fields if name != "orders"} | {f"orders.{name}" for name in SubOrder.model_fields}
    assert read - set(FIELDS.split(",")) == set()


def test_jd_pull_asks_for_every_field_the_order_adapter_reads():
    from shared.channels.jd import OrderInfo
    from shared.reconciliation.pull.jd import OPTIONAL_FIELDS

    assert set(OrderInfo.model_fields) - set(OPTIONAL_FIELDS.split(",")) == set()
