"""Every channel's intake on moto: signed webhooks, the ERP import (API and S3 bucket), partner
events from their queue; exactly once, amendments before and after routing, 4xx for bad input."""

import json

import boto3
import pytest

from functions.erp_import.handler import handler as erp_import
from functions.intake.handler import handler as intake
from functions.orders_api.handler import handler as orders_api
from functions.partner_intake.handler import handler as partner_intake
from local.api_gateway import LocalRoute, proxy_event
from local.seed import load_channel_secrets
from local.sqs_poller import lambda_record
from shared import signatures
from shared.aws import channel_secrets as channel_secrets_module
from shared.aws.catalog_store import CatalogStore, Product, SkuMapping
from shared.aws.channel_secrets import ChannelSecrets
from shared.problems import InputRejected
from shared.aws.stores import order_store
from shared.lifecycle import Actor, OrderStatus, transition_entry
from tests.channel_samples import (
    DEMO_SHOPIFY_SHOP,
    SHOP,
    csv_sample,
    partner_event,
    real_sample,
    signed_headers,
    webhook_event,
    webhook_sample,
)
from tests.integration.conftest import api_request, context, drain


@pytest.fixture
def channels(aws):
    load_channel_secrets()
    return aws


def post_webhook(channel: str, document, shop: str | None = None, headers: dict | None = None) -> tuple[int, dict]:
    shop = shop or SHOP[channel]
    body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    answer = intake(webhook_event(intake, channel, shop, body, headers if headers is not None else signed_headers(channel, shop, body)), context())
    return answer["statusCode"], json.loads(answer["body"])


def details(order_id: str) -> dict:
    return api_request(orders_api, "GET", "/orders/{order_id}", f"/orders/{order_id}", order_id=order_id)[1]


def meta_items(aws) -> list[dict]:
    items = boto3.client("dynamodb").scan(TableName=aws.env["ORDERS_TABLE"])["Items"]
    return [i for i in items if i["sk"]["S"] == "META"]


def queued(aws) -> list[str]:
    return [json.loads(m["Body"])["order_id"] for m in drain(boto3.client("sqs"), aws.queue_urls["intake"])]


# --- webhooks -------------------------------------------------------------------------------


def test_shopifys_published_order_with_a_valid_signature_is_stored_with_oms_skus(channels):
    status, answer = post_webhook("shopify", webhook_sample("shopify"))
    assert status == 202 and answer["status"] == "RECEIVED" and answer["duplicate"] is False
    stored = details(answer["order_id"])
    [line] = stored["order"]["order"]["lines"]
    assert (line["sku"], line["channel_sku"]) == ("IPOD-TOUCH-8GB-BLACK", "IPOD2009BLACK")
    assert stored["timeline"][0]["details"] | {"route": "webhook", "shop": "jsmith.myshopify.com"} == stored["timeline"][0]["details"]
    assert queued(channels) == [answer["order_id"]]


@pytest.mark.parametrize("channel", ["tmall", "jd", "douyin"])
def test_each_connector_channels_sample_is_accepted_once(channels, channel):
    status, first = post_webhook(channel, webhook_sample(channel))
    assert status == 202, first
    status, again = post_webhook(channel, webhook_sample(channel))
    assert status == 202 and again == {**first, "duplicate": True}
    assert len(meta_items(channels)) == 1
    skus = {line["sku"] for line in details(first["order_id"])["order"]["order"]["lines"]}
    assert skus <= {"TEA-LONGJING-250G", "CUP-CELADON-6PK", "KETTLE-IRON-1L"}


@pytest.mark.parametrize(
    ("headers", "rule"),
    [
        ({}, "missing"),
        ({"X-Shopify-Hmac-Sha256": "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="}, "signature_mismatch"),
    ],
)
def test_a_forged_or_missing_signature_is_401_and_stores_nothing(channels, headers, rule):
    status, answer = post_webhook("shopify", webhook_sample("shopify"), headers=headers)
    assert status == 401 and answer["errors"][0]["rule"] == rule
    assert meta_items(channels) == [] and queued(channels) == []


def test_a_signature_made_with_another_shops_secret_is_401(channels):
    body = json.dumps(webhook_sample("shopify")).encode()
    status, answer = post_webhook("shopify", body, headers=signed_headers("shopify", DEMO_SHOPIFY_SHOP, body))
    assert status == 401 and meta_items(channels) == []
    status, answer = post_webhook("shopify", body, shop="unknown-shop.myshopify.com", headers=signed_headers("shopify", DEMO_SHOPIFY_SHOP, body))
    assert (status, answer["errors"][0]["rule"]) == (401, "unknown_shop")


