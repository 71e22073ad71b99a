"""Bad input, for every channel, generated: at least 1,000 malformed payloads per channel, each a
valid sample broken one way (a field missing or of the wrong type, an unknown SKU, a negative
quantity, broken UTF-8, an oversize body, a forged signature). Each must get a 4xx whose problems
name what is wrong (for partner events: the DLQ, with the reason), nothing may be stored or
queued, and nothing may crash. Handlers run in process on in-memory stores: the same code paths,
thousands of requests in seconds; 'nothing stored' is checked on the store after every request."""

from __future__ import annotations

import base64
import json
import os
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import functions.erp_import.handler as erp_module
import functions.intake.handler as intake_module
import functions.partner_intake.handler as partner_module
from local.api_gateway import LocalRoute, proxy_event
from local.in_memory import InMemoryCatalog, InMemoryChannelSecrets, InMemoryOrderStore
from local.moto_patches import LocalLambdaContext
from local.sqs_poller import lambda_record
from shared import signatures
from shared.request_limits import MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES
from tests.channel_samples import SECRETS, SHOP, SIGNATURE_HEADER, partner_event, webhook_event, webhook_sample
from tests.conftest import load_event

# At least 1,000 per channel on every run; OMS_PROPERTY_EXAMPLES=20000 for a longer soak.
EXAMPLES = max(1_000, int(os.environ.get("OMS_PROPERTY_EXAMPLES", "1000")))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
CATALOG = InMemoryCatalog.from_seed()
MAPPED_CODES = {code for _, code in CATALOG.mappings} | CATALOG.products

# --- what the store and the queue see -----------------------------------------------------------


@dataclass
class Fakes:
    store: InMemoryOrderStore = field(default_factory=InMemoryOrderStore)
    queued: list[str] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    examples: int = 0

    def assert_nothing_stored(self) -> None:
        assert self.store.orders == {} and self.queued == [], "a malformed request stored or queued something"


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    fakes = Fakes()
    with pytest.MonkeyPatch.context() as patch:
        for module in (intake_module, erp_module, partner_module):
            patch.setattr(module, "order_store", lambda: fakes.store)
            patch.setattr(module, "catalog_store", lambda: CATALOG)
            patch.setattr(module, "enqueue_for_fulfilment", fakes.queued.append)
        for module in (intake_module, erp_module, partner_module):
            patch.setattr(module, "send_again", lambda order_id: 0)  # nothing waits for these orders (decision 264)
        patch.setattr(intake_module, "channel_secrets", lambda: InMemoryChannelSecrets(SECRETS))
        patch.setattr(partner_module, "dead_letter", lambda env, body, **why: fakes.dead_letters.append(why))
        yield fakes


# --- paths into JSON documents ----------------------------------------------------------------

Path = tuple[str | int, ...]


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _copy(document: Any) -> Any:
    return json.loads(json.dumps(document))  # JSON documents: several times faster than deepcopy


def without(document: Any, path: Path) -> Any:
    changed = _copy(document)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return changed


def replaced(document: Any, path: Path, value: Any) -> Any:
    changed = _copy(document)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


def names(problem_fields: list[str], path: str) -> bool:
    """A problem names the broken field: the field itself, something inside it, the same field of
    the canonical order, or the object that holds it."""
    return any(
        f == path or f.endswith("." + path) or f.startswith(path + ".") or path.startswith(f + ".")
        for f in problem_fields
    )


# --- values of the wrong type, per kind of field ------------------------------------------------

