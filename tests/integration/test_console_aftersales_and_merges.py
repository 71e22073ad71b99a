"""The console's after-sales and 合单 reads (decisions 132 and 134): an order's after-sales in one
answer, each section from the record that holds it (a refund intercepted on a merged shipment, the
FAILED write-back of a parcel with its reason), and the open merges with their members and saving."""

from __future__ import annotations

import json

from functions.aftersales_api.handler import handler as aftersales_api
from functions.merging_api.handler import handler as merging_api
from shared.aftersales.usecases.apply_refund import apply_refund
from shared.aftersales.usecases.intercept import InterceptAnswer, answer_intercept
from shared.aws.stores import order_store
from shared.writeback.aws import queues
from shared.writeback.aws.stores import channel_sync_store
from shared.writeback.domain import MAX_ATTEMPTS
from shared.writeback.usecases.request import request_writeback
from tests.integration import test_writeback_delivery as delivery
from tests.integration.conftest import api_request
from tests.integration.test_aftersales_stages import deps, seeded_queue  # noqa: F401 (fixture)
from tests.integration.test_merged_refund_intercept import CHANNEL, refund_of, released_merge
from tests.integration.test_order_merging import approved
from tests.integration.test_writeback_delivery import deliver_queued, fake, shipped_order  # noqa: F401 (fixture)


def after_sales(order_id: str) -> tuple[int, dict]:
    path = f"/operations/orders/{order_id}/aftersales"
    return api_request(aftersales_api, "GET", "/operations/orders/{order_id}/aftersales", path, order_id=order_id)


def merges() -> dict:
    status, answer = api_request(merging_api, "GET", "/operations/merges", "/operations/merges")
    assert status == 200, answer
    return answer


def test_an_order_with_nothing_after_sales_has_empty_sections_and_an_unknown_one_is_404(deps, shanghai_order):  # noqa: F811
    order_id = approved(shanghai_order, 61)
    status, view = after_sales(order_id)
    assert status == 200, view
    assert (view["status"], view["channel"], view["writeback_needed"]) == ("APPROVED", "own_shop", False)
    assert [view[k] for k in ("refunds", "intercepts", "returns", "writebacks", "notices")] == [[], [], [], [], []]
    status, missing = after_sales("OMS-NOPE")
    assert status == 404, missing


def test_a_merge_is_listed_open_until_a_member_refund_is_intercepted_and_each_side_shows_it(deps, shanghai_order):  # noqa: F811
    first, second, shipment_id, record = released_merge(shanghai_order, 63)
    [listed] = [m for m in merges()["merges"] if m["merge_id"] == record["merge_id"]]
    assert listed["members"] == record["members"] and sorted(record["members"]) == sorted([first, second]) and listed["shipment_order_id"] == shipment_id
    assert listed["shipment_status"] == "RELEASED" and listed["plan"]["saving"] == record["plan"]["saving"]
    assert "节省" in listed["plan"]["explanation"]["zh"] and "saves" in listed["plan"]["explanation"]["en"]

    assert apply_refund(refund_of(63, "RF-V1", whole_order=True), CHANNEL, deps) == "intercept_requested"
    [note] = order_store().details(shipment_id).outbound_notes
    _, view = after_sales(first)
    [refund] = view["refunds"]
    assert (refund["refund_id"], refund["outcome"], refund["merged_into"]) == ("RF-V1", "intercept_requested", shipment_id)
    assert view["intercepts"] == [{"refund_id": "RF-V1", "note_id": note.note_id, "answer": "requested", "merged_into": shipment_id}]

    answer_intercept(InterceptAnswer(order_id=shipment_id, warehouse_id=note.warehouse_id, note_id=note.note_id, refund_id="RF-V1", outcome="intercepted"), "wms.jiading", deps)
    _, view = after_sales(first)
    assert view["status"] == "CANCELLED" and view["intercepts"][0]["answer"] == "intercepted"
    _, shipment = after_sales(shipment_id)
    assert [r["for_member"] for r in shipment["refunds"]] == [first]  # the shipment carries the member's refund
    # The merge goes on with the other member alone: still open, the cancelled member gone from it.
    [listed] = [m for m in merges()["merges"] if m["merge_id"] == record["merge_id"]]
    assert listed["members"] == [second]