def test_the_published_hmac_vector_passes_the_signature_check_then_is_no_order(channels):
    vector = real_sample("shopify_hmac_vector.json")
    headers = {vector["header_name"]: vector["header"]}
    status, answer = post_webhook("shopify", vector["body"].encode(), headers=headers)
    assert status == 400  # verified, then read: {"foo": "bar"} has none of an order's fields
    assert "id" in {e["field"] for e in answer["errors"]}


def test_an_unknown_channel_sku_is_422_naming_it_and_stores_nothing(channels):
    order = webhook_sample("tmall")
    order["trade_fullinfo_get_response"]["trade"]["orders"]["order"][1]["outer_sku_id"] = "TM-NOT-MAPPED"
    status, answer = post_webhook("tmall", order)
    assert status == 422
    assert answer["errors"] == [
        {"field": "orders.order.1.outer_sku_id", "rule": "unknown_sku", "message": "tmall SKU 'TM-NOT-MAPPED' has no oms SKU in the SKU mapping"}
    ]
    assert meta_items(channels) == []


# --- amendments -----------------------------------------------------------------------------


def corrected_address(sample: dict, detail: str) -> dict:
    changed = json.loads(json.dumps(sample))
    changed["trade_fullinfo_get_response"]["trade"]["receiver_address"] = detail
    return changed


def test_a_correction_before_routing_is_applied_and_a_late_copy_of_the_old_one_is_ignored(channels):
    sample = webhook_sample("tmall")
    order_id = post_webhook("tmall", sample)[1]["order_id"]
    status, answer = post_webhook("tmall", corrected_address(sample, "宜山路888号"))
    assert status == 202 and answer["amendment"] == "applied"
    assert details(order_id)["order"]["order"]["receiver"]["detail"].endswith("宜山路888号")
    # A webhook retry of the first delivery arrives late: it must not undo the correction.
    status, answer = post_webhook("tmall", sample)
    assert status == 202 and answer["amendment"] is None
    after = details(order_id)
    assert after["order"]["order"]["receiver"]["detail"].endswith("宜山路888号")
    assert [e["details"].get("amendment") for e in after["timeline"] if e["kind"] == "note"] == ["applied"]


def test_a_correction_delivered_before_the_original_is_not_undone_by_the_original(channels):
    """Platforms do not deliver in order: the corrected trade (modified later) may arrive first and
    the first version after it (a webhook retry, an orders/create after its orders/updated). The
    older copy was applied as an amendment, and the correction's own retry was then ignored as
    already seen: the parcel went to the old address."""
    sample = webhook_sample("tmall")
    corrected = corrected_address(sample, "宜山路888号")
    corrected["trade_fullinfo_get_response"]["trade"]["modified"] = "2026-11-11 00:20:00"
    order_id = post_webhook("tmall", corrected)[1]["order_id"]
    status, answer = post_webhook("tmall", sample)  # modified 00:00:35: older than what oms holds
    assert status == 202 and (answer["duplicate"], answer["amendment"]) == (True, "not_applied")
    stored = details(order_id)
    assert stored["order"]["order"]["receiver"]["detail"].endswith("宜山路888号")
    note = stored["timeline"][-1]
    assert (note["kind"], note["details"]["amendment"], note["details"]["changed"]) == ("note", "not_applied", ["receiver"])
    assert post_webhook("tmall", corrected)[1]["amendment"] is None  # the correction again: nothing new
    assert post_webhook("tmall", sample)[1]["amendment"] is None  # the old copy again: recorded once
    assert len([e for e in details(order_id)["timeline"] if e["kind"] == "note"]) == 1
    # A newer change still applies (Shopify: updated_at).
    shopify_order = webhook_sample("shopify")
    order_id = post_webhook("shopify", shopify_order)[1]["order_id"]
    newer = {**shopify_order, "updated_at": "2025-04-02T12:00:00-05:00", "shipping_address": {**shopify_order["shipping_address"], "address1": "456 Corrected Avenue"}}
    assert post_webhook("shopify", newer)[1]["amendment"] == "applied"
    assert post_webhook("shopify", {**shopify_order, "note": "a retry"})[1]["amendment"] is None  # same content as the first copy: seen
    older = {**shopify_order, "shipping_address": {**shopify_order["shipping_address"], "address2": "Suite 1"}}
    assert post_webhook("shopify", older)[1]["amendment"] == "not_applied"
    assert details(order_id)["order"]["order"]["receiver"]["detail"] == "456 Corrected Avenue"