LETTERS = st.text(alphabet=string.ascii_letters, min_size=1, max_size=8).map(lambda s: "x" + s)  # never a number or a date
FRACTION = st.floats(min_value=0.1, max_value=1e6, allow_nan=False).filter(lambda f: not f.is_integer())
CONTAINERS = st.one_of(st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
WRONG: dict[str, st.SearchStrategy[Any]] = {
    "text": st.one_of(st.integers(), FRACTION, st.booleans(), CONTAINERS),
    "id": st.one_of(FRACTION, st.booleans(), CONTAINERS, st.sampled_from(["", "   "])),
    "count": st.one_of(LETTERS, FRACTION, st.booleans(), CONTAINERS, st.integers(max_value=-1), st.integers(min_value=100_001)),
    "fen": st.one_of(LETTERS, FRACTION, st.booleans(), CONTAINERS, st.integers(max_value=-1), st.integers(min_value=10**13 + 1)),
    "money": st.one_of(LETTERS, st.booleans(), CONTAINERS, st.integers(max_value=-1)),
    "time": st.one_of(LETTERS, st.booleans(), CONTAINERS),
    "object": st.one_of(LETTERS, st.integers(), st.booleans(), st.lists(st.integers(), max_size=2)),
    "list": st.one_of(LETTERS, st.integers(), st.booleans(), st.dictionaries(st.text(min_size=1, max_size=3), st.integers(), min_size=1, max_size=2)),
    "int": st.one_of(LETTERS, FRACTION, st.booleans(), CONTAINERS, st.integers().filter(lambda i: i != 2)),
    "status": st.one_of(st.integers(), st.booleans(), CONTAINERS, LETTERS),
}


@dataclass(frozen=True)
class Field:
    path: Path
    kind: str
    required: bool = False


@dataclass(frozen=True)
class Channel:
    """How to break one channel's sample and send it."""

    name: str
    sample: Callable[[], Any]
    fields: tuple[Field, ...]
    sku_path: Path  # the first line's SKU code, as the adapter reads it
    quantity_path: Path
    required_extra: tuple[Path, ...] = ()  # required containers not listed as typed fields


def line_fields(prefix: Path, sku: str, quantity: str, price: tuple[str, str], extra: tuple[Field, ...] = ()) -> tuple[Field, ...]:
    return (
        Field(prefix, "list", True),
        Field((*prefix, 0, sku), "text"),
        Field((*prefix, 0, quantity), "count", True),
        Field((*prefix, 0, price[0]), price[1], True),
        *extra,
    )


SHOPIFY = Channel(
    "shopify",
    lambda: webhook_sample("shopify"),
    (
        Field(("id",), "id", True),
        Field(("currency",), "text", True),
        Field(("created_at",), "time", True),
        Field(("total_price",), "money"),
        Field(("customer",), "object"),
        Field(("shipping_address",), "object"),
        Field(("shipping_address", "province"), "text"),
        Field(("financial_status",), "text"),
        *line_fields(("line_items",), "sku", "quantity", ("price", "money"), (Field(("line_items", 0, "discount_allocations", 0, "amount"), "money", True),)),
    ),
    sku_path=("line_items", 0, "sku"),
    quantity_path=("line_items", 0, "quantity"),
)
TMALL = Channel(
    "tmall",
    lambda: webhook_sample("tmall")["trade_fullinfo_get_response"]["trade"],
    (
        Field(("tid",), "id", True),
        Field(("status",), "status", True),
        Field(("created",), "time", True),
        Field(("payment",), "money"),
        Field(("receiver_state",), "text"),
        Field(("receiver_mobile",), "text"),
        Field(("orders",), "object", True),
        *line_fields(("orders", "order"), "outer_sku_id", "num", ("price", "money"), (Field(("orders", "order", 0, "num_iid"), "id", True), Field(("orders", "order", 0, "payment"), "money"))),
    ),
    sku_path=("orders", "order", 0, "outer_sku_id"),
    quantity_path=("orders", "order", 0, "num"),
)
JD = Channel(
    "jd",
    lambda: webhook_sample("jd"),
    (
        Field(("orderId",), "id", True),
        Field(("orderState",), "status", True),
        Field(("orderStartTime",), "time", True),
        Field(("orderPayment",), "money"),
        Field(("consigneeInfo",), "object", True),
        Field(("consigneeInfo", "province"), "text"),
        Field(("couponDetailList", 0, "couponPrice"), "money", True),
        *line_fields(("itemInfoList",), "outerSkuId", "itemTotal", ("jdPrice", "money"), (Field(("itemInfoList", 0, "skuId"), "id", True),)),
    ),
    sku_path=("itemInfoList", 0, "outerSkuId"),
    quantity_path=("itemInfoList", 0, "itemTotal"),
)
DOUYIN = Channel(
    "douyin",
    lambda: webhook_sample("douyin")["data"]["shop_order_detail"],
    (
        Field(("order_id",), "id", True),
        Field(("order_status",), "int", True),
        Field(("create_time",), "time", True),
        Field(("pay_amount",), "fen"),
        Field(("post_addr",), "object", True),
        Field(("post_addr", "province"), "object"),
        Field(("post_tel",), "text"),
        *line_fields(("sku_order_list",), "out_sku_id", "item_num", ("origin_amount", "fen"), (Field(("sku_order_list", 0, "pay_amount"), "fen", True), Field(("sku_order_list", 0, "sku_id"), "id", True))),
    ),
    sku_path=("sku_order_list", 0, "out_sku_id"),
    quantity_path=("sku_order_list", 0, "item_num"),
)
OWN_API = Channel(
    "own_api",
    lambda: load_event("orders/01_own_shop_shanghai.json"),
    (
        Field(("channel",), "status", True),
        Field(("external_id",), "text", True),
        Field(("buyer",), "object", True),
        Field(("buyer", "buyer_id"), "text", True),
        Field(("receiver",), "object"),
        Field(("currency",), "status"),
        Field(("payment_status",), "status"),
        Field(("placed_at",), "time", True),
        Field(("order_total",), "money"),
        Field(("lines", 0, "discount"), "money"),
        *line_fields(("lines",), "sku", "quantity", ("unit_price", "money")),
    ),
    sku_path=("lines", 0, "sku"),
    quantity_path=("lines", 0, "quantity"),
)
SHOPIFY_PATHS = SHOPIFY.fields
PARTNER = Channel(
    "partner",
    lambda: partner_event(payload=webhook_sample("shopify")),
    (
        Field(("id",), "text", True),
        Field(("source",), "status", True),
        Field(("detail-type",), "text", True),
        Field(("detail",), "object", True),
        Field(("detail", "payload"), "object", True),
        Field(("detail", "metadata"), "object"),
        *(Field(("detail", "payload", *f.path), f.kind, f.required) for f in SHOPIFY_PATHS),
    ),
    sku_path=("detail", "payload", "line_items", 0, "sku"),
    quantity_path=("detail", "payload", "line_items", 0, "quantity"),
)


# --- sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    fields: list[str]
    rules: list[str]


def context() -> LocalLambdaContext:
    return LocalLambdaContext("property")


def answer_of(response: dict[str, Any]) -> Answer:
    body = json.loads(response["body"])
    errors = body.get("errors") or [e for r in body.get("rejected", []) for e in r["errors"]]
    return Answer(response["statusCode"], [e["field"] for e in errors], [e["rule"] for e in errors])


def send_webhook(channel: str, body: bytes, headers: dict[str, str], shop: str | None = None) -> Answer:
    shop = shop or SHOP[channel]
    return answer_of(intake_module.handler(webhook_event(intake_module.handler, channel, shop, body, headers), context()))


def send_canonical(body: bytes) -> Answer:
    route = LocalRoute("POST", "/orders", "intake", intake_module.handler)
    event = proxy_event("POST", route, "/orders", {}, {"Content-Type": "application/json"}, "", body)
    return answer_of(intake_module.handler(event, context()))


def send_csv(body: bytes) -> Answer:
    route = LocalRoute("POST", "/channels/erp/imports", "erp_import", erp_module.handler)
    event = proxy_event("POST", route, "/channels/erp/imports", {}, {"Content-Type": "text/csv"}, "", body)
    return answer_of(erp_module.handler(event, context()))


def signed(channel: str, body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER[channel]: signatures.sign(SECRETS[channel][SHOP[channel]], body)}


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def encoded(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


# --- mutations -----------------------------------------------------------------------------------

NEVER_UTF8 = [b"\xff", b"\xfe", b"\xc0\xaf", b"\xc1\xbf", b"\xf8\x88\x80\x80\x80", b"\xf5\x80\x80\x80"]


@dataclass(frozen=True)
class Broken:
    """A broken request and what the answer must say: one of `statuses`, naming `field` (if any)
    with `rule` (if any)."""

    kind: str
    body: bytes
    statuses: frozenset[int]
    field: str | None = None
    rule: str | None = None
    headers: dict[str, str] | None = None  # None: signed correctly
    shop: str | None = None


def json_mutations(channel: Channel, limit: int | None) -> st.SearchStrategy[Broken]:
    """Every way to break a JSON sample; without a `limit`, only those a parsed document can carry
    (a queue message has no byte-level encoding or size of its own to break)."""
    sample = channel.sample()
    required = [f.path for f in channel.fields if f.required]

    missing = st.sampled_from(required).map(lambda p: Broken("missing", encoded(without(sample, p)), frozenset({400, 422}), dotted(p)))
    wrong_type = st.sampled_from(channel.fields).flatmap(
        lambda f: (WRONG[f.kind] | (st.none() if f.required else st.nothing())).map(
            lambda value: Broken("wrong_type", encoded(replaced(sample, f.path, value)), frozenset({400, 422}), dotted(f.path))
        )
    )
    unknown_sku = (
        st.text(min_size=1, max_size=40)
        .filter(lambda s: s.strip() and s not in MAPPED_CODES)
        .map(lambda code: Broken("unknown_sku", encoded(replaced(sample, channel.sku_path, code)), frozenset({422}), dotted(channel.sku_path), "unknown_sku"))
    )
    negative = st.integers(max_value=-1).flatmap(lambda q: st.sampled_from([q, str(q)])).map(
        lambda q: Broken("negative_quantity", encoded(replaced(sample, channel.quantity_path, q)), frozenset({400}), dotted(channel.quantity_path))
    )
    body = encoded(sample)
    broken_utf8 = st.tuples(st.integers(0, len(body)), st.sampled_from(NEVER_UTF8)).map(
        lambda at: Broken("broken_encoding", body[: at[0]] + at[1] + body[at[0] :], frozenset({400}), "body", "utf8")
    )
    oversize = st.integers(1, 2_000).map(
        lambda extra: Broken("oversize", encoded({**sample, "_padding": "x" * (limit - len(body) + extra)}), frozenset({413}), "body", "max_size")
    )
    if limit is None:
        return st.one_of(missing, wrong_type, unknown_sku, negative)
    return st.one_of(missing, wrong_type, unknown_sku, negative, broken_utf8, oversize)


def forged_signatures(channel: Channel) -> st.SearchStrategy[Broken]:
    body = encoded(channel.sample())
    header = SIGNATURE_HEADER[channel.name]
    secret = SECRETS[channel.name][SHOP[channel.name]]
    forged_headers = st.one_of(
        st.just({}),
        st.binary(min_size=32, max_size=32).map(lambda raw: {header: base64.b64encode(raw).decode()}),
        st.text(min_size=1, max_size=60).filter(lambda s: s != secret).map(lambda wrong: {header: signatures.sign(wrong, body)}),
        st.binary(min_size=1, max_size=8).map(lambda extra: {header: signatures.sign(secret, body + extra)}),
        st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_categories=["Cs"]), min_size=1, max_size=60).map(lambda junk: {header: junk}),
    )
    unknown_shop = st.from_regex(intake_module.SHOP, fullmatch=True).filter(lambda s: s not in SECRETS[channel.name])
    return st.one_of(
        forged_headers.map(lambda h: Broken("forged_signature", body, frozenset({401}), headers=h)),
        unknown_shop.map(lambda shop: Broken("unknown_shop", body, frozenset({401}), "shop", "unknown_shop", headers=signed(channel.name, body), shop=shop)),
    )


