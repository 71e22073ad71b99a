"""tests/scheduling.py: what shares a fixture wider than a module stays in one xdist worker, and
the slowest groups are handed out first."""

from __future__ import annotations

from types import SimpleNamespace

from tests.scheduling import _rank, group_of, pytest_xdist_auto_num_workers


def item(nodeid: str) -> SimpleNamespace:
    return SimpleNamespace(nodeid=nodeid)


def test_packages_with_a_shared_fixture_are_one_group_each():
    assert {group_of(item(f"tests/browser/test_console.py::t{i}")) for i in range(3)} == {"browser"}
    assert group_of(item("tests/faults/test_fault_matrix.py::t[a]")) == group_of(item("tests/faults/test_duplicate_executions.py::t"))


def test_infra_is_one_group_for_dev_and_one_for_staging_and_prod():
    """Each group synthesizes only what it reads (decision 209): a test named for staging or prod,
    or run with either as its parameter, goes with those; the rest read dev."""
    assert group_of(item("tests/infra/test_stack.py::t")) == group_of(item("tests/infra/test_nag.py::t")) == "infra-dev"
    assert group_of(item("tests/infra/test_snapstart.py::test_alias[dev]")) == "infra-dev"
    assert group_of(item("tests/infra/test_notice_sender.py::test_env_ready")) == "infra-dev"  # "env", not a stage
    stages = [
        "tests/infra/test_snapstart.py::test_alias[prod]",
        "tests/infra/test_resource_budget.py::test_limits[staging]",
        "tests/infra/test_environments.py::test_prod_keeps_its_data",
        "tests/infra/test_flow_control_and_alarms.py::test_staging_and_prod_refuse",
    ]
    assert {group_of(item(n)) for n in stages} == {"infra-stages"}


def test_e2e_is_two_runs_of_modules_and_the_rest_is_grouped_by_module():
    assert group_of(item("tests/e2e/test_schemathesis_contract.py::t[GET /orders]")) == "e2e-contract"
    assert group_of(item("tests/e2e/test_order_flows.py::t")) == group_of(item("tests/e2e/test_a_new_flow.py::t")) == "e2e-flows"
    assert group_of(item("tests/unit/test_geo.py::t[1]")) == group_of(item("tests/unit/test_geo.py::u")) == "tests/unit/test_geo.py"
    assert group_of(item("tests/unit/test_geo.py::t")) != group_of(item("tests/unit/test_orders.py::t"))


def test_the_slow_groups_come_first():
    order = ["tests/browser/test_console.py::t", "tests/e2e/test_order_flows.py::t", "tests/infra/test_stack.py::t", "tests/integration/test_outbox.py::t", "tests/unit/test_geo.py::t"]
    assert sorted(order, key=lambda n: _rank(item(n))) == order
    assert _rank(item("tests/brand_new_package/test_x.py::t")) > _rank(item("tests/unit/test_geo.py::t"))


def test_auto_is_the_cpus_this_process_may_use_or_the_variable(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    assert pytest_xdist_auto_num_workers(None) >= 1
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "3")
    assert pytest_xdist_auto_num_workers(None) == 3
