"""Status changes written without a transaction (decision 154), on moto: what a losing duplicate,
a crash between the writes or an old-layout order leaves behind never shows, and never replaces
what the winner wrote."""

from __future__ import annotations

import boto3
import pytest

from shared.aws import order_items, plain_transition
from shared.aws.stores import order_store
from shared.errors import VersionConflict
from shared.lifecycle import Actor, OrderStatus, transition_entry
from tests.integration.test_operations import STEPS, drive
from tests.integration.test_order_layout import _to_old_layout, raw

_LOSER = Actor.system("a losing duplicate")


def _routed_twice(order: dict) -> tuple[str, object]:
    """Routes an APPROVED order, then lets a duplicate that read it APPROVED try its own plan."""
    order_id = drive(order, "APPROVED")
    store = order_store()
    stale = store.load(order_id)
    STEPS["ROUTED"][0](order_id)
    winner = store.load(order_id)
    other = winner.plan.model_copy(update={"total_cost": winner.plan.total_cost + 7, "strategy": "loser"})
    entry = transition_entry(stale.status, OrderStatus.ROUTED, _LOSER, why="lost its race")
    with pytest.raises(VersionConflict):
        store.transition(stale, OrderStatus.ROUTED, entry, set_fields={"plan": other.model_dump(mode="json")})
    return order_id, winner


def _keys(order_id: str) -> list[str]:
    return [
        i["sk"]["S"]
        for i in boto3.client("dynamodb").query(
            TableName=order_store().table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": f"ORDER#{order_id}"}}
        )["Items"]
    ]


def test_a_losing_duplicate_neither_replaces_the_plan_nor_shows_in_the_timeline(seeded, shanghai_order):
    order_id, winner = _routed_twice(shanghai_order)
    store = order_store()
    assert store.load(order_id).plan == winner.plan
    timeline = store.details(order_id).timeline
    assert [e.to_status.value for e in timeline if e.kind == "transition"] == ["RECEIVED", "APPROVED", "ROUTED"]
    assert all(e.actor != _LOSER for e in timeline)
    # Its entry is there, an orphan nobody reads; its plan it deleted (decision 189). META adopted only the winner's.
    keys = _keys(order_id)
    meta = raw(order_id, "META")
    assert [k for k in keys if k.startswith(order_items.PLAN)] == [meta["plan_key"]]
    assert len([k for k in keys if k.startswith("TL#000003!")]) == 2
    assert len([k for k in meta["tl_keys"] if k.startswith("3!")]) == 1
    # The order goes on from the winner's plan.
    for stage in ("RESERVED", "RELEASED"):
        STEPS[stage][0](order_id)
    assert store.load(order_id).status == OrderStatus.RELEASED and store.load(order_id).plan == winner.plan


