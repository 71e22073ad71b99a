"""The local runtime keeps its state across a restart: orders, stock, rule sets and queued
messages come back from the data folder; an order whose run the stop cut off is re-driven and
ends RELEASED. (`empty` is tested in test_stuck_orders.py, on the runtime it starts anyway.)"""

from __future__ import annotations

import copy
import json
import time

from local import persistence
from local.demo import http
from local.runtime import LocalRuntime
from local.seed import load_seed
from shared.aws.stores import inventory_store, order_store, rule_set_store
from shared.orders import OrderIn
from shared.review import default_document
from shared.usecases.accept_order import accept_order
from shared.usecases.review_order import review_order
from tests.conftest import load_event
from tests.e2e.conftest import post_order, unique
from tests.recovery.conftest import FAST_RECOVERY, wait_for_status
from tests.e2e.test_review_rules import rules


def test_state_survives_a_restart_and_a_cut_off_order_is_redriven_to_released(tmp_path):
    shanghai = load_event("orders/01_own_shop_shanghai.json")
    with LocalRuntime(data_dir=tmp_path, **FAST_RECOVERY) as first:
        load_seed()
        released = post_order(first, unique(shanghai))
        wait_for_status(first.api_url, released, "RELEASED")
        document = copy.deepcopy(default_document())
        status, stored = rules(first, "POST", "/rulesets", {"document": document, "comment": "kept across restarts", "activate": False})
        assert status == 201, stored
        # Cut off: reviewed, then the process stops before any run takes it further.
        cut_off = OrderIn.model_validate(unique(shanghai))
        accept_order(cut_off, order_store(), lambda _: None)
        review_order(cut_off.order_id, order_store())
        tea = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH")
        notes_waiting = first.queue_depth("wms_outbound")
        versions = [v.version for v in rule_set_store().versions()]
    assert (tmp_path / persistence.SNAPSHOT_FILE).exists() and not (tmp_path / persistence.RUNTIME_FILE).exists()

    with LocalRuntime(data_dir=tmp_path, **FAST_RECOVERY) as second:
        assert second.restored is not None and second.restored.items["orders"] > 0
        assert json.loads((tmp_path / persistence.RUNTIME_FILE).read_text())["api_url"] == second.api_url
        status, details = http("GET", f"{second.api_url}/orders/{released}")
        assert status == 200 and details["order"]["status"] == "RELEASED" and details["outbound_notes"]
        assert inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH").on_hand == tea.on_hand
        assert [v.version for v in rule_set_store().versions()] == versions
        finished = wait_for_status(second.api_url, cut_off.order_id, "RELEASED")
        assert any(e["actor"]["name"] == "stuck-order-detector" for e in finished["timeline"])
        now = inventory_store().stock_record("TEA-LONGJING-250G", "WH-SH")
        assert (now.on_hand, now.reserved) == (tea.on_hand, tea.reserved + 2)  # its two tins, once
        # kept (the WMS has not pulled them) plus its note, which the outbox sends just after RELEASED is written
        deadline = time.monotonic() + 15
        while second.queue_depth("wms_outbound") < notes_waiting + 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert second.queue_depth("wms_outbound") == notes_waiting + 1
