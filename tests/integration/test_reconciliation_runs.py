"""Channel reconciliation runs on moto against the fake platform server: missed orders
re-ingested through intake (cause "reconciliation"), differences reported, idempotent by run id,
one run per shop, and a page failing in the middle resumes at that page with nothing skipped."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from functions.reconciliation_api import handler as api
from local.fake_platforms import FakePlatforms
from local.platform_orders import CANCELLED, PARSERS, external_id, generate, set_status
from shared.aws.clients import client
from shared.aws.messaging import enqueue_for_fulfilment
from shared.aws.order_store import OrderQuery
from shared.aws.stores import catalog_store, order_store
from shared.ids import order_id_for
from shared.reconciliation.domain import DifferenceKind, Resolution, RunKind, RunRequest, RunState, Window
from shared.reconciliation.oms_orders import oms_copies
from shared.reconciliation.pull import CHANNELS, PlatformHttp, ShopCredentials, lister_for
from shared.reconciliation.pull.shopify import ShopifyOrders
from shared.reconciliation.store import ReconciliationStore
from shared.reconciliation.usecases.run_channel import RunPorts, run_channel_reconciliation
from shared.usecases.intake_order import intake_order
from tests.integration.conftest import api_request, drain

SHOP = "recon-test.myshopify.com"
DAY = datetime(2026, 11, 11, tzinfo=UTC)
WINDOW = Window(since=DAY, until=DAY + timedelta(hours=12))
ORDERS = 45


@pytest.fixture
def platform(aws, monkeypatch):
    with FakePlatforms() as fake:
        orders = generate("shopify", ORDERS, WINDOW.since, WINDOW.until)
        fake.add_orders("shopify", SHOP, orders)
        client("secretsmanager").put_secret_value(SecretId=aws.env["PLATFORM_CREDENTIALS_ARN"], SecretString=json.dumps(fake.credentials()))
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        fake.generated = orders
        yield fake


def deliver_webhooks(orders) -> None:
    for order in orders:
        intake_order(PARSERS["shopify"](order), catalog_store(), order_store(), enqueue_for_fulfilment)


def ports(fake: FakePlatforms, page_size: int = 10) -> RunPorts:
    http = PlatformHttp(sleep=lambda s: None, base_backoff=0.001)
    credentials = ShopCredentials.model_validate(fake.credentials()["shopify"][SHOP])
    return RunPorts(ReconciliationStore(), order_store(), catalog_store(), enqueue_for_fulfilment, ShopifyOrders(http, page_size=page_size), credentials)


def request(kind: RunKind = RunKind.ON_DEMAND) -> RunRequest:
    return RunRequest(channel="shopify", shop=SHOP, window=WINDOW, kind=kind)


def stored_ids() -> set[str]:
    return {o.order_id for o in order_store().list_orders(OrderQuery(channel="shopify", limit=200))[0]}


def test_one_run_re_ingests_every_missed_order_through_intake_and_doubles_nothing(platform, aws) -> None:
    missed = platform.generated[3::9]  # 5 of 45 webhooks never came
    deliver_webhooks([o for o in platform.generated if o not in missed])
    drain(client("sqs"), aws.queue_urls["intake"])

    result = run_channel_reconciliation(request(), ports(platform))

    assert result.outcome == "completed" and result.finished_now
    run = result.run
    assert (run.pages, run.orders_seen) == (5, ORDERS)
    assert run.differences == {DifferenceKind.MISSING_IN_OMS.value: len(missed)} and run.auto_fixed == len(missed) and run.needs_person == 0
    assert len(stored_ids()) == ORDERS
    queued = [json.loads(m["Body"])["order_id"] for m in drain(client("sqs"), aws.queue_urls["intake"])]
    assert sorted(queued) == sorted(order_id_for("shopify", str(o["id"])) for o in missed)  # each recovered order queued once
    first = order_store().details(order_id_for("shopify", str(missed[0]["id"]))).timeline[0]
    assert (first.cause, first.actor.name, first.details["run_id"]) == ("reconciliation", "reconciliation", run.run_id)

    again = run_channel_reconciliation(request(), ports(platform))  # the same window: the same run, done
    assert again.outcome == "completed" and not again.finished_now and again.run.run_id == run.run_id
    assert len(stored_ids()) == ORDERS and not drain(client("sqs"), aws.queue_urls["intake"])


def test_a_re_ingested_order_keeps_the_refunds_it_arrived_with_on_its_first_entry(platform, aws) -> None:
    """Decision 76: a Shopify order that arrives partly refunded leaves the refunded units out and
    names the refunds on its first timeline entry, so that their refunds/create webhook is recorded
    only. A run replaced the adapter's received_via with its own: the refund ids were lost, and the
    refund's webhook would take its unit out of the order a second time."""
    missed = platform.generated[4]
    first_line = missed["line_items"][0]
    missed["refunds"] = [{"id": 990001, "order_id": missed["id"], "refund_line_items": [{"line_item_id": first_line["id"], "quantity": 1}]}]
    missed["financial_status"] = "partially_refunded"
    deliver_webhooks([o for o in platform.generated if o is not missed])
    drain(client("sqs"), aws.queue_urls["intake"])

    run_channel_reconciliation(request(), ports(platform))

    details = order_store().details(order_id_for("shopify", str(missed["id"])))
    assert [(line.channel_line_id, line.quantity) for line in details.order.order.lines][0] == (str(first_line["id"]), first_line["quantity"] - 1)
    first = details.timeline[0]
    assert (first.cause, first.details["refunds_at_intake"]) == ("reconciliation", "990001")


