"""The console's stuck-order list (GET /operations/stuck, shared/operations/stuck.py) against the
definition, on moto: every stored order whose status has a limit and whose last change is older
than it, oldest first, the first `limit` of them. Orders are stored in the order store's real
layout (by_status shards, by_flow for the workflow statuses) and counted by the real aggregator,
so the gauges that let the list skip a status are the production ones."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from functions.operations_api.handler import handler as operations_api
from shared.aws import status_index
from shared.aws.dynamo import to_item
from shared.aws.order_listing import channel_key
from shared.aws.stores import order_store
from shared.lifecycle import OrderStatus
from shared.operations.domain import ALL, OrderChange, OrderImage
from shared.operations.health import Gauges
from shared.operations.limits import stage_limit_minutes
from shared.operations.store import OperationsStore
from shared.operations.stuck import may_be_stuck, stuck_orders
from shared.operations.usecases import aggregate
from local.api_gateway import LocalRoute, proxy_event
from tests.integration.conftest import api_request, context

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)
CHANNELS = ("tmall", "jd", "own_shop")
FINAL = ("DELIVERED", "CANCELLED", "REJECTED")


def at(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Orders:
    """Orders written as the order store lays them out (META with its index keys, the content
    item), and each one's history for the aggregator."""

    def __init__(self) -> None:
        self.metas: dict[str, dict] = {}
        self.changes: list[OrderChange] = []

    def put(self, n: int, status: str, updated: datetime, created: datetime | None = None, *, index_status: str | None = None) -> str:
        order_id = f"OMS-STUCK{n:06d}"
        channel = CHANNELS[n % len(CHANNELS)]
        created = created or updated
        keys, _ = status_index.key_fields(index_status or status, order_id)
        meta = {
            "pk": f"ORDER#{order_id}", "sk": "META", "order_id": order_id, "status": status, "version": 2,
            "created_at": at(created), "updated_at": at(updated), "fingerprint": "test", "channel_key": channel_key(channel, order_id), **keys,
        }
        content = {"pk": meta["pk"], "sk": "META#ORDER", "order": {"channel": channel, "external_id": f"EXT-{n}"}}
        db, table = order_store().db, order_store().table
        db.put_item(TableName=table, Item=to_item(meta))
        db.put_item(TableName=table, Item=to_item(content))
        self.metas[order_id] = meta
        first = OrderImage.of({**meta, "status": "RECEIVED", "version": 1, "updated_at": meta["created_at"], "order": {"channel": channel}})
        self.changes += [OrderChange(old=None, new=first), OrderChange(old=first, new=OrderImage.of({**meta, "order": {"channel": channel}}))]
        return order_id

    def expected(self, limit: int) -> list[tuple[str, str, str, str, str]]:
        """The definition, applied to every stored order."""
        limits = stage_limit_minutes()
        stuck = [
            (m["updated_at"], m["order_id"], m["status"], m["channel_key"].split("#")[0], f"EXT-{int(m['order_id'][-6:])}")
            for m in self.metas.values()
            if m["status"] in {s.value for s in limits}
            and m.get("status_key", m["status"]).split("#")[0] in (m["status"], "FLOW")
            and m["updated_at"] < at(NOW - timedelta(minutes=limits[OrderStatus(m["status"])]))
        ]
        return sorted(stuck)[:limit]


def listed(limit: int, gauges: Gauges | None = None) -> list[tuple[str, str, str, str, str]]:
    store = order_store()
    return [(s.since, s.order_id, s.status, s.channel, s.external_id) for s in stuck_orders(store.db, store.table, stage_limit_minutes(), NOW, limit, gauges)]


@pytest.fixture
def orders(aws) -> Orders:
    rng = random.Random(7)
    made = Orders()
    statuses = [s.value for s in stage_limit_minutes()] + list(FINAL)
    for n in range(160):  # every status, last changed from a minute to 12 days ago
        made.put(n, rng.choice(statuses), NOW - timedelta(minutes=rng.choice((1, 2, 5, 20, 45, 90, 150, 600, 1500, 3000, 4000, 17000))) - timedelta(seconds=n))
    # by_flow is ordered on created_at: orders created long ago that entered ROUTED a minute ago
    # (held, then approved) come first in every shard and are not stuck; the list reads past them.
    for n in range(200, 300):
        made.put(n, "ROUTED", NOW - timedelta(minutes=1), created=NOW - timedelta(days=3, seconds=n))
    made.put(300, "RECEIVED", NOW - timedelta(minutes=25))
    made.put(301, "APPROVED", NOW - timedelta(minutes=40))
    return made


@pytest.mark.parametrize("limit", [1, 5, 17, 200])
def test_the_list_is_every_order_past_its_limit_oldest_first(orders, limit):
    expected = orders.expected(limit)
    assert len(orders.expected(1000)) > 40  # enough stuck orders of several statuses to page
    assert listed(limit) == expected
    assert {s for _, _, s, _, _ in orders.expected(1000)} >= {"RECEIVED", "APPROVED", "ON_HOLD", "EXCEPTION", "BACKORDERED"}


@pytest.mark.parametrize("limit", [2, 200])
def test_a_workflow_order_behind_a_crowd_of_newly_routed_ones_is_listed(orders, limit):
    stuck_flow = [e for e in orders.expected(1000) if e[2] in status_index.FLOW_STATUSES]
    assert {"OMS-STUCK000300", "OMS-STUCK000301"} <= {order_id for _, order_id, _, _, _ in stuck_flow}
    found = {order_id for _, order_id, _, _, _ in listed(limit)}
    assert found == {order_id for _, order_id, _, _, _ in orders.expected(limit)}
    if limit == 2:
        return
    found = {order_id for _, order_id, _, _, _ in listed(200)}
    assert {"OMS-STUCK000300", "OMS-STUCK000301"} <= found
    assert not any(f"OMS-STUCK{n:06d}" in found for n in range(200, 300))