def test_a_correction_after_routing_is_recorded_with_the_reason_not_applied(channels):
    sample = webhook_sample("tmall")
    order_id = post_webhook("tmall", sample)[1]["order_id"]
    current = order_store().load(order_id)
    for to_status in (OrderStatus.APPROVED, OrderStatus.ROUTED):
        current = order_store().transition(current, to_status, transition_entry(current.status, to_status, Actor.system("test")))
    status, answer = post_webhook("tmall", corrected_address(sample, "宜山路888号"))
    assert status == 202 and (answer["status"], answer["amendment"]) == ("ROUTED", "not_applied")
    stored = details(order_id)
    assert stored["order"]["order"]["receiver"]["detail"].endswith("宜山路700号 B2栋1201")
    note = stored["timeline"][-1]
    assert note["details"]["reason"] == "the order is ROUTED: a warehouse plan is made for the old content; an operator must apply the change"
    assert note["details"]["delivered"]["receiver"]["detail"].endswith("宜山路888号")
    post_webhook("tmall", corrected_address(sample, "宜山路888号"))  # the same correction again: one note
    assert len([e for e in details(order_id)["timeline"] if e["kind"] == "note"]) == 1


# --- ERP import -----------------------------------------------------------------------------


def post_csv(body: bytes) -> tuple[int, dict]:
    event = proxy_event("POST", LocalRoute("POST", "/channels/erp/imports", "erp_import", erp_import), "/channels/erp/imports", {}, {"Content-Type": "text/csv"}, "", body)
    answer = erp_import(event, context())
    return answer["statusCode"], json.loads(answer["body"])


def test_erp_csv_over_the_api_accepts_good_orders_and_reports_each_bad_row(channels):
    status, report = post_csv(csv_sample())
    assert status == 202
    assert (report["rows"], report["rows_accepted"], report["rows_rejected"], report["orders_accepted"]) == (5, 3, 2, 2)
    assert {(r["row"], r["errors"][0]["field"], r["errors"][0]["rule"]) for r in report["rejected"]} == {
        (4, "quantity", "greater_than_equal"),
        (5, "sku", "unknown_sku"),
    }
    assert len(meta_items(channels)) == 2
    again_status, again = post_csv(csv_sample())  # the ERP sends the file again: nothing doubles
    assert again_status == 202 and all(a["acceptance"]["duplicate"] for a in again["accepted"])
    assert len(meta_items(channels)) == 2


def test_erp_csv_with_no_good_row_is_422_and_stores_nothing(channels):
    status, report = post_csv(b"order_no,buyer_id,sku,quantity,unit_price,placed_at\nA,B,NO-SUCH-SKU,1,1.00,2026-11-11 10:00\n")
    assert status == 422 and report["rejected"][0]["errors"][0]["rule"] == "unknown_sku"
    assert meta_items(channels) == []
    status, answer = post_csv(b"order_no\nA\n")
    assert status == 400 and answer["errors"][0]["rule"] == "missing_column"


def s3_notifications(aws) -> dict:
    messages = drain(boto3.client("sqs"), aws.queue_urls["erp_import_files"])
    records = [lambda_record({**m, "ReceiptHandle": "r"}, aws.queue_arns["erp_import_files"], "us-east-1") for m in messages]
    return {"Records": records}


def test_a_csv_dropped_in_the_bucket_is_imported_and_its_report_written_beside_it(channels):
    s3 = boto3.client("s3")
    bucket = channels.bucket_names["erp_imports"]
    s3.put_object(Bucket=bucket, Key="incoming/2026 11 11 batch.csv", Body=csv_sample("batch_s3.csv"))
    s3.put_object(Bucket=bucket, Key="incoming/gbk.csv", Body="order_no,buyer_id\nA,B\n".encode("utf-16"))
    answer = erp_import(s3_notifications(channels), context())
    assert answer["batchItemFailures"] == []
    report = json.loads(s3.get_object(Bucket=bucket, Key="reports/2026 11 11 batch.json")["Body"].read())
    assert report["orders_accepted"] == 2 and report["source"] == "incoming/2026 11 11 batch.csv"
    refused = json.loads(s3.get_object(Bucket=bucket, Key="reports/gbk.json")["Body"].read())
    assert refused["errors"][0]["rule"] == "utf8"
    assert len(meta_items(channels)) == 2


