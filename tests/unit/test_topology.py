"""infra/topology.py is the one wiring both CDK and the local runtime read; it must be whole."""

import importlib
import json
import re

import pytest

from infra import topology

KEYS = {
    r.key
    for r in (*topology.TABLES, *topology.QUEUES, *topology.BUSES, *topology.WORKFLOWS, *topology.BUCKETS, *topology.SECRETS)
}
FUNCTIONS = {f.key for f in topology.FUNCTIONS}


@pytest.mark.parametrize("function", topology.FUNCTIONS, ids=lambda f: f.key)
def test_each_function_has_a_handler_in_its_own_directory(function):
    module = importlib.import_module(function.module)
    assert callable(module.handler)
    assert (function.directory / "handler.py").is_file()
    assert {u.resource for u in function.uses} <= KEYS


def test_routes_queues_rules_and_workflows_point_at_things_that_exist():
    assert {r.function for r in topology.ROUTES} <= FUNCTIONS
    assert {q.consumer for q in topology.QUEUES if q.consumer} <= FUNCTIONS
    assert {r.target_queue for r in topology.RULES} <= {q.key for q in topology.QUEUES}
    assert {r.bus for r in topology.RULES} <= {b.key for b in (*topology.BUSES, *topology.PARTNER_BUSES)}
    assert {b.notify_queue for b in topology.BUCKETS if b.notify_queue} <= {q.key for q in topology.QUEUES}
    assert {r.client for r in topology.ROUTES if r.client} <= {c.key for c in topology.API_CLIENTS}
    for workflow in topology.WORKFLOWS:
        assert set(workflow.function_placeholders.values()) <= FUNCTIONS


@pytest.mark.parametrize("workflow", topology.WORKFLOWS, ids=lambda w: w.key)
def test_asl_placeholders_are_exactly_the_declared_ones(workflow):
    text = workflow.definition.read_text("utf-8")
    json.loads(text)
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(workflow.function_placeholders)


def test_a_function_that_starts_a_workflow_is_not_one_of_its_tasks():
    # Otherwise CDK (and the local runtime) would have a cycle: ARN needed before it exists.
    for workflow in topology.WORKFLOWS:
        starters = {f.key for f in topology.FUNCTIONS if any(u.resource == workflow.key for u in f.uses)}
        assert not starters & set(workflow.function_placeholders.values())


@pytest.mark.parametrize("function_key", sorted({r.function for r in topology.ROUTES}))
def test_each_functions_resolver_serves_exactly_its_topology_routes(function_key):
    """The handler's own routes (its generated OpenAPI) and the API Gateway routes agree."""
    app = importlib.import_module(topology.function(function_key).module).app
    paths = app.get_openapi_schema().paths
    served = {(method.upper(), path) for path, item in paths.items() for method in ("get", "post", "put", "patch", "delete") if getattr(item, method)}
    # The console's twins (/console/...) reach the same resolver with the prefix stripped.
    assert served == {(r.method, r.path.removeprefix(topology.CONSOLE_PREFIX)) for r in topology.ROUTES if r.function == function_key}


@pytest.mark.parametrize("env_name", ["local", *json.loads((topology.ROOT / "cdk.json").read_text())["context"]["oms:environments"]])
def test_every_environment_sets_a_limit_for_every_status_the_detector_acts_on(env_name):
    from shared.recovery.policy import REDRIVE, StuckPolicy

    limits, max_redrives = topology.stuck_order_limits(env_name)
    policy = StuckPolicy.parse(limits, max_redrives)  # positive, known statuses
    assert set(REDRIVE) | {"ON_HOLD", "BACKORDERED"} <= set(policy.limits)
    settings = topology.function_settings(topology.function("stuck_orders"), env_name)
    assert json.loads(settings[topology.STUCK_LIMITS_ENV]) == limits
    escalator = topology.function_settings(topology.function("hold_escalator"), env_name)
    assert int(escalator["HOLD_ESCALATION_MINUTES"]) * 60 == limits["ON_HOLD"]


def test_an_environment_without_stuck_order_limits_is_named():
    with pytest.raises(KeyError, match="no environment 'qa'"):
        topology.stuck_order_limits("qa")


def test_the_console_api_is_the_iam_routes_of_the_consoles_areas():
    iam = {(r.method, r.path, r.function) for r in topology.ROUTES if r.authorization == "IAM"}
    console = {(r.method, r.path.removeprefix(topology.CONSOLE_PREFIX), r.function) for r in topology.ROUTES if r.authorization == "COGNITO"}
    assert console == {
        (method, path, function) for method, path, function in iam if any(path == a or path.startswith(a + "/") for a in topology.CONSOLE_AREAS)
    }
    assert all(r.path.startswith(topology.CONSOLE_PREFIX + "/") for r in topology.ROUTES if r.authorization == "COGNITO")
    assert console < iam  # reference data and reconciliation stay with tools


def test_every_path_the_consoles_pages_call_is_a_console_route():
    """Each API path written in console/web/src (a string or template literal) matches a route
    of the console's API; a page calling a path the console's API lacks would fail on AWS."""
    import re

    sources = [p.read_text("utf-8") for p in (topology.ROOT / "console" / "web" / "src").rglob("*.js")]
    literal = re.compile(r"""["'`](/(?:operations|orders|review-queue|rulesets|stock|reference|reconciliation|routing)[^"'`]*)["'`]""")
    called = {m.group(1).split("?")[0] for text in sources for m in literal.finditer(text)}
    assert len(called) >= 8, called
    console_paths = [r.path.removeprefix(topology.CONSOLE_PREFIX) for r in topology.ROUTES if r.authorization == "COGNITO"]
    for path in called:
        pattern = "^" + "/".join("[^/]+" if "${" in part else re.escape(part) for part in path.rstrip("/").split("/")) + "$"
        assert any(re.match(pattern, candidate) for candidate in console_paths), f"the console calls {path}, which its API does not serve"