def test_a_crash_before_meta_leaves_an_entry_the_retry_supersedes(seeded, shanghai_order):
    order_id = drive(shanghai_order, "APPROVED")
    store = order_store()
    current = store.load(order_id)
    # A first attempt wrote its entry, then died before META (and one far ahead, by a confused writer).
    for version, why in ((current.version + 1, "crashed"), (current.version + 5, "ahead")):
        attribute = {"entry": transition_entry(current.status, OrderStatus.ROUTED, _LOSER, why=why).model_dump(mode="json")}
        boto3.client("dynamodb").put_item(
            TableName=store.table,
            Item={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": plain_transition.entry_sk(version, attribute)}, "entry": {"M": {}}},
        )
    STEPS["ROUTED"][0](order_id)  # the retry
    timeline = store.details(order_id).timeline
    assert [e.to_status.value for e in timeline if e.kind == "transition"] == ["RECEIVED", "APPROVED", "ROUTED"]
    assert all(e.actor != _LOSER for e in timeline)


def test_an_order_whose_plan_is_in_meta_plan_reads_it(seeded, shanghai_order):
    order_id = drive(shanghai_order, "ROUTED")
    store = order_store()
    before = store.load(order_id)
    _to_old_layout(order_id)  # plan on META, no plan_key, no tl_keys
    assert order_items.migrate_order_content(boto3.client("dynamodb"), store.table) == 1
    meta = raw(order_id, "META")
    assert "plan_key" not in meta and raw(order_id, order_items.PLAN)["plan"]
    assert store.load(order_id) == before  # META#PLAN, as stored before decision 154
    # (the helper drops the content item, which held the RECEIVED entry)
    assert [e.to_status.value for e in store.details(order_id).timeline if e.kind == "transition"] == ["APPROVED", "ROUTED"]


def test_a_transaction_that_sets_the_plan_takes_back_the_plain_plan_key(seeded, shanghai_order):
    order_id = drive(shanghai_order, "ROUTED")
    store = order_store()
    assert raw(order_id, "META")["plan_key"]
    # A refund back to RECEIVED clears the plan in a transaction: META#PLAN is in force again.
    current = store.load(order_id)
    entry = transition_entry(current.status, OrderStatus.RECEIVED, Actor.system("test"), why="plan cleared in a transaction")
    boto3.client("dynamodb").transact_write_items(TransactItems=store.transition_items(current, OrderStatus.RECEIVED, entry, set_fields={"plan": None}))
    assert store.load(order_id).plan is None and "plan_key" not in raw(order_id, "META")
    for stage in ("APPROVED", "ROUTED"):  # and routed again, plainly
        STEPS[stage][0](order_id)
    assert store.load(order_id).plan is not None and raw(order_id, "META")["plan_key"]
    statuses = [e.to_status.value for e in store.details(order_id).timeline if e.kind == "transition"]
    assert statuses == ["RECEIVED", "APPROVED", "ROUTED", "RECEIVED", "APPROVED", "ROUTED"]


def test_switched_off_a_change_is_one_transaction_as_before(seeded, shanghai_order, monkeypatch):
    monkeypatch.setenv(plain_transition.SWITCH_ENV, "0")
    order_id = drive(shanghai_order, "ROUTED")
    meta = raw(order_id, "META")
    assert "tl_keys" not in meta and "plan_key" not in meta and raw(order_id, order_items.PLAN)["plan"] and raw(order_id, "TL#000003")
    monkeypatch.delenv(plain_transition.SWITCH_ENV)
    for stage in ("RESERVED", "RELEASED"):  # switched on mid-flight: the same order reads on
        STEPS[stage][0](order_id)
    statuses = [e.to_status.value for e in order_store().details(order_id).timeline if e.kind == "transition"]
    assert statuses == ["RECEIVED", "APPROVED", "ROUTED", "RESERVED", "RELEASED"] and order_store().load(order_id).plan


def test_a_decided_hold_keeps_its_time_and_leaves_its_findings_to_the_timeline(seeded, shanghai_order):
    from shared.operations.domain import OrderImage
    from tests.integration.test_review_step import accept, review_of

    accept(shanghai_order)
    held = accept({**shanghai_order, "external_id": "SHOP-20261111-000002", "placed_at": "2026-11-11T00:12:00+08:00"})
    assert review_of(held)[0] == "ON_HOLD"
    store = order_store()
    current = store.load(held)
    assert current.hold and current.hold["findings"]
    store.transition(current, OrderStatus.APPROVED, transition_entry(current.status, OrderStatus.APPROVED, Actor.system("a reviewer")))
    meta = raw(held, "META")
    assert meta["hold"] == {"since": current.hold["since"]}  # META stays small for the changes to come
    assert OrderImage.of(meta).touched  # still an order a person decided on (operations' automation rate)
    entries = store.details(held).timeline
    assert next(e for e in entries if e.to_status == OrderStatus.ON_HOLD).details["findings"] == current.hold["findings"]


def test_a_resent_update_whose_first_send_committed_is_the_change_not_a_lost_race(seeded, shanghai_order):
    """The SDK resends an update whose answer was lost (a timeout after the commit); the resend fails
    its own version condition. The change is the caller's: META adopted this very entry."""
    order_id = drive(shanghai_order, "APPROVED")
    store = order_store()
    current = store.load(order_id)
    entry = transition_entry(current.status, OrderStatus.BACKORDERED, Actor.system("routing"), why="no stock")
    store.transition(current, OrderStatus.BACKORDERED, entry)
    again = store.transition(current, OrderStatus.BACKORDERED, entry)  # the same request, sent again
    assert again.status == OrderStatus.BACKORDERED and again.version == current.version + 1
    assert [e.to_status.value for e in store.details(order_id).timeline if e.kind == "transition"] == ["RECEIVED", "APPROVED", "BACKORDERED"]
    # Another attempt from the same stale read, with its own entry, lost its race.
    other = transition_entry(current.status, OrderStatus.BACKORDERED, _LOSER, why="lost its race")
    with pytest.raises(VersionConflict):
        store.transition(current, OrderStatus.BACKORDERED, other)


def _reroute(order_id: str, attempt: int) -> None:
    from functions.routing.handler import handler as routing
    from tests.integration.conftest import context

    assert routing({"order_id": order_id, "route_attempt": attempt}, context())["outcome"] == "ROUTED"


def test_a_re_routed_order_keeps_one_plan_item_the_one_meta_names(seeded, shanghai_order):
    """Decision 189: each re-route (a reservation that found the stock gone, a backorder cycle)
    deletes the plan it replaces, so `load` reads one plan, not every plan the order ever had."""
    order_id = drive(shanghai_order, "ROUTED")
    for attempt in (1, 2, 3):
        _reroute(order_id, attempt)
    meta = raw(order_id, "META")
    assert [k for k in _keys(order_id) if k.startswith(order_items.PLAN)] == [meta["plan_key"]]
    assert meta["plan_key"].startswith(f"{order_items.PLAN}!{meta['version']:06d}")
    assert order_store().load(order_id).plan is not None


def test_a_plan_written_in_place_is_deleted_when_a_plain_change_replaces_it(seeded, shanghai_order, monkeypatch):
    monkeypatch.setenv(plain_transition.SWITCH_ENV, "0")
    order_id = drive(shanghai_order, "ROUTED")  # the plan in META#PLAN, no plan_key
    monkeypatch.delenv(plain_transition.SWITCH_ENV)
    _reroute(order_id, 1)
    assert [k for k in _keys(order_id) if k.startswith(order_items.PLAN)] == [raw(order_id, "META")["plan_key"]]


class _Client:
    """The moto client, with one answer changed."""

    def __init__(self, **changed):
        self._real, self._changed = boto3.client("dynamodb"), changed

    def __getattr__(self, name):
        return self._changed.get(name) or getattr(self._real, name)


def test_a_read_that_missed_the_plan_meta_names_reads_again(seeded, shanghai_order):
    """A reader that met META before a re-route and the plan items after it (the plan META named
    deleted meanwhile) does not hand out a ROUTED order without its plan: it reads again."""
    order_id = drive(shanghai_order, "ROUTED")
    reads: list[int] = []

    def query(**kwargs):
        answer = boto3.client("dynamodb").query(**kwargs)
        reads.append(1)
        if len(reads) == 1:  # the first read misses the plan META names
            named = next(i["plan_key"]["S"] for i in answer["Items"] if i["sk"]["S"] == "META")
            answer = {**answer, "Items": [i for i in answer["Items"] if i["sk"]["S"] != named]}
        return answer

    store = type(order_store())(order_store().table, _Client(query=query))
    assert store.load(order_id).plan == order_store().load(order_id).plan is not None and len(reads) == 2
    reads.clear()
    assert store.details(order_id).order.plan is not None and len(reads) == 2


def test_a_plan_delete_that_fails_leaves_an_orphan_not_a_failed_change(seeded, shanghai_order):
    from botocore.exceptions import ClientError

    order_id = drive(shanghai_order, "ROUTED")
    replaced = raw(order_id, "META")["plan_key"]

    def delete_item(**_):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "DeleteItem")

    store = type(order_store())(order_store().table, _Client(delete_item=delete_item))
    current = store.load(order_id)
    entry = transition_entry(current.status, OrderStatus.ROUTED, Actor.system("routing"), why="stock gone, planned again")
    other = current.plan.model_copy(update={"strategy": "again"})
    assert store.transition(current, OrderStatus.ROUTED, entry, set_fields={"plan": other.model_dump(mode="json")}).version == current.version + 1
    assert store.load(order_id).plan == other and replaced in _keys(order_id)
