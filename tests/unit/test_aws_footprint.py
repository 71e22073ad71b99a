"""The AWS footprint model (benchmarks/footprint/): capacity units as DynamoDB bills them, and the
docs' capacity and cost figures equal to what the model computes from the stored, counted run."""

import json

import pytest

from benchmarks.aws_footprint import RESULT_FILE, TALLY_FILE, priced
from benchmarks.footprint.report import doc_block, markdown
from benchmarks.footprint.units import IndexShape, TableShape, item_size, price_write, read_units, write_units

TABLE = TableShape(
    "orders",
    "pk",
    "sk",
    (
        IndexShape("by_status", "status_key", "updated_at", ()),  # keys only
        IndexShape("by_channel", "channel_key", "created_at", None),  # all
        IndexShape("by_buyer", "buyer_key", "placed_key", ("lines_key",)),  # include
    ),
)


def _item(status: str, updated: str, note: str = "x") -> dict:
    return {
        "pk": {"S": "ORDER#1"},
        "sk": {"S": "META"},
        "status_key": {"S": status},
        "updated_at": {"S": updated},
        "channel_key": {"S": "tmall#1"},
        "created_at": {"S": "2026-11-11T00:00:00Z"},
        "buyer_key": {"S": "tmall#b"},
        "placed_key": {"S": "2026-11-11T00:00:00Z"},
        "lines_key": {"S": "abc"},
        "note": {"S": note * 1500},
    }


def test_item_size_counts_names_and_values():
    assert item_size({"ab": {"S": "xyz"}}) == 5
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + 1 + 1 + 1
    assert write_units(1024) == 1 and write_units(1025) == 2
    assert read_units(4096, consistent=False) == 0.5 and read_units(4097, consistent=True) == 2


def test_a_new_item_writes_every_index_it_has_keys_for():
    priced = price_write(TABLE, None, _item("RECEIVED", "t1"), transactional=True)
    assert priced.table_units == 2 * 2  # 1.6 KB, in a transaction
    assert sorted((i, k) for i, k, _ in priced.index_units) == [("by_buyer", "tmall#b"), ("by_channel", "tmall#1"), ("by_status", "RECEIVED")]
    units = {i: u for i, _, u in priced.index_units}
    assert units == {"by_status": 1, "by_channel": 2, "by_buyer": 1}  # projections decide the size


def test_a_status_change_double_writes_the_changed_key_and_rewrites_only_all_projections():
    priced = price_write(TABLE, _item("RECEIVED", "t1"), _item("APPROVED", "t2"), transactional=False)
    writes = sorted((i, k, u) for i, k, u in priced.index_units)
    # by_status: delete from RECEIVED, put into APPROVED; by_channel (ALL) rewritten in place;
    # by_buyer (INCLUDE lines_key) untouched: nothing it projects changed.
    assert writes == [("by_channel", "tmall#1", 2), ("by_status", "APPROVED", 1), ("by_status", "RECEIVED", 1)]


def test_the_stored_model_output_is_what_the_model_computes_from_the_stored_counts():
    stored = json.loads(TALLY_FILE.read_text("utf-8"))
    expected = json.loads(RESULT_FILE.read_text("utf-8"))
    result = json.loads(json.dumps(priced(stored, expected["rate"]), default=str))
    assert result == expected


def test_the_architecture_docs_show_the_models_figures():
    expected = json.loads(RESULT_FILE.read_text("utf-8"))
    assert doc_block() == markdown(expected), "docs/architecture.md disagrees with the model: run python -m benchmarks.aws_footprint --write-docs"


