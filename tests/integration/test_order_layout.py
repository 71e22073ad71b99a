"""The orders table's layout after decisions 90-92, on moto: a small META item rewritten by status
changes, the content and plan on their own items, the workflow's statuses in by_flow (entered and
left once), orders stored in the old layout still read and moved by the migrations, and the
outbox's pending key sharded."""

from __future__ import annotations

import boto3

from shared.aws import order_items, status_index
from shared.aws.dynamo import from_item, to_item
from shared.aws.order_store import OrderQuery
from shared.aws.stores import order_store
from shared.lifecycle import OrderStatus, TimelineEntry
from shared.orders import OrderIn
from shared.outbox.store import PENDING, OutboxStore
from tests.integration.test_operations import STEPS, drive
from tests.integration.test_workflow_steps import accept


def advance(order_id: str, to: str) -> str:
    """Runs the workflow's steps after the order's current status, up to `to`."""
    order = list(STEPS)
    for stage in order[order.index(order_store().load(order_id).status.value) + 1 :] if order_store().load(order_id).status.value in order else order:
        for step in STEPS[stage]:
            step(order_id)
        if stage == to:
            break
    assert order_store().load(order_id).status.value == to
    return order_id


def raw(order_id: str, sk: str) -> dict | None:
    store = order_store()
    item = boto3.client("dynamodb").get_item(TableName=store.table, Key=to_item({"pk": f"ORDER#{order_id}", "sk": sk})).get("Item")
    return from_item(item) if item else None


