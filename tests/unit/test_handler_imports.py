"""Each handler imports only what it uses: a new Lambda container pays for every module its
handler loads (benchmarks/cold_import.py prints the CPU time). Imports run in a fresh interpreter,
so the packages other tests loaded do not hide a handler's own imports."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ROUTING = ("shared.routing.optimiser", "shared.routing.planner", "shared.routing.config", "shared.routing.costs")
REVIEW = ("shared.review", "shared.review_rules.compiler", "shared.review_rules.engine")
CHANNELS = ("shared.channels",)

# The heavy packages a handler needs; any other of them it loads is a regression.
USES = {
    "routing": ROUTING,
    # The policy in force and a candidate's checks read the configuration; the replay (planner,
    # optimiser, cost model) is imported by the what-if's first call, not at a cold start.
    "routing_api": ("shared.routing.config",),
    "reconciler": CHANNELS,  # a pulled order enters through the channel adapters
    "review": REVIEW,
    "rules_api": REVIEW,
    "intake": CHANNELS,
    "partner_intake": CHANNELS,
    "erp_import": CHANNELS,
    "backorder_release": ROUTING,  # routes and reserves the released orders itself, one at a time
    # merging_api prices separate plans against the merged one with the router, imported by the
    # first preview or merge (shared/merging/merge.price): reading, listing or unmerging needs none of it.
    "order_merger": ROUTING,
}


def _loaded(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


HANDLERS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


@pytest.mark.parametrize("name", HANDLERS)
def test_a_handler_loads_no_heavy_package_it_does_not_use(name):
    loaded = _loaded(f"functions.{name}.handler")
    allowed = set(USES.get(name, ()))
    for heavy in (*ROUTING, *REVIEW, *CHANNELS):
        if heavy not in allowed:
            assert heavy not in loaded, f"{name} imports {heavy}, which it does not use"


def test_parcel_updates_loads_neither_routing_nor_review():
    loaded = _loaded("functions.parcel_updates.handler")
    values = {"shared.routing.model", "shared.routing.network"}  # plain value classes and China's time zone
    assert not {m for m in loaded if m.startswith(("shared.routing.", "shared.review", "shared.channels"))} - values


def test_the_routing_package_still_exports_its_names_lazily():
    import shared.routing as routing

    assert routing.plan_order.__module__ == "shared.routing.planner"
    with pytest.raises(AttributeError):
        routing.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", ["intake", "notification", "orders_api", "operations_aggregator", "partner_intake"])
def test_a_handler_talks_to_aws_through_botocore_without_boto3(name):
    """boto3's session, resources and s3transfer cost every new container ~25 ms (decision 158);
    nor does an SQS handler load Powertools' data_classes package for its records."""
    loaded = _loaded(f"functions.{name}.handler")
    assert "boto3" not in loaded
    if name in ("partner_intake", "notification", "operations_aggregator"):
        assert "aws_lambda_powertools.utilities.data_classes" not in loaded


def test_every_handler_raises_the_collectors_threshold_before_its_first_other_import():
    # Decision 261: the init's imports ran the collector over and over (a quarter of a handler's own
    # import CPU); the threshold must be set before Powertools, pydantic and botocore load.
    import ast

    for path in sorted((ROOT / "functions").glob("*/handler.py")):
        imports = [n for n in ast.parse(path.read_text("utf-8")).body if isinstance(n, (ast.Import, ast.ImportFrom)) and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
        first = imports[0]
        assert isinstance(first, ast.Import) and [a.name for a in first.names] == ["shared.coldstart"], f"{path}: first import is line {first.lineno}"
    code = "import gc; import functions.merging_api.handler; print(gc.get_threshold()[0])"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert int(done.stdout.strip()) == 5_000


def test_the_aftersales_api_reads_refund_records_without_the_domain_events():
    # The refund records' line is its own module (shared/aftersales/lines.py): reading records and
    # returns does not define every domain event at a cold start (issue 11). The events keep the same class.
    assert "shared.events" not in _loaded("functions.aftersales_api.handler")
    from shared.aftersales.lines import RefundedLine
    from shared.events import InterceptRequested, OrderRefunded

    assert OrderRefunded.model_fields["lines"].annotation == list[RefundedLine]
    assert InterceptRequested.model_fields["lines"].annotation == list[RefundedLine]


# Answer models whose nested schemas (stored orders, refund records, routing decisions) their
# route's first call builds, not the cold start (issue 11); a SnapStart snapshot holds them built (decision 254).
DEFERRED_ANSWERS = {
    "routing_api": ("shared.routing_whatif.report.RoutingWhatIfReport",),
    "aftersales_api": ("functions.aftersales_api.handler.Returns", "shared.operations.order_aftersales.OrderAfterSales"),
    "operations_api": ("shared.operations.order_search.SearchResult",),
    "orders_api": ("functions.orders_api.handler.OrderPage", "shared.aftersales.view.AfterSalesView"),
}


@pytest.mark.parametrize("name", sorted(DEFERRED_ANSWERS))
def test_an_http_handler_leaves_its_big_answer_models_to_their_first_call(name):
    models = DEFERRED_ANSWERS[name]
    code = (
        f"import importlib, json; import functions.{name}.handler\n"
        f"found = {{m: importlib.import_module(m.rsplit('.', 1)[0]).__dict__[m.rsplit('.', 1)[1]].__pydantic_complete__ for m in {list(models)!r}}}\n"
        "print(json.dumps(found))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == dict.fromkeys(models, False)


def test_the_merging_api_loads_the_address_and_phone_keys_with_its_first_preview_or_merge():
    # shared.merging.groups (recent_orders' keys, the reference data's address fingerprint: ~4.6 ms)
    # only serves load_members: reading, listing and unmerging merges never compare members.
    loaded = _loaded("functions.merging_api.handler")
    assert not {"shared.merging.groups", "shared.recent_orders", "shared.reference"} & loaded


def test_the_inventory_store_loads_no_routing_network():
    # It needs China's time zone (shared.clock), not the routing network's dataclasses (~4 ms with
    # shared.geo): a dozen handlers build the inventory store and route nothing.
    loaded = _loaded("shared.aws.inventory_store")
    assert "shared.routing.network" not in loaded
    assert "shared.geo" not in loaded
