"""How the suite is spread over pytest-xdist's workers (pyproject: `-n auto --dist loadgroup`).

Every worker is a process of its own: its own moto backends, os.environ, local runtimes (ports
from the kernel: port 0), jsii/node, tmp_path tree and chromium profile. What must stay in ONE
worker is a set of tests that share a fixture wider than a module:

- tests/browser: one runtime, its populated scene and one chromium (package fixtures);
- tests/faults: one runtime with the fault injector installed (package fixture);
- tests/infra: the session's synthesized templates (a synth costs seconds), in two groups: the
  tests of staging and prod, and those of dev (INFRA_STAGES below);
- tests/e2e: one runtime per group below (package fixture; it is stopped when a worker leaves
  the package, so a group is a run of modules, started and stopped once).

Everything else is grouped by module (module fixtures stay single). Groups are handed out in the
order of RANK, the slowest first: the worker that takes the last group must not be the one that
takes the browser tests ten minutes in. Without xdist (`-p no:xdist` or `-n 0`) the same order is
used and nothing else changes.
"""

from __future__ import annotations

import os
import re

import pytest

# The packages whose tests share a package- or session-scoped fixture.
WHOLE_PACKAGE = {"browser", "faults"}

# tests/e2e in two runs of modules, each with its own runtime: the contract checks (many small
# requests) and the flows (orders waited on until they settle). Any module not named is a flow.
E2E_GROUPS = {
    "test_schemathesis_contract.py": "e2e-contract",
    "test_api_limits.py": "e2e-contract",
    "test_cli.py": "e2e-contract",
}

# Slowest first (longest-processing-time order); a package not named here comes after these.
RANK = ["browser", "e2e-flows", "e2e-contract", "infra-stages", "infra-dev", "faults", "recovery", "property", "integration", "runtime", "unit"]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per CPU this process may run on (a 1-CPU machine gets one worker).
    xdist would ask psutil for *physical* cores, which some 2-vCPU machines report as 1.
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides when it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").isdigit():
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _parts(item: pytest.Item) -> tuple[str, str]:
    """(package, module file) of a test under tests/, e.g. ("e2e", "test_cli.py")."""
    path = item.nodeid.split("::", 1)[0].split("/")
    if len(path) >= 3 and path[0] == "tests":
        return path[1], path[-1]
    return "", path[-1]


# tests/infra in two groups, each synthesizing only the environments it reads (every worker has
# its own session `synthesize` cache): the tests of staging and prod (a test named for either, or
# run with either as its parameter: `test_prod_...`, `[staging]`) and the rest, which read dev.
INFRA_STAGES = {"staging", "prod"}


def _infra_group(item: pytest.Item) -> str:
    name = item.nodeid.split("::")[-1]
    return "infra-stages" if INFRA_STAGES & set(re.split(r"[_\[\]\-]", name)) else "infra-dev"


def group_of(item: pytest.Item) -> str:
    package, module = _parts(item)
    if package == "infra":
        return _infra_group(item)
    if package in WHOLE_PACKAGE:
        return package
    if package == "e2e":
        return E2E_GROUPS.get(module, "e2e-flows")
    return item.nodeid.split("::", 1)[0]


def _rank(item: pytest.Item) -> int:
    group, package = group_of(item), _parts(item)[0]
    for name in (group, package):
        if name in RANK:
            return RANK.index(name)
    return len(RANK)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A stable sort: the modules of a package and the tests of a module keep their order and stay
    # together, so a package fixture is still set up once per run of its package.
    items.sort(key=lambda item: (_rank(item), group_of(item)))
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            item.add_marker(pytest.mark.xdist_group(group_of(item)))
