"""Lambda sizing (benchmarks/lambda_sizing.py): a paced stream consumer is sized for a full batch
of its event source mapping, scaled from the stored run's partial batches (decision 249)."""

import copy
import json

from benchmarks.aws_footprint import TALLY_FILE, priced
from benchmarks.footprint.recorder import Recorder
from benchmarks.lambda_sizing import PACED, _batch_budget_ms, sizing
from infra import topology

AGGREGATOR = "operations_aggregator"


def _stored() -> dict:
    return json.loads(TALLY_FILE.read_text("utf-8"))


def _batch_size() -> int:
    return topology.stream_consumer_of(AGGREGATOR).batch_size


def test_the_recorder_counts_the_records_of_each_batch_a_function_is_handed():
    recorder = Recorder()
    consumer = recorder.wrap(AGGREGATOR, lambda event, context: {"batchItemFailures": []})
    consumer({"Records": [{"n": 1}, {"n": 2}, {"n": 3}]}, None)
    consumer({"Records": [{"n": 4}]}, None)
    recorder.wrap("orders_api", lambda event, context: {"statusCode": 200})({"body": "{}"}, None)
    assert (recorder.tally.invocations[AGGREGATOR].count, recorder.tally.invocations[AGGREGATOR].records) == (2, 4)
    assert recorder.tally.invocations["orders_api"].records == 0


def test_the_stored_run_counts_the_records_its_batches_held():
    record = _stored()["tally"]["invocations"][AGGREGATOR]
    assert 0 < record["records"] <= record["count"] * _batch_size()


def test_a_paced_consumer_is_sized_for_a_full_batch_not_the_runs():
    stored = _stored()
    record = stored["tally"]["invocations"][AGGREGATOR]
    scale = max(1.0, _batch_size() / (record["records"] / record["count"]))
    row = sizing(stored)["functions"][AGGREGATOR]
    for mb, at in row["at"].items():
        trial = copy.deepcopy(stored)
        trial["memory_mb"] = {**(trial.get("memory_mb") or {}), AGGREGATOR: mb}
        assert at["duration_ms"] == priced(trial)["lambdas"][AGGREGATOR]["duration_ms"] * scale


def test_the_deployed_aggregator_counts_a_full_batch_before_a_peak_shard_fills_the_next():
    row = sizing(_stored())["functions"][AGGREGATOR]
    assert AGGREGATOR in PACED
    assert row["at"][row["deployed_mb"]]["duration_ms"] <= _batch_budget_ms(AGGREGATOR)


def test_a_tally_without_record_counts_leaves_a_rarely_called_consumer_unsized():
    stored = _stored()
    record = stored["tally"]["invocations"][AGGREGATOR]
    del record["records"]
    record["count"] = 1  # a batch or two in a run of orders: too few calls to size from
    assert AGGREGATOR not in sizing(stored)["functions"]