# --- partner events -------------------------------------------------------------------------


def sqs_records(aws, queue_key: str, *bodies: str) -> dict:
    return {
        "Records": [
            lambda_record({"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body}, aws.queue_arns[queue_key], "us-east-1")
            for i, body in enumerate(bodies)
        ]
    }


def test_partner_events_become_orders_and_an_unusable_one_goes_to_the_dlq_with_its_reason(channels):
    good = json.dumps(partner_event())
    unmapped = partner_event()
    unmapped["detail"]["payload"]["line_items"][0]["sku"] = "NOT-MAPPED"
    answer = partner_intake(sqs_records(channels, "partner_orders", good, json.dumps(unmapped), "{broken"), context())
    assert answer["batchItemFailures"] == []
    [order] = meta_items(channels)
    content = boto3.client("dynamodb").get_item(TableName=channels.env["ORDERS_TABLE"], Key={"pk": order["pk"], "sk": {"S": "META#ORDER"}})["Item"]
    assert content["order"]["M"]["channel"]["S"] == "shopify" and order["channel_key"]["S"].startswith("shopify#")
    dead = {m["MessageId"]: m for m in drain(boto3.client("sqs"), channels.dead_letter_queue_urls["partner_orders"], attributes=True)}
    reasons = sorted(m["MessageAttributes"]["rules"]["StringValue"] for m in dead.values())
    assert reasons == ["json_invalid", "unknown_sku"]
    fields = {m["MessageAttributes"]["fields"]["StringValue"] for m in dead.values()}
    assert "detail.payload.line_items.0.sku" in fields


def test_the_same_shopify_order_by_webhook_and_by_partner_event_is_one_order(channels):
    body = webhook_sample("shopify")
    webhook_id = post_webhook("shopify", body)[1]["order_id"]
    partner_intake(sqs_records(channels, "partner_orders", json.dumps(partner_event(payload=body))), context())
    assert [i["order_id"]["S"] for i in meta_items(channels)] == [webhook_id]


# --- the catalog adapter --------------------------------------------------------------------


def test_catalog_reads_more_codes_than_one_batch_and_remembers_what_it_found(channels):
    catalog = CatalogStore()
    for i in range(130):
        catalog.put_mapping(SkuMapping(channel="jd", channel_sku=f"JD-{i}", sku=f"SKU-{i}"))
    codes = {f"JD-{i}" for i in range(130)} | {"JD-MISSING"}
    assert catalog.channel_mappings("jd", codes) == {f"JD-{i}": f"SKU-{i}" for i in range(130)}
    boto3.client("dynamodb").delete_item(TableName=catalog.table, Key={"pk": {"S": "MAP#jd#JD-0"}, "sk": {"S": "MAPPING"}})
    assert catalog.channel_mappings("jd", {"JD-0"}) == {"JD-0": "SKU-0"}  # cached for a few minutes
    catalog.put_product(Product(sku="NEW-SKU"))
    assert catalog.known_skus({"NEW-SKU"}) == {"NEW-SKU"}  # not-found is never cached


def test_a_rotated_secret_is_read_again_once_a_minute_at_most(channels, monkeypatch):
    secrets, body = ChannelSecrets(), b"{}"
    secrets.verify("jd", "oms-tea-jd", body, "X-Oms-Hmac-Sha256", signatures.sign("local-jd-secret-oms-tea-jd", body))
    boto3.client("secretsmanager").put_secret_value(SecretId=secrets.secret_id, SecretString=json.dumps({"jd": {"oms-tea-jd": "rotated"}}))
    rotated = signatures.sign("rotated", body)
    with pytest.raises(InputRejected):  # read less than a minute ago: a forgery costs no read
        secrets.verify("jd", "oms-tea-jd", body, "X-Oms-Hmac-Sha256", rotated)
    monkeypatch.setattr(channel_secrets_module, "REFRESH_AFTER_SECONDS", 0.0)
    secrets.verify("jd", "oms-tea-jd", body, "X-Oms-Hmac-Sha256", rotated)
