"""`oms simulate` and `oms routing what-if --simulated` run in process: the KPI table and the speed
per core for people, the whole report for scripts, a bad rule set refused with exit 2."""

import json

from click.testing import CliRunner

from oms_cli import simulate  # noqa: F401  (its commands join the group)
from oms_cli.main import cli

SMALL = ["--orders", "300", "--warehouses", "4", "--seed", "5", "--quiet"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_simulate_prints_the_table_and_the_speed_per_core_and_writes_the_files(tmp_path, monkeypatch):
    library = tmp_path / "echarts.min.js"  # a stand-in: the npm package may not be installed here
    library.write_text("/* echarts stand-in */", "utf-8")
    monkeypatch.setenv("OMS_ECHARTS", str(library))
    code, out = invoke("simulate", *SMALL, "--json", str(tmp_path / "day.json"), "--html", str(tmp_path / "day.html"))
    assert code == 0, out
    assert "manual intervention" in out and "oms's pipeline" in out and "orders per CPU second" in out
    document = json.loads((tmp_path / "day.json").read_text("utf-8"))
    speed = document["orders_per_cpu_second"]
    assert speed["oms_pipeline"] > speed["domain"] > 0  # oms's pipeline is part of the whole simulation
    assert set(document["cpu_seconds"]) >= {"intake", "oms_review", "traditional_review", "oms", "traditional", "generate"}
    page = (tmp_path / "day.html").read_text("utf-8")
    assert "echarts stand-in" in page and "manual intervention" in page


def test_json_flag_prints_the_whole_report_instead_of_the_table():
    code, out = invoke("--json", "simulate", *SMALL)
    assert code == 0, out
    document = json.loads(out)
    assert document["orders"] >= 300 and {r["kpi"] for r in document["rows"]} >= {"manual intervention", "cost per order"}


def test_a_rule_set_file_that_is_not_a_rule_set_is_refused_with_exit_2(tmp_path):
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps({"rules": [{"id": "x"}]}), "utf-8")
    code, out = invoke("simulate", *SMALL, "--rules", str(bad))
    assert code == 2
    code, out = invoke("simulate", *SMALL, "--rules", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in " ".join(out.split())


def test_routing_what_if_on_a_simulated_day(tmp_path):
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"max_packages": 1}), "utf-8")
    code, out = invoke("routing", "what-if", str(candidate), "--simulated", "--orders", "150", "--warehouses", "4")
    assert code == 0, out
    assert "replayed" in out and "cost delta" in out


def test_routing_what_if_takes_the_candidate_from_options_too(tmp_path):
    code, out = invoke("--json", "routing", "what-if", "--max-packages", "1", "--strategy", "closest", "--simulated", "--orders", "150", "--warehouses", "4")
    assert code == 0, out
    report = json.loads(out)
    assert report["candidate_description"] == "strategy closest; at most 1 package(s)"
    # The options win over the file's fields; the file's other fields stay.
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"max_packages": 3, "strategy": "fewest-packages"}), "utf-8")
    code, out = invoke("--json", "routing", "what-if", str(candidate), "--max-packages", "1", "--simulated", "--orders", "150", "--warehouses", "4")
    assert code == 0, out
    assert json.loads(out)["candidate_description"] == "strategy fewest-packages; at most 1 package(s)"


def test_routing_what_if_without_a_candidate_or_with_a_malformed_carrier_rule_is_refused(tmp_path):
    not_an_object = tmp_path / "list.json"
    not_an_object.write_text(json.dumps([{"max_packages": 1}]), "utf-8")
    code, out = invoke("routing", "what-if", "--simulated", "--orders", "50")
    assert code == 2 and "name a candidate" in " ".join(out.split())
    code, out = invoke("routing", "what-if", str(not_an_object), "--simulated", "--orders", "50")
    assert code == 2 and "is a JSON object" in " ".join(out.split())
    code, out = invoke("routing", "what-if", "--carriers", "WH-BJ", "--simulated", "--orders", "50")
    assert code == 2 and "WAREHOUSE=CARRIER" in out
    code, out = invoke("routing", "what-if", "--strategy", "fastest", "--simulated", "--orders", "50", "--warehouses", "4")
    assert code == 2 and "fastest is not a strategy of the policy" in " ".join(out.split())
