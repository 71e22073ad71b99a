"""The demo's channel samples: signed webhooks from Shopify (its published order, and a shop
selling to Shanghai), Tmall, JD and Douyin; a forged one; an ERP CSV over HTTP and one dropped in
the import bucket; a Shopify order event on the partner bus. Returns what was accepted, as
(name, order id, when posted), for the demo to follow until each order settles."""

from __future__ import annotations

import json
import time
from typing import Any

from local.channel_samples import (
    DEMO_SHOPIFY_SHOP,
    HAND_BUILT,
    SHOP,
    csv_sample,
    hand_built,
    partner_event,
    published_shopify_order,
    signed_headers,
    webhook_path,
)
from local.runtime import LocalRuntime
from shared.ids import order_id_for

Posted = tuple[str, str, float]
CSV = {"Content-Type": "text/csv"}


def post_channel_samples(runtime: LocalRuntime) -> list[Posted]:
    return [*_webhooks(runtime), *_erp_over_http(runtime), *_erp_in_bucket(runtime), *_partner_event(runtime)]


def _http(*args: Any) -> tuple[int, dict[str, Any]]:
    from local.demo import http  # the demo's one HTTP helper

    return http(*args)


def _webhooks(runtime: LocalRuntime) -> list[Posted]:
    samples: list[tuple[str, str, str, dict[str, Any]]] = []
    published = published_shopify_order()
    if published is None:
        print("(Shopify's published samples are missing from samples/real: its published order is skipped)")
    else:
        samples.append(("shopify published orders/create", "shopify", SHOP["shopify"], published))
    samples.append((f"shopify {HAND_BUILT['shopify'].stem}", "shopify", DEMO_SHOPIFY_SHOP, hand_built("shopify")))
    samples += [(f"{channel} {HAND_BUILT[channel].stem}", channel, SHOP[channel], hand_built(channel)) for channel in ("tmall", "jd", "douyin")]
    posted = []
    for name, channel, shop, document in samples:
        body = json.dumps(document, ensure_ascii=False).encode()
        started = time.monotonic()
        status, answer = _http("POST", runtime.api_url + webhook_path(channel, shop), body, signed_headers(channel, shop, body))
        print(f"POST {webhook_path(channel, shop):<50} → {status} {answer}")
        if status == 202:
            posted.append((name, answer["order_id"], started))
    body = json.dumps(hand_built("tmall"), ensure_ascii=False).encode()
    forged = signed_headers("tmall", SHOP["tmall"], body, secret="a guess")
    status, answer = _http("POST", runtime.api_url + webhook_path("tmall", SHOP["tmall"]), body, forged)
    print(f"POST {webhook_path('tmall', SHOP['tmall']):<50} → {status} (forged signature: {answer['errors'][0]['message']})")
    return posted


def _erp_over_http(runtime: LocalRuntime) -> list[Posted]:
    started = time.monotonic()
    status, report = _http("POST", f"{runtime.api_url}/channels/erp/imports", csv_sample(), CSV)
    print(f"POST /channels/erp/imports batch_api.csv → {status}: {_summary(report)}")
    for rejected in report.get("rejected", []):
        errors = "; ".join(f"{e['field']}: {e['message']}" for e in rejected["errors"])
        print(f"    row {rejected['row']} ({rejected['order_no']}): {errors}")
    return [(f"erp csv {a['order_no']}", a["acceptance"]["order_id"], started) for a in report.get("accepted", [])]


def _erp_in_bucket(runtime: LocalRuntime, timeout: float = 30.0) -> list[Posted]:
    assert runtime.resources
    s3, bucket = runtime.client("s3"), runtime.resources.bucket_names["erp_imports"]
    started = time.monotonic()
    s3.put_object(Bucket=bucket, Key="incoming/batch_s3.csv", Body=csv_sample("batch_s3.csv"))
    while time.monotonic() - started < timeout:
        if s3.list_objects_v2(Bucket=bucket, Prefix="reports/batch_s3.json").get("Contents"):
            break
        time.sleep(0.1)
    else:
        print(f"s3://{bucket}/incoming/batch_s3.csv: no report after {timeout:.0f} s")
        return []
    report = json.loads(s3.get_object(Bucket=bucket, Key="reports/batch_s3.json")["Body"].read())
    print(f"s3://{bucket}/incoming/batch_s3.csv → reports/batch_s3.json: {_summary(report)}")
    return [(f"erp s3 {a['order_no']}", a["acceptance"]["order_id"], started) for a in report.get("accepted", [])]


def _partner_event(runtime: LocalRuntime) -> list[Posted]:
    assert runtime.resources
    bus = runtime.resources.bus_names["shopify_partner"]
    event = partner_event()
    started = time.monotonic()
    runtime.client("events").put_events(
        Entries=[{"EventBusName": bus, "Source": bus, "DetailType": event["detail-type"], "Detail": json.dumps(event["detail"])}]
    )
    print(f"PutEvents on {bus} (orders/create) → queued for partner intake")
    if runtime.platforms:  # Shopify knows the order it sent through its partner event source
        runtime.platforms.learn("shopify", event["detail"]["metadata"]["X-Shopify-Shop-Domain"], event["detail"]["payload"])
    return [("partner shopify event", order_id_for("shopify", str(event["detail"]["payload"]["id"])), started)]


def _summary(report: dict[str, Any]) -> str:
    if "orders_accepted" not in report:
        return f"refused: {report}"
    return f"{report['rows']} rows, {report['orders_accepted']} orders accepted, {report['rows_rejected']} rows rejected"