def test_an_index_entry_the_order_has_moved_on_from_is_not_listed(orders):
    # META says RELEASED an hour ago (within its 48 h), the index entry still says ON_HOLD since then.
    moved = orders.put(400, "RELEASED", NOW - timedelta(hours=3), index_status="ON_HOLD")
    assert moved not in {order_id for _, order_id, _, _, _ in listed(200)}
    assert listed(200) == orders.expected(200)


def test_the_gauges_skip_only_statuses_with_nothing_past_their_limit(orders):
    operations = OperationsStore()
    aggregate(orders.changes, operations, [f"{i:021d}" for i in range(1, len(orders.changes) + 1)])
    gauges = operations.gauges_of([ALL], NOW)[ALL]
    limits = stage_limit_minutes()
    skipped = {s.value for s, m in limits.items() if not may_be_stuck(gauges, s.value, at(NOW - timedelta(minutes=m)))}
    stuck_statuses = {s for _, _, s, _, _ in orders.expected(1000)}
    assert skipped and not skipped & stuck_statuses  # something was skipped, nothing stuck was
    for limit in (5, 200):
        assert listed(limit, gauges) == orders.expected(limit)


def test_may_be_stuck_reads_a_status_unless_its_buckets_prove_otherwise():
    before = "2026-12-01T10:07:33.000Z"
    inside = Gauges(open={"ON_HOLD": 2}, buckets={"ON_HOLD": {"2026-12-01T10:08": 1, "2026-12-01T11": 1}})
    assert not may_be_stuck(inside, "ON_HOLD", before)
    straddling = Gauges(open={"ON_HOLD": 2}, buckets={"ON_HOLD": {"2026-12-01T10:07": 1, "2026-12-01T11": 1}})
    assert may_be_stuck(straddling, "ON_HOLD", before)  # the 10:07 bucket may hold one from 10:07:10
    assert may_be_stuck(Gauges(open={"ON_HOLD": 3}, buckets=inside.buckets), "ON_HOLD", before)
    assert not may_be_stuck(Gauges(open={"ON_HOLD": 0, "SHIPPED": 1}, buckets={}), "ON_HOLD", before)
    assert may_be_stuck(Gauges(open={}, buckets={}), "ON_HOLD", before)  # never counted: read
    assert may_be_stuck(None, "ON_HOLD", before)
    assert may_be_stuck(Gauges(open={"RECEIVED": 0, "SHIPPED": 1}, buckets={}), "RECEIVED", before)  # by_flow: always read


def test_the_api_answers_the_list_with_the_limits(orders, monkeypatch):
    monkeypatch.setattr("functions.operations_api.handler.utc_now", lambda: NOW)
    status, body = api_request(operations_api, "GET", "/operations/stuck", "/operations/stuck", None)
    assert status == 200
    assert [(o["since"], o["order_id"], o["status"], o["channel"], o["external_id"]) for o in body["orders"]] == orders.expected(50)
    assert body["limits"]["ON_HOLD"] == 120 and body["orders"][0]["limit_minutes"] == stage_limit_minutes()[OrderStatus(body["orders"][0]["status"])]
    event = proxy_event("GET", LocalRoute("GET", "/operations/stuck", "test", operations_api), "/operations/stuck", {}, {}, "limit=3", b"")
    answer = operations_api(event, context())
    assert answer["statusCode"] == 200
    assert [o["order_id"] for o in json.loads(answer["body"])["orders"]] == [order_id for _, order_id, _, _, _ in orders.expected(3)]


@pytest.mark.parametrize("counted", [False, True])
def test_a_return_waiting_past_its_limit_is_listed_as_the_detector_escalates_it(orders, monkeypatch, counted):
    # RETURN_PENDING has a limit in cdk.json (decision 124) and the detector escalates it; the
    # aggregates do not count it, so their gauges must not make the list skip it either.
    from shared.recovery.policy import StuckPolicy
    from infra.topology import stuck_order_limits

    seconds, redrives = stuck_order_limits("local")
    assert OrderStatus.RETURN_PENDING in {status for status, _ in StuckPolicy.parse(seconds, redrives).scanned()}
    late = orders.put(500, "RETURN_PENDING", NOW - timedelta(seconds=seconds["RETURN_PENDING"] + 60), created=NOW - timedelta(days=20))
    recent = orders.put(501, "RETURN_PENDING", NOW - timedelta(seconds=seconds["RETURN_PENDING"] - 3600))
    if counted:
        aggregate(orders.changes, OperationsStore(), [f"{i:021d}" for i in range(1, len(orders.changes) + 1)])
    monkeypatch.setattr("functions.operations_api.handler.utc_now", lambda: NOW)
    event = proxy_event("GET", LocalRoute("GET", "/operations/stuck", "test", operations_api), "/operations/stuck", {}, {}, "limit=200", b"")
    answer = operations_api(event, context())
    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    listed_ids = [o["order_id"] for o in body["orders"]]
    assert late in listed_ids and recent not in listed_ids
    assert body["limits"]["RETURN_PENDING"] == seconds["RETURN_PENDING"] // 60
    [line] = [o for o in body["orders"] if o["order_id"] == late]
    assert line["status"] == "RETURN_PENDING" and line["limit_minutes"] == seconds["RETURN_PENDING"] // 60