def test_meta_holds_the_state_and_the_content_and_plan_live_on_their_own_items(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    meta, content = raw(order_id, "META"), raw(order_id, order_items.CONTENT)
    assert "order" not in meta and "plan" not in meta and meta["status"] == "RECEIVED"
    assert content["order"]["channel"] == "own_shop" and ("entry" in content or "entry_z" in content)
    assert raw(order_id, "TL#000001") is None  # the RECEIVED entry is stored with the content
    advance(order_id, "RELEASED")
    meta = raw(order_id, "META")
    plan = raw(order_id, meta["plan_key"])  # routing's plan, under a key of its own (decision 154)
    assert "plan" not in meta and plan["plan"]["shipments"] and raw(order_id, order_items.PLAN) is None
    stored = order_store().load(order_id)
    assert stored.order.channel.value == "own_shop" and stored.plan is not None and stored.plan.shipments
    details = order_store().details(order_id)
    assert [e.to_status.value for e in details.timeline if e.kind == "transition"] == ["RECEIVED", "APPROVED", "ROUTED", "RESERVED", "RELEASED"]
    assert details.order.plan == stored.plan and details.order.order == stored.order


def test_workflow_statuses_are_in_by_flow_and_the_others_in_by_status(seeded, shanghai_order):
    order_id = drive(shanghai_order, "ROUTED")
    meta = raw(order_id, "META")
    assert meta["flow_key"] == status_index.flow_key(order_id) and "status_key" not in meta
    page, _ = order_store().list_orders(OrderQuery(status="ROUTED"))
    assert [o.order_id for o in page] == [order_id]
    assert order_store().list_orders(OrderQuery(status="APPROVED"))[0] == []  # the flow's entry, filtered
    assert order_store().count_in(OrderStatus.ROUTED) == 1 and order_store().count_in(OrderStatus.RESERVED) == 0
    later = "9999-01-01T00:00:00Z"
    assert [o.order_id for o in order_store().waiting_since(OrderStatus.ROUTED, later)] == [order_id]
    assert order_store().waiting_since(OrderStatus.ROUTED, meta["updated_at"]) == []  # updated since
    advance(order_id, "RELEASED")
    meta = raw(order_id, "META")
    assert meta["status_key"] == status_index.status_key("RELEASED", order_id) and "flow_key" not in meta
    assert [o.order_id for o in order_store().list_orders(OrderQuery(status="RELEASED"))[0]] == [order_id]
    assert order_store().list_orders(OrderQuery(status="ROUTED"))[0] == []


def _to_old_layout(order_id: str) -> None:
    """What an order stored before decisions 90 and 92 looks like: order and plan on META, its
    status in by_status whatever the status."""
    store = order_store()
    meta = raw(order_id, "META")
    meta["order"] = raw(order_id, order_items.CONTENT)["order"]
    plan_sk = meta.pop("plan_key", None) or order_items.PLAN  # no plan_key before decision 154
    plan = raw(order_id, plan_sk)
    if plan:
        meta["plan"] = plan["plan"]
    meta["status_key"] = status_index.status_key(meta["status"], order_id)
    meta.pop("flow_key", None)
    db = boto3.client("dynamodb")
    db.put_item(TableName=store.table, Item=to_item(meta))
    for sk in (order_items.CONTENT, plan_sk):
        db.delete_item(TableName=store.table, Key=to_item({"pk": f"ORDER#{order_id}", "sk": sk}))


def test_orders_in_the_old_layout_are_read_moved_on_and_migrated(seeded, shanghai_order):
    order_id = drive(shanghai_order, "ROUTED")
    before = order_store().load(order_id)
    _to_old_layout(order_id)
    assert order_store().load(order_id) == before  # read from META's own attributes
    store = order_store()
    db = boto3.client("dynamodb")
    assert status_index.migrate_flow_keys(db, store.table) == 1
    assert order_items.migrate_order_content(db, store.table) == 1
    assert order_items.migrate_order_content(db, store.table) == 0  # repeatable
    meta = raw(order_id, "META")
    assert "order" not in meta and "plan" not in meta and "status_key" not in meta and meta["flow_key"]
    assert order_store().load(order_id) == before
    advance(order_id, "RELEASED")


def test_an_old_layout_order_moves_its_content_when_a_transition_sets_it(seeded, shanghai_order):
    order_id = drive(shanghai_order, "APPROVED")
    _to_old_layout(order_id)
    advance(order_id, "ROUTED")  # routing writes the plan item, drops META's
    meta = raw(order_id, "META")
    assert "plan" not in meta and "status_key" not in meta and meta["flow_key"]
    assert order_store().load(order_id).plan is not None and raw(order_id, meta["plan_key"])


def test_a_retried_intake_after_a_crash_between_content_and_meta_creates_the_order_once(seeded, shanghai_order):
    order_id = accept(shanghai_order)
    store = order_store()
    boto3.client("dynamodb").delete_item(TableName=store.table, Key=to_item({"pk": f"ORDER#{order_id}", "sk": "META"}))
    content = raw(order_id, order_items.CONTENT)
    entry = TimelineEntry.model_validate(content["entry"]) if "entry" in content else None
    assert entry is not None
    again, created = store.create(OrderIn.model_validate(content["order"]), entry)
    assert created and again.order_id == order_id and store.load(order_id).status == OrderStatus.RECEIVED
    assert store.create(OrderIn.model_validate(content["order"]), entry)[1] is False


def test_outbox_pending_keys_are_sharded_and_the_unsharded_ones_still_swept(seeded, shanghai_order):
    order_id = drive(shanghai_order, "RESERVED")
    from tests.integration.test_outbox import pending_message

    message = pending_message("OMS-LEGACY", created_at="2020-01-01T00:00:00Z")
    [item] = OutboxStore().all_of("OMS-LEGACY")
    assert item["outbox_key"].startswith(f"{PENDING}#")
    boto3.client("dynamodb").update_item(
        TableName=OutboxStore().table, Key=to_item({"pk": "ORDER#OMS-LEGACY", "sk": f"OUTBOX#{message.message_id}"}),
        UpdateExpression="SET outbox_key = :p", ExpressionAttributeValues={":p": {"S": PENDING}},
    )
    assert [m.message_id for m in OutboxStore().pending_before("2021-01-01T00:00:00Z")] == [message.message_id]
    assert order_id


def test_the_partition_read_is_the_order_merged_from_its_items_and_a_missing_order_is_not_found(seeded, shanghai_order):
    import pytest

    from shared.errors import OrderNotFound

    order_id = advance(accept(shanghai_order), "RELEASED")
    items, by_sk, merged = order_store().partition(order_id)
    assert {i["sk"] for i in items} == set(by_sk) >= {"META", order_items.CONTENT}
    assert any(sk.startswith(order_items.PLAN) for sk in by_sk)  # META#PLAN, or a version's plan META names (decision 154)
    assert merged["order"]["channel"] == "own_shop" and merged["plan"]["shipments"]  # META with its content and plan
    assert order_store().details(order_id).order == order_store().load(order_id)
    with pytest.raises(OrderNotFound):
        order_store().partition("no-such-order")