def check(answer: Answer, broken: Broken, fakes: Fakes) -> None:
    fakes.examples += 1
    fakes.assert_nothing_stored()
    assert answer.status in broken.statuses, (broken.kind, broken.field, answer)
    assert answer.fields, f"{broken.kind}: the answer names no field"
    if broken.field:
        assert names(answer.fields, broken.field), (broken.kind, broken.field, answer.fields)
    if broken.rule:
        assert broken.rule in answer.rules, (broken.kind, broken.rule, answer.rules)


# --- the channels ------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [SHOPIFY, TMALL, JD, DOUYIN], ids=lambda c: c.name)
def test_malformed_webhooks_are_4xx_naming_the_problem_and_store_nothing(fakes, channel):
    @PROPERTY_SETTINGS
    @given(broken=st.one_of(json_mutations(channel, MAX_BODY_BYTES), forged_signatures(channel)))
    def run(broken: Broken) -> None:
        headers = broken.headers if broken.headers is not None else signed(channel.name, broken.body)
        check(send_webhook(channel.name, broken.body, headers, broken.shop), broken, fakes)

    run()
    assert fakes.examples >= EXAMPLES


def test_malformed_canonical_orders_are_4xx_naming_the_problem_and_store_nothing(fakes):
    @PROPERTY_SETTINGS
    @given(broken=json_mutations(OWN_API, MAX_BODY_BYTES))
    def run(broken: Broken) -> None:
        check(send_canonical(broken.body), broken, fakes)

    run()
    assert fakes.examples >= EXAMPLES


