"""The compiled routing modules (mypyc, decision 237) are the same algorithm as their Python
source: on the routing problems of a simulated day, and variants with three kept plans or a small
node budget, both optimisers return the same plans, keys, costs, node and set counts, exactness and
bounds; a simulated day's report (every NATIVE module compiled) is the same JSON apart from
its speed; a compiled module of an older source
is refused; the Lambda layer ships no compiled module."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from infra.layer_bundle import _layer_files
from local.native_build import NATIVE, ROOT, compiled_files, stale
from shared.routing import optimiser

COMPILED = bool(compiled_files("shared/routing/optimiser.py"))
needs_compiled = pytest.mark.skipif(not COMPILED, reason="no compiled optimiser here (python -m local.native_build)")


@functools.cache
def pure_module(relative: str):
    """A NATIVE module's .py source as a module of its own (its dataclasses look their module up by name)."""
    name = "pure_" + Path(relative).stem + "_reference"
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pure_optimiser():
    return pure_module("shared/routing/optimiser.py")


def outcome(result) -> tuple:
    plans = tuple((s.sites, s.allocation, s.cost_fen, s.key) for s in result.solutions)
    return plans, result.exact, result.warehouse_sets, result.nodes, result.lower_bound_fen


def day_problems(orders: int, seed: int) -> list:
    """Every problem oms's routing gives the optimiser on a simulated day. Captured through the .py
    router: a compiled one calls the compiled optimiser directly, past any attribute set on it
    (the compiled router's decisions are the report test's)."""
    from shared.review import default_rule_set
    from simulation import day
    from simulation.day import orders_by_day, placed_orders, review_all, run_policy, traditional_rules
    from simulation.demand import Demand
    from simulation.world import load_assumptions, make_world

    a = load_assumptions()
    world = make_world(a, orders, seed, None, None)
    demand = Demand(world, a, seed)
    placed = placed_orders(world, demand, orders_by_day(orders, 1, a["day"]["later_days_scale"]))
    reviewed = review_all(world, placed, default_rule_set(), traditional_rules(a["traditional"]["checks"]), a["people"]["catch_probability"], seed, lambda n: None)
    problems = []
    routers = pure_module("simulation/routers.py")
    real, compiled_router = routers.optimiser.search, day.Router

    def capture(problem):
        problems.append(problem)
        return real(problem)

    routers.optimiser, day.Router = SimpleNamespace(search=capture), routers.Router
    try:
        run_policy("oms", reviewed, world, a, demand.start)
    finally:
        routers.optimiser, day.Router = optimiser, compiled_router
    return problems


@needs_compiled
def test_the_builds_are_the_ones_compared():
    modules = [importlib.import_module(relative.removesuffix(".py").replace("/", ".")) for relative in NATIVE]
    assert all(Path(module.__file__).suffix == ".so" for module in modules)
    assert Path(pure_optimiser().__file__).suffix == ".py"


@needs_compiled
def test_compiled_and_pure_search_alike_on_a_days_problems():
    pure = pure_optimiser()
    problems = day_problems(1500, 12)
    variants = [dataclasses.replace(p, keep=3) for p in problems[::3]] + [dataclasses.replace(p, node_budget=60) for p in problems[1::3]]
    compared = problems + variants
    assert len(problems) > 1000
    differ = [n for n, p in enumerate(compared) if outcome(optimiser.search(p)) != outcome(pure.search(p))]
    assert not differ, f"{len(differ)} of {len(compared)} searches differ, first: problem {differ[0]}, items {compared[differ[0]].items}"
    # the comparison sees the searches that matter: inexact ones and ones that split an order
    results = [pure.search(p) for p in compared]
    assert any(not r.exact for r in results) and any(len(r.solutions[0].sites) > 1 for r in results if r.solutions)


def report(*command: str) -> None:
    subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=True, timeout=600)


@needs_compiled
def test_a_simulated_days_report_is_the_same_with_either_build(tmp_path):
    day = ["benchmarks.promotion_day", "--orders", "2000", "--seed", "13", "--quiet", "--json"]
    report(*day, str(tmp_path / "compiled.json"))
    report("benchmarks.pure_python", *day, str(tmp_path / "pure.json"))
    compiled, pure = (json.loads((tmp_path / f"{name}.json").read_text()) for name in ("compiled", "pure"))
    for speed in ("cpu_seconds", "orders_per_cpu_second"):
        assert compiled.pop(speed) and pure.pop(speed)
    assert compiled == pure


def test_no_compiled_module_of_an_older_source():
    assert not stale(), f"{stale()} changed since compiled: run python -m local.native_build (make install does)"


def test_the_lambda_layer_leaves_compiled_modules_out(tmp_path):
    package = tmp_path / "shared" / "routing"
    package.mkdir(parents=True)
    for name in ("optimiser.py", "optimiser.cpython-312-aarch64-linux-gnu.so", "optimiser__mypyc.cpython-311-x86_64-linux-gnu.so"):
        (package / name).write_text("")
    assert [p.name for p in _layer_files(tmp_path / "shared")] == ["optimiser.py"]


def test_the_cold_import_benchmark_stages_what_the_layer_ships(tmp_path):
    """benchmarks/cold_import.py measures the handlers as Lambda imports them: from the layer's
    files, so without the modules compiled for this machine (a copy that took a compiled module
    without the group library beside the repo's root failed to import it)."""
    from benchmarks.cold_import import stage

    source = tmp_path / "source"
    for name in ("shared/routing/optimiser.py", "shared/routing/optimiser.cpython-311-x86_64-linux-gnu.so", "shared/__pycache__/x.cpython-311.pyc", "functions/f/handler.py"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("")
    staged = stage(tmp_path / "staged", compiled=False, source=source)
    assert sorted(p.relative_to(staged / "shared") for p in (staged / "shared").rglob("*") if p.is_file()) == [
        p.relative_to(source / "shared") for p in _layer_files(source / "shared")
    ]
    assert (staged / "functions" / "f" / "handler.py").exists()


@needs_compiled
def test_the_cold_import_benchmark_imports_a_routing_handler_where_compiled_modules_exist():
    from benchmarks.cold_import import measure

    row = measure(["backorder_release"], 1)["handlers"]["backorder_release"]
    assert row["no_bytecode_ms"] > 0 and row["bytecode_ms"] > 0


def test_the_pure_runner_refuses_a_module_already_imported():
    from benchmarks.pure_python import use_pure_python

    assert "shared/routing/optimiser.py" in NATIVE
    with pytest.raises(RuntimeError, match="already imported"):
        use_pure_python()