@pytest.mark.parametrize("shards,limit_share", [(8, 1 / 3)])
def test_no_shared_partition_key_takes_more_than_a_third_of_its_limit_at_the_peak(shards, limit_share):
    expected = json.loads(RESULT_FILE.read_text("utf-8"))
    assert expected["assumed"]["status_shards"] == shards
    for key in expected["hot_keys"]:
        # One SKU's stock, and its stock-push mark (keyed by the SKU's hash): they follow the SKU
        # mix, not the order rate (hot SKUs: bucketed stock; the mark's rate is reported apart).
        if not key["key"].startswith(("STOCK#", "CHANGED#")):
            assert key["of_partition_limit"] <= limit_share + 0.05, key  # +5%: the sample's hash spread


def test_a_write_sharded_key_is_priced_as_its_family_spread_over_its_shards():
    from benchmarks.footprint.model import model
    from shared.aws.status_index import FLOW_SHARDS

    # 10 orders, each writing 2 units on its by_flow shard; the run hit only two shards.
    tally = {"calls": [], "invocations": {}, "messages": [], "read_units": [], "write_units": [["orders", "by_flow", "FLOW#3", 12], ["orders", "by_flow", "FLOW#7", 8]]}
    result = model(tally, 10, rate=1200.0)
    [hot] = [h for h in result["hot_keys"] if h["index"] == "by_flow"]
    assert hot["key"] == "FLOW" and hot["wcu_per_s"] == pytest.approx(20 / 10 * 1200 / FLOW_SHARDS)


def test_a_stock_mark_key_is_bounded_by_the_debounce_of_the_containers_that_mark():
    from benchmarks.footprint.model import model
    from shared.writeback.stock_marks import MARK_EVERY_SECONDS

    # 10 orders, 30 mark writes of 2 SKUs on one key; inventory_lock ran 10 times, 50 ms of CPU each.
    invocations = {"inventory_lock": {"count": 10, "cpu_s": 0.5, "wall_s": 1.0, "event_bytes": 0, "result_bytes": 0, "log_bytes": 0}}
    tally = {
        "calls": [],
        "invocations": invocations,
        "messages": [],
        "read_units": [],
        "write_units": [["channel_sync", "", "CHANGED#3", 30]],
        "write_units_by_operation": [["channel_sync", "", "inventory_lock", "UpdateItem", "CHANGED/*", 30]],
        "key_items": [["channel_sync", "CHANGED#3", 2]],
    }
    result = model(tally, 10, rate=1200.0)
    [hot] = [h for h in result["hot_keys"] if h["key"] == "CHANGED#3"]
    containers = result["lambdas"]["inventory_lock"]["concurrency"]
    assert 1 < containers < 1200  # 1 per order at 1,200 orders/s, each a few ms
    assert hot["wcu_per_s"] == pytest.approx(2 * containers / MARK_EVERY_SECONDS)
    assert hot["wcu_per_s"] < 30 / 10 * 1200  # under the linear figure
    unbounded = model({**tally, "key_items": []}, 10, rate=1200.0)
    assert [h["wcu_per_s"] for h in unbounded["hot_keys"] if h["key"] == "CHANGED#3"] == [pytest.approx(3600)]  # a run before key_items: linear


def test_the_local_server_s_work_in_a_handler_s_thread_is_not_the_handler_s_cpu():
    """The in-process transport runs moto in the caller's thread; on AWS that work is the
    service's, so the recorder measures it apart and leaves it out of the function's CPU."""
    import time

    import botocore.awsrequest

    from benchmarks.footprint.recorder import Recorder
    from local import transport

    def burn(seconds: float) -> None:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    def server(environ, start_response):
        burn(0.06)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    endpoint = "http://127.0.0.1:1"
    request = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=b"{}", headers={}).prepare()

    def handler(event, context):
        burn(0.02)
        transport._send(None, request)
        return {}

    recorder = Recorder()
    transport.install(server, endpoint)
    try:
        recorder.wrap("f", handler)({}, None)
    finally:
        transport.uninstall(endpoint)
    record = recorder.tally.invocations["f"]
    assert record.server_cpu_s >= 0.06 and 0.02 <= record.cpu_s < 0.05