def test_malformed_partner_events_go_to_the_dlq_with_the_reason_and_store_nothing(fakes):
    sample = PARTNER.sample()
    not_json = (
        st.text(min_size=1, max_size=40)
        .map(lambda s: "{" + s)
        .filter(lambda text: not _is_json(text))  # "{" + "}" is JSON after all
        .map(lambda text: Broken("not_json", text.encode(), frozenset({0}), "body", "json_invalid"))
    )
    too_many_lines = st.integers(501, 520).map(
        lambda n: Broken("oversize", encoded(replaced(sample, ("detail", "payload", "line_items"), sample["detail"]["payload"]["line_items"] * n)), frozenset({0}), "detail.payload.line_items")
    )
    wrong_topic = st.text(min_size=1, max_size=20).filter(lambda t: t not in ("orders/create", "orders/updated")).map(
        lambda t: Broken("wrong_topic", encoded(replaced(sample, ("detail", "metadata", "X-Shopify-Topic"), t)), frozenset({0}), "detail.metadata.X-Shopify-Topic")
    )
    json_only = json_mutations(PARTNER, None)

    @PROPERTY_SETTINGS
    @given(broken=st.one_of(json_only, not_json, too_many_lines, wrong_topic))
    def run(broken: Broken) -> None:
        fakes.dead_letters.clear()
        record = lambda_record({"MessageId": "m", "ReceiptHandle": "r", "Body": broken.body.decode()}, "arn:aws:sqs:us-east-1:1:q", "us-east-1")
        result = partner_module.handler({"Records": [record]}, context())
        assert result["batchItemFailures"] == []  # no retry: the event itself is wrong
        [dead] = fakes.dead_letters
        problems = dead["problems"]
        # No HTTP status here: the DLQ's reason is the answer.
        check(Answer(0, [p.field for p in problems], [p.rule for p in problems]), replace(broken, statuses=frozenset({0})), fakes)

    run()
    assert fakes.examples >= EXAMPLES