@pytest.fixture
def every_platform(aws, monkeypatch):
    with FakePlatforms() as fake:
        fake.generated = {channel: generate(channel, ORDERS, WINDOW.since, WINDOW.until) for channel in CHANNELS}
        for channel, orders in fake.generated.items():
            fake.add_orders(channel, SHOP, orders)
        client("secretsmanager").put_secret_value(SecretId=aws.env["PLATFORM_CREDENTIALS_ARN"], SecretString=json.dumps(fake.credentials()))
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        yield fake


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_page_failing_in_the_middle_fails_the_run_and_asking_again_resumes_at_that_page(every_platform, aws, channel) -> None:
    fake, generated = every_platform, every_platform.generated[channel]
    missed = generated[::4]  # on every page
    for order in generated:
        if order not in missed:
            intake_order(PARSERS[channel](order), catalog_store(), order_store(), enqueue_for_fulfilment)
    fake.fail_page(channel, page=3, times=20, status=502)
    http = PlatformHttp(sleep=lambda s: None, base_backoff=0.001)
    credentials = ShopCredentials.model_validate(fake.credentials()[channel][SHOP])
    ports = RunPorts(ReconciliationStore(), order_store(), catalog_store(), enqueue_for_fulfilment, type(lister_for(channel))(http, page_size=10), credentials)
    asked = RunRequest(channel=channel, shop=SHOP, window=WINDOW)

    failed = run_channel_reconciliation(asked, ports)
    assert failed.outcome == "failed" and failed.run.state == RunState.FAILED
    assert (failed.run.pages, failed.run.orders_seen) == (2, 20) and "502" in (failed.run.error or "")
    assert fake.pages_served(channel) == [1, 2]

    fake._failures.clear()  # the platform is back
    resumed = run_channel_reconciliation(asked, ports)
    assert resumed.outcome == "completed"
    assert fake.pages_served(channel) == [1, 2, 3, 4, 5]  # pages 1 and 2 were not fetched again
    assert (resumed.run.pages, resumed.run.orders_seen) == (5, ORDERS)
    assert resumed.run.differences == {DifferenceKind.MISSING_IN_OMS.value: len(missed)}
    assert len(oms_copies(order_store(), channel, [external_id(channel, o) for o in generated])) == ORDERS


def test_status_and_amount_differences_are_reported_or_fixed_through_intake(platform, aws) -> None:
    deliver_webhooks(platform.generated)
    cancelled, changed = platform.generated[0], platform.generated[1]
    set_status("shopify", cancelled, CANCELLED["shopify"])
    changed["line_items"][0]["quantity"] += 1  # still RECEIVED in oms: the amendment applies
    result = run_channel_reconciliation(request(), ports(platform))
    by_kind = {d.kind: d for d in ReconciliationStore().differences(result.run.run_id)}
    assert set(by_kind) == {DifferenceKind.CANCELLED_ON_CHANNEL, DifferenceKind.AMOUNT_MISMATCH}
    assert by_kind[DifferenceKind.CANCELLED_ON_CHANNEL].resolution == Resolution.NEEDS_PERSON
    assert by_kind[DifferenceKind.CANCELLED_ON_CHANNEL].oms_value == "RECEIVED"
    assert by_kind[DifferenceKind.AMOUNT_MISMATCH].resolution == Resolution.AUTO_FIXED
    amended = order_store().load(order_id_for("shopify", str(changed["id"])))
    assert amended.order.lines[0].quantity == changed["line_items"][0]["quantity"]


def test_one_run_per_shop_at_a_time(platform, aws) -> None:
    store = ReconciliationStore()
    assert store.acquire_lease("shopify", SHOP, "another-run", "someone-else", 300)
    assert run_channel_reconciliation(request(), ports(platform)).outcome == "deferred"
    assert platform.calls == []
    store.release_lease("shopify", SHOP, "someone-else")
    assert run_channel_reconciliation(request(), ports(platform)).outcome == "completed"