def test_a_parcels_failed_write_back_shows_on_its_order_with_the_reason(aws, fake, monkeypatch):  # noqa: F811
    monkeypatch.setattr(delivery, "TID", "3891207745120938899")
    order_id = shipped_order()
    request_writeback(order_id, "WH-GZ", order_store(), channel_sync_store(), queues.send)
    fake.fail("tmall", times=MAX_ATTEMPTS, status=500)
    for _ in range(MAX_ATTEMPTS):
        deliver_queued(aws)
    status, view = after_sales(order_id)
    assert status == 200 and view["channel"] == "tmall" and view["writeback_needed"] is True
    [writeback] = [w for w in view["writebacks"] if w["warehouse_id"] == "WH-GZ"]
    assert (writeback["state"], writeback["attempts"]) == ("FAILED", MAX_ATTEMPTS) and "500" in writeback["last_error"]
    assert writeback["writeback_id"] == f"WB-{order_id.removeprefix('OMS-')}-WH-GZ"


def test_each_redrive_keeps_its_reason_in_the_orders_timeline(aws, fake, monkeypatch):  # noqa: F811
    monkeypatch.setattr(delivery, "TID", "3891207745120938898")
    order_id = shipped_order()
    request_writeback(order_id, "WH-GZ", order_store(), channel_sync_store(), queues.send)
    writeback_id = f"WB-{order_id.removeprefix('OMS-')}-WH-GZ"
    for n, (path, body) in enumerate(((f"/operations/writebacks/{writeback_id}/redrive", {"reason": "店铺授权已更新"}), ("/operations/writebacks/redrive", {"channel": "tmall", "reason": "平台恢复"}))):
        fake.fail("tmall", times=MAX_ATTEMPTS, status=500)
        for _ in range(MAX_ATTEMPTS):
            deliver_queued(aws)
        template = "/operations/writebacks/{writeback_id}/redrive" if n == 0 else path
        status, answer = api_request(aftersales_api, "POST", template, path, json.dumps(body, ensure_ascii=False), writeback_id=writeback_id)
        assert status == 200, answer
    redrives = [e for e in order_store().details(order_id).timeline if e.cause == "write-back to tmall redriven"]
    assert sorted(e.details["reason"] for e in redrives) == sorted(["店铺授权已更新", "平台恢复"])


class _RecordingDb:
    """The DynamoDB client, with the keys each batch read asked for and whether it projected."""

    def __init__(self, db):
        self.db, self.batch_reads = db, []

    def __getattr__(self, name):
        return getattr(self.db, name)

    def batch_get_item(self, RequestItems):  # noqa: N803 (boto3's name)
        for wanted in RequestItems.values():
            self.batch_reads.append(([k["pk"]["S"] + "|" + k["sk"]["S"] for k in wanted["Keys"]], "ProjectionExpression" in wanted))
        return self.db.batch_get_item(RequestItems=RequestItems)


def test_the_open_merges_read_their_members_merge_ids_by_projection_not_the_members_orders(deps, shanghai_order):  # noqa: F811
    import boto3

    from shared.aws.order_store import OrderStore
    from shared.merging.open_merges import open_merges

    first, second, shipment_id, record = released_merge(shanghai_order, 64)
    recording = _RecordingDb(boto3.client("dynamodb"))
    listed = open_merges(OrderStore(order_store().table, recording))
    assert record["merge_id"] in [m.merge_id for m in listed.merges]
    member_keys = {f"ORDER#{first}", f"ORDER#{second}"}
    member_reads = [(keys, projected) for keys, projected in recording.batch_reads if {k.split("|")[0] for k in keys} & member_keys]
    assert member_reads and all(projected and all(k.endswith("|META") for k in keys) for keys, projected in member_reads)  # no content, no plan
