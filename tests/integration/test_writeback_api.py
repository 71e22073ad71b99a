"""Per-channel write-back queues and the failed write-backs' API (decision 123): each platform's
write-backs wait in their own queue (a platform down holds back nobody else's), and operations
list the failed ones and redrive one or all of a channel over HTTP, as the CLI does."""

from __future__ import annotations

import json

from functions.aftersales_api.handler import handler as aftersales_api
from shared.aws.clients import client
from shared.aws.stores import order_store
from shared.writeback.aws import queues
from shared.writeback.aws.stores import channel_sync_store
from shared.writeback.channels import queue_key, queue_keys
from shared.writeback.domain import MAX_ATTEMPTS, WriteBackState
from shared.writeback.usecases.request import request_writeback
from tests.integration import test_writeback_delivery as delivery
from tests.integration.conftest import api_request, drain
from tests.integration.test_writeback_delivery import deliver_queued, fake, shipped_order  # noqa: F401 (fixture)


def test_each_platform_has_its_own_queue_and_the_event_channels_share_one(aws):
    assert [queue_key(c) for c in ("shopify", "tmall", "jd", "douyin", "erp", "partner")] == ["writeback_shopify", "writeback_tmall", "writeback_jd", "writeback_douyin", "channel_writeback", "channel_writeback"]
    queues.send("tmall", {"kind": "writeback", "writeback_id": "WB-T"})
    queues.send("jd", {"kind": "writeback", "writeback_id": "WB-J"})
    found = {key: [json.loads(m["Body"])["writeback_id"] for m in drain(client("sqs"), aws.queue_urls[key])] for key in queue_keys()}
    assert found == {"writeback_shopify": [], "writeback_tmall": ["WB-T"], "writeback_jd": ["WB-J"], "writeback_douyin": [], "channel_writeback": []}


def fail_for_good(fake, aws, monkeypatch, tid: str) -> str:  # noqa: F811
    monkeypatch.setattr(delivery, "TID", tid)  # another platform order
    order_id = shipped_order()
    request_writeback(order_id, "WH-GZ", order_store(), channel_sync_store(), queues.send)
    fake.fail("tmall", times=MAX_ATTEMPTS, status=500)
    for _ in range(MAX_ATTEMPTS):
        deliver_queued(aws)
    return f"WB-{order_id.removeprefix('OMS-')}-WH-GZ"


def test_operations_list_the_failed_write_backs_and_redrive_one_or_all_over_the_api(aws, fake, monkeypatch):  # noqa: F811
    writeback_id, second = fail_for_good(fake, aws, monkeypatch, "3891207745120938812"), fail_for_good(fake, aws, monkeypatch, "3891207745120938813")
    drain(client("sqs"), aws.dead_letter_queue_urls["writeback_tmall"])  # its DLQ holds it, with the reason

    status, listed = api_request(aftersales_api, "GET", "/operations/writebacks", "/operations/writebacks")
    assert status == 200 and sorted(w["writeback_id"] for w in listed["writebacks"]) == [writeback_id, second]
    assert listed["writebacks"][0]["attempts"] == MAX_ATTEMPTS and "500" in listed["writebacks"][0]["last_error"]

    path = f"/operations/writebacks/{writeback_id}/redrive"
    status, record = api_request(aftersales_api, "POST", "/operations/writebacks/{writeback_id}/redrive", path, json.dumps({"reason": "token renewed"}), writeback_id=writeback_id)
    assert status == 200 and record["state"] == "PENDING" and record["attempts"] == 0
    status, refused = api_request(aftersales_api, "POST", "/operations/writebacks/{writeback_id}/redrive", path, json.dumps({}), writeback_id=writeback_id)
    assert status == 409 and refused["errors"][0] == {"field": "writeback_id", "rule": "not_failed", "message": refused["errors"][0]["message"]}
    status, missing = api_request(aftersales_api, "POST", "/operations/writebacks/{writeback_id}/redrive", "/operations/writebacks/WB-NONE/redrive", json.dumps({}), writeback_id="WB-NONE")
    assert status == 404, missing
    deliver_queued(aws)  # the platform takes it now
    assert channel_sync_store().get(writeback_id).state == WriteBackState.DONE, channel_sync_store().get(writeback_id)
    assert any(e.cause == "write-back to tmall redriven" for e in order_store().details(channel_sync_store().get(writeback_id).order_id).timeline)

    status, answer = api_request(aftersales_api, "POST", "/operations/writebacks/redrive", "/operations/writebacks/redrive", json.dumps({"channel": "jd"}))
    assert (status, answer) == (200, {"redriven": [], "skipped": []})  # another channel's: untouched
    status, answer = api_request(aftersales_api, "POST", "/operations/writebacks/redrive", "/operations/writebacks/redrive", json.dumps({"channel": "tmall", "reason": "platform back"}))
    assert (status, answer) == (200, {"redriven": [second], "skipped": []})
    status, bad = api_request(aftersales_api, "POST", "/operations/writebacks/redrive", "/operations/writebacks/redrive", json.dumps({"channel": "myspace"}))
    assert status == 400 and bad["errors"][0]["field"].endswith("channel")