def test_an_incremental_run_moves_the_shops_cursor(platform, aws) -> None:
    run_channel_reconciliation(request(RunKind.INCREMENTAL), ports(platform))
    assert ReconciliationStore().cursor("shopify", SHOP) == WINDOW.iso()[1]


def test_api_runs_one_now_lists_it_and_downloads_its_report_as_csv_with_formulas_neutralised(platform, aws) -> None:
    missed = platform.generated[:2]
    missed[0]["line_items"][0]["sku"] = "=HYPERLINK(\"http://evil\")"  # a SKU oms does not know, shaped as a formula
    deliver_webhooks(platform.generated[2:])
    since, until = WINDOW.iso()
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps({"channel": "shopify", "shop": SHOP, "since": since, "until": until}))
    assert status == 202 and answer["state"] == "RUNNING"
    [message] = drain(client("sqs"), aws.queue_urls["reconciliation_runs"])
    assert RunRequest.model_validate_json(message["Body"]).run_id == answer["run_id"]
    run_channel_reconciliation(RunRequest.model_validate_json(message["Body"]), ports(platform))

    status, listed = api_request(api.handler, "GET", "/reconciliation/runs", "/reconciliation/runs")
    assert status == 200 and listed["runs"][0]["run_id"] == answer["run_id"]
    status, report = api_request(api.handler, "GET", "/reconciliation/runs/{run_id}", f"/reconciliation/runs/{answer['run_id']}", run_id=answer["run_id"])
    assert status == 200 and report["run"]["auto_fixed"] == 1 and report["run"]["needs_person"] == 1
    refused = next(d for d in report["differences"] if d["resolution"] == "needs_person")
    assert "intake refused it" in refused["detail"] and "no oms SKU" in refused["detail"]

    rows = list(csv.reader(io.StringIO(_csv(answer["run_id"]))))
    assert rows[0][:3] == ["run_id", "run_kind", "channel"] and len(rows) == 3
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    status, resolved = api_request(
        api.handler, "POST", "/reconciliation/runs/{run_id}/differences/{difference_id}/resolve",
        f"/reconciliation/runs/{answer['run_id']}/differences/{refused['difference_id']}/resolve",
        json.dumps({"by": "ops@example.com", "note": "mapped the SKU and re-sent"}), run_id=answer["run_id"], difference_id=refused["difference_id"],
    )
    assert status == 200 and resolved["resolution"] == "resolved_by_person"


def test_api_refuses_a_window_over_a_day_and_an_unknown_shop_naming_the_field(platform, aws) -> None:
    too_long = {"channel": "shopify", "shop": SHOP, "since": "2026-11-10T00:00:00Z", "until": "2026-11-12T00:00:00Z"}
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps(too_long))
    assert status == 422 and answer["errors"][0]["field"] == "until" and answer["errors"][0]["rule"] == "window"
    before_year_one = {**too_long, "since": "0001-01-01T00:00:00+08:00", "until": "0001-01-01T06:00:00+08:00"}  # UTC cannot hold since
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps(before_year_one))
    assert status == 422 and answer["errors"][0]["field"] == "since" and answer["errors"][0]["rule"] == "window"
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps({**before_year_one, "since": "2026-11-10T00:00:00Z"}))
    assert status == 422 and answer["errors"][0]["field"] == "until" and answer["errors"][0]["rule"] == "window"
    unknown = {**too_long, "shop": "nobody.myshopify.com", "until": "2026-11-10T06:00:00Z"}
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps(unknown))
    assert status == 422 and answer["errors"][0] == {**answer["errors"][0], "field": "shop", "rule": "unknown_shop"}


def test_api_refuses_a_window_that_ends_in_the_future_naming_until_and_a_zoneless_since_naming_since(platform, aws) -> None:
    # A window not over yet would complete now and be answered as finished for good (the same
    # window is the same run): orders modified later in it would never be read by asking again.
    now = datetime.now(UTC)
    today = {"channel": "shopify", "shop": SHOP, "since": (now - timedelta(hours=2)).isoformat(), "until": (now + timedelta(hours=2)).isoformat()}
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps(today))
    assert status == 422 and answer["errors"][0]["field"] == "until" and answer["errors"][0]["rule"] == "window"
    assert ReconciliationStore().list_runs(10, None)[0] == []  # nothing was stored
    zoneless_since = {**today, "since": "2026-11-10T00:00:00", "until": "2026-11-10T06:00:00Z"}
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps(zoneless_since))
    assert status == 422 and (answer["errors"][0]["field"], answer["errors"][0]["rule"]) == ("since", "window")
    past = {**today, "until": (now - timedelta(minutes=1)).isoformat()}
    status, answer = api_request(api.handler, "POST", "/reconciliation/runs", "/reconciliation/runs", json.dumps(past))
    assert status == 202