CSV_ROW = {
    "order_no": "SO-PROP-1", "buyer_id": "B-1", "buyer_name": "测试", "customer_type": "B2C", "receiver_name": "王五",
    "receiver_phone": "13800000000", "province": "上海市", "city": "上海市", "address": "世纪大道1号", "currency": "CNY",
    "payment_status": "PAID", "sku": "TEA-LONGJING-250G", "quantity": "2", "unit_price": "168.00", "discount": "0.00",
    "order_total": "336.00", "promised_delivery_date": "2026-11-14", "placed_at": "2026-11-11 10:00:00",
}  # fmt: skip
CSV_REQUIRED = ("order_no", "buyer_id", "sku", "quantity", "unit_price", "placed_at")
CSV_TYPED = ("customer_type", "payment_status", "quantity", "unit_price", "discount", "order_total", "promised_delivery_date", "placed_at", "currency")


def csv_of(row: dict[str, str]) -> bytes:
    return (",".join(row) + "\n" + ",".join(row.values()) + "\n").encode()


def test_malformed_erp_files_are_4xx_naming_the_row_or_column_and_store_nothing(fakes):
    body = csv_of(CSV_ROW)
    missing_column = st.sampled_from(CSV_REQUIRED).map(
        lambda c: Broken("missing_column", csv_of({k: v for k, v in CSV_ROW.items() if k != c}), frozenset({400}), c, "missing_column")
    )
    empty_value = st.sampled_from(CSV_REQUIRED).map(lambda c: Broken("missing", csv_of({**CSV_ROW, c: ""}), frozenset({422}), c))
    # A CSV cell is text: "wrong type" is text that does not parse as the column's type.
    unparsable = st.tuples(st.sampled_from(CSV_TYPED), LETTERS).map(
        lambda cv: Broken("wrong_type", csv_of({**CSV_ROW, cv[0]: cv[1]}), frozenset({422}), cv[0] if cv[0] != "currency" else "canonical.currency")
    )
    unknown_sku = st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=1, max_size=30).filter(lambda s: s not in MAPPED_CODES).map(
        lambda sku: Broken("unknown_sku", csv_of({**CSV_ROW, "sku": sku}), frozenset({422}), "sku", "unknown_sku")
    )
    negative = st.integers(max_value=-1).map(lambda q: Broken("negative_quantity", csv_of({**CSV_ROW, "quantity": str(q)}), frozenset({422}), "quantity"))
    broken_utf8 = st.tuples(st.integers(0, len(body)), st.sampled_from(NEVER_UTF8)).map(
        lambda at: Broken("broken_encoding", body[: at[0]] + at[1] + body[at[0] :], frozenset({400}), "body", "utf8")
    )
    oversize = st.integers(1, 2_000).map(
        lambda extra: Broken("oversize", body + b"\n" * (MAX_IMPORT_BODY_BYTES - len(body) + extra), frozenset({413}), "body", "max_size")
    )

    @PROPERTY_SETTINGS
    @given(broken=st.one_of(missing_column, empty_value, unparsable, unknown_sku, negative, broken_utf8, oversize))
    def run(broken: Broken) -> None:
        check(send_csv(broken.body), broken, fakes)

    run()
    assert fakes.examples >= EXAMPLES


@pytest.mark.parametrize("channel", [SHOPIFY, TMALL, JD, DOUYIN, OWN_API], ids=lambda c: c.name)
def test_the_unbroken_samples_are_accepted_so_the_refusals_mean_something(fakes, channel):
    body = encoded(channel.sample())
    answer = send_canonical(body) if channel is OWN_API else send_webhook(channel.name, body, signed(channel.name, body))
    assert answer.status == 202
    assert send_csv(csv_of(CSV_ROW)).status == 202
