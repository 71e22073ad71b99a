"""The `oms` command against the running local runtime, in process (click's runner): tables for
people, --json for scripts, Chinese as Chinese, errors in the API's shape, the ERP import in
parts with the per-row report in the file's own row numbers."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from local.channel_samples import csv_sample
from shared.review import DEFAULT_RULES_FILE as DEFAULT_RULES
from oms_cli import imports, operations, rules  # noqa: F401  (their commands join the group)
from oms_cli.imports import parts
from oms_cli.main import cli
from tests.e2e.conftest import post_order, settle, unique


def oms(runtime, *args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, ["--api", runtime.api_url, *args], catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def test_orders_list_show_and_json_print_chinese_as_chinese(runtime, shanghai_order):
    order = unique(shanghai_order)
    order_id = post_order(runtime, order)
    settle(runtime, order_id)
    shown = oms(runtime, "orders", "show", order_id)
    assert order_id in shown and order["receiver"]["city"] in shown
    listed = json.loads(oms(runtime, "--json", "orders", "list", "--customer", order["buyer"]["buyer_id"]))
    assert [o["order_id"] for o in listed["orders"]] == [order_id]
    assert order_id in oms(runtime, "orders", "list", "--customer", order["buyer"]["buyer_id"])


def test_an_unknown_order_prints_the_api_error_and_exits_1(runtime):
    result = CliRunner().invoke(cli, ["--api", runtime.api_url, "orders", "show", "OMS-NONE"])
    assert result.exit_code == 1 and "HTTP 404" in result.output and "not_found" in result.output


def test_an_unreachable_api_exits_2_saying_so(runtime):
    result = CliRunner().invoke(cli, ["--api", "http://127.0.0.1:9", "orders", "show", "x"])
    assert result.exit_code == 2 and "cannot reach" in result.output


def test_csv_export_neutralises_formula_like_cells(runtime, shanghai_order):
    order = unique(shanghai_order)
    order["buyer"]["name"] = "=HYPERLINK(\"http://x\")"
    post_order(runtime, order)
    out = oms(runtime, "orders", "list", "--customer", order["buyer"]["buyer_id"], "--csv", "-")
    [row] = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert row["buyer_name"] == "'=HYPERLINK(\"http://x\")"


def test_review_queue_and_rules_validate(runtime, tmp_path):
    assert "held order(s)" in oms(runtime, "review", "queue")
    document = json.loads((DEFAULT_RULES).read_text("utf-8"))
    good = tmp_path / "rules.json"
    good.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    assert f"valid: {len(document['rules'])} rules" in oms(runtime, "rules", "validate", str(good))
    document["rules"][0]["severity"] = "BLOCK"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), "utf-8")
    out = oms(runtime, "rules", "validate", str(bad), ok=False)
    assert "HTTP 400" in out and "rules[0].severity" in out


def test_stock_show_and_a_refused_merge(runtime):
    shown = json.loads(oms(runtime, "--json", "stock", "show", "CUP-CELADON-6PK", "WH-SH"))
    assert shown["sku"] == "CUP-CELADON-6PK" and shown["on_hand"] >= shown["available"]
    assert "on_hand" in oms(runtime, "stock", "show", "CUP-CELADON-6PK", "WH-SH")


def test_import_erp_reports_rows_in_the_files_numbers(runtime, tmp_path):
    file = tmp_path / "batch.csv"
    file.write_bytes(csv_sample())
    out = json.loads(oms(runtime, "--json", "import", "erp", str(file)))
    assert out["rows"] == 5 and out["orders_accepted"] == 2  # the sample: 2 good orders, 2 bad rows
    assert [(r["row"], r["order_no"], r["errors"][0]["rule"]) for r in out["rejected"]] == [(4, "SO-2026-005002", "greater_than_equal"), (5, "SO-2026-005003", "unknown_sku")]
    table = oms(runtime, "import", "erp", str(file))
    assert "2 row(s) rejected" in table and "SO-2026-005002" in table


def test_parts_keep_an_orders_rows_together_and_map_row_numbers():
    header = "order_no,buyer_id,sku,quantity,unit_price,placed_at\n"
    rows = "".join(f"{'A' if i in (0, 2) else f'O{i}'},B,S,1,1.00,2026-11-11 10:00\n" for i in range(5))
    pieces = parts(header + rows, rows_per_part=2)
    assert [p.file_rows for p in pieces] == [[2, 4], [3, 5], [6]]
    assert all(p.part_rows == list(range(2, 2 + len(p.file_rows))) for p in pieces)


def test_parts_keep_an_orders_rows_together_when_its_order_no_is_padded():
    """The API reads `order_no` without the spaces around it ('A ' is order A, erp_csv.Row). The
    parts grouped the raw cell, so a padded row of A could go in another part: that part's import
    re-delivered A with only that row's line, an amendment that replaced A's other lines."""
    header = "order_no,buyer_id,sku,quantity,unit_price,placed_at\n"
    rows = "".join(f"{'A' if i == 0 else ' A ' if i == 2 else f'O{i}'},B,S,1,1.00,2026-11-11 10:00\n" for i in range(5))
    pieces = parts(header + rows, rows_per_part=2)
    assert [p.file_rows for p in pieces] == [[2, 4], [3, 5], [6]]


def test_review_queue_shows_a_held_order_with_its_reasons_and_reject_decides_it(runtime):
    from local.demo import EVENTS

    order = unique(json.loads((EVENTS / "orders" / "06_shopify_unknown_province.json").read_text("utf-8")))
    order_id = post_order(runtime, order)
    assert settle(runtime, order_id)["order"]["status"] == "ON_HOLD"
    queue = json.loads(oms(runtime, "--json", "review", "queue", "--limit", "200"))
    [held] = [h for h in queue["held"] if h["order_id"] == order_id]
    assert held["reasons"] and held["reasons"][0]["reason_zh"]
    assert "REJECTED" in oms(runtime, "review", "reject", order_id, "--operator", "ops-test", "--note", "地址不存在")
    out = CliRunner().invoke(cli, ["--api", runtime.api_url, "review", "approve", order_id, "--operator", "ops-test"])
    assert out.exit_code == 1 and "HTTP 409" in out.output


def test_retry_says_why_an_order_not_in_exception_has_nothing_to_retry(runtime, shanghai_order):
    order_id = post_order(runtime, unique(shanghai_order))
    settle(runtime, order_id)
    refused = CliRunner().invoke(cli, ["--api", runtime.api_url, "orders", "retry", order_id, "--reason", "fixed", "--operator", "ops-li"])
    assert refused.exit_code == 1 and "HTTP 409" in refused.output and "not EXCEPTION" in refused.output
    many = json.loads(oms(runtime, "--json", "orders", "retry", order_id, "OMS-NONE", "--reason", "fixed", "--operator", "ops-li", ok=False))  # nothing resumed: exit 1
    assert [(r["order_id"], r["outcome"]) for r in many["results"]] == [(order_id, "refused"), ("OMS-NONE", "not_found")]


def test_routing_policy_shows_what_a_candidate_starts_from(runtime):
    from oms_cli import simulate  # noqa: F401  (its commands join the group)

    policy = json.loads(oms(runtime, "--json", "routing", "policy"))
    assert "lowest-cost" in [s["name"] for s in policy["strategies"]] and policy["default_strategy"] == "lowest-cost"
    printed = oms(runtime, "routing", "policy")  # rich folds long cells at the runner's 80 columns
    for name in [s["name"] for s in policy["strategies"]] + [w["warehouse_id"] for w in policy["warehouses"]]:
        assert name in printed
    assert "policy's default" in printed or "own list" in printed
    # A candidate from options alone, replayed on the stored orders through the API.
    warehouse = policy["warehouses"][0]
    report = json.loads(oms(runtime, "--json", "routing", "what-if", "--strategy", "closest", "--carriers", f"{warehouse['warehouse_id']}={warehouse['carriers'][0]}", "--last", "5"))
    assert report["candidate_description"] == f"strategy closest; carriers of {warehouse['warehouse_id']}"