def _csv(run_id: str) -> str:
    from local.api_gateway import LocalRoute, proxy_event
    from tests.integration.conftest import context

    route = LocalRoute("GET", "/reconciliation/runs/{run_id}", "test", api.handler)
    event = proxy_event("GET", route, f"/reconciliation/runs/{run_id}", {"run_id": run_id}, {}, "format=csv", b"")
    answer = api.handler(event, context())
    assert answer["statusCode"] == 200 and answer["multiValueHeaders"]["Content-Type"][0].startswith("text/csv")
    return answer["body"]


def test_the_scheduler_asks_for_every_shops_run_and_the_runner_does_it_from_the_queue(platform, aws) -> None:
    from functions.reconciler.handler import handler as reconciler
    from functions.reconciliation_scheduler.handler import handler as scheduler
    from local.sqs_poller import lambda_record
    from tests.integration.conftest import context

    answer = scheduler({"kind": "nightly"}, context())
    assert answer["kind"] == "nightly" and len(answer["runs"]) == 1 and answer["unresolved_over_a_day"] == 0
    [message] = drain(client("sqs"), aws.queue_urls["reconciliation_runs"])
    asked = RunRequest.model_validate_json(message["Body"])
    assert (asked.channel, asked.shop, asked.kind) == ("shopify", SHOP, RunKind.NIGHTLY)
    assert asked.window.until - asked.window.since == timedelta(days=1)

    # The runner, fed the on-demand run of the fixture's window, pages through the fake platform.
    record = lambda_record({"MessageId": "m1", "ReceiptHandle": "r", "Body": request().model_dump_json(), "Attributes": {}, "MD5OfBody": ""}, aws.queue_arns["reconciliation_runs"], "us-east-1")
    assert reconciler({"Records": [record]}, context("reconciler")) == {"batchItemFailures": []}
    run = ReconciliationStore().run(request().run_id)
    assert run.state == RunState.COMPLETED and run.orders_seen == ORDERS and run.differences == {"missing_in_oms": ORDERS}

    poison = lambda_record({"MessageId": "m2", "ReceiptHandle": "r", "Body": '{"channel": "shopify"}', "Attributes": {}, "MD5OfBody": ""}, aws.queue_arns["reconciliation_runs"], "us-east-1")
    assert reconciler({"Records": [poison]}, context("reconciler")) == {"batchItemFailures": []}
    [dead] = drain(client("sqs"), aws.dead_letter_queue_urls["reconciliation_runs"], attributes=True)
    assert "not a run oms can do" in dead["MessageAttributes"]["reason"]["StringValue"]


def test_the_cli_function_runs_one_in_process_and_describes_it(platform, aws, tmp_path) -> None:
    from local.reconcile import describe, main, reconcile

    deliver_webhooks(platform.generated[1:])
    report = reconcile("shopify", SHOP, WINDOW.since, WINDOW.until)
    assert report["run"]["state"] == "COMPLETED" and report["run"]["auto_fixed"] == 1
    assert "missing_in_oms: 1" in describe(report)
    since, until = WINDOW.iso()
    out = tmp_path / "report.csv"
    assert main(["--channel", "shopify", "--shop", SHOP, "--since", since, "--until", until, "--csv", str(out)]) == 0  # the same run, done
    assert out.read_text("utf-8").count("missing_in_oms") == 1


def test_a_webhook_arriving_while_the_run_reads_is_not_counted_missing(platform, aws, monkeypatch) -> None:
    """A late webhook (oms lacks the order when the page is read, holds it when the run re-ingests
    it) is not a missed order: the run counts only what oms never received."""
    from shared.reconciliation.usecases import run_channel

    missed = platform.generated[3::9]
    late = missed[0]  # its webhook comes while the run reads oms's copies of its page
    deliver_webhooks([o for o in platform.generated if o not in missed])
    read = run_channel.oms_copies

    def read_then_the_late_webhook(orders, channel, external_ids):
        copies = read(orders, channel, external_ids)
        if external_id("shopify", late) in external_ids:
            deliver_webhooks([late])
        return copies

    monkeypatch.setattr(run_channel, "oms_copies", read_then_the_late_webhook)
    run = run_channel_reconciliation(request(), ports(platform)).run

    assert run.differences == {DifferenceKind.MISSING_IN_OMS.value: len(missed) - 1} and run.auto_fixed == len(missed) - 1
    subjects = {d.subject for d in ReconciliationStore().differences(run.run_id)}
    assert external_id("shopify", late) not in subjects and len(subjects) == len(missed) - 1
    assert len(stored_ids()) == ORDERS
