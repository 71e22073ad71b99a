"""Cold import of every Lambda handler, as a new container pays it: CPU time to import the
handler's module and build the stores it names (a store's module is imported by its accessor),
each in a fresh interpreter.

  python -m benchmarks.cold_import                 # every handler, 5 runs each, median
  python -m benchmarks.cold_import --runs 3 --only parcel_updates routing
  python -m benchmarks.cold_import --against /work/main --runs 9 --only intake orders_api   # A/B, in turn
  python -m benchmarks.cold_import --only intake --then shared.channels.shopify shared.channels.shopify_refunds  # a first call's imports

Two columns per handler:
- `no bytecode`: shared/ and functions/ compiled from source on import, which is what a container
  does when the layer ships only .py files (Lambda's /opt is read-only: nothing it compiles is
  kept for the next container);
- `bytecode`: .pyc files present beside the sources, which is what the layer ships when an
  interpreter of the runtime's Python version is there to compile it (infra/layer_bundle.py,
  `layer_compiler`; measured here with this interpreter's own bytecode).
Third-party packages (boto3 from the Lambda runtime, pydantic and Powertools from the AWS-managed
layer) are loaded from the virtualenv's compiled files in both columns, as on Lambda.

A third, `snapstart`, for the functions deployed with Lambda SnapStart (topology.SNAPSTART_FUNCTIONS
in a stage whose cdk.json has `snapstart` on, decision 200): their imports ran once, when the
version was published, and are in the snapshot; a new environment resumes from it and pays, in the
function, the after-restore hooks (shared/snapstart.py, run here as the runtime runs them, after
the fresh import) and the stores its first call builds. What it does not measure: the restore
itself (Lambda's work, outside the function: its Restore Duration in the REPORT line; AWS documents
SnapStart startup "as low as sub-second", no figure per snapshot size), and, like the other columns,
the botocore client a first AWS call builds. `-` for a function without SnapStart: its cold start
is the no-bytecode or bytecode column.

The floor is what every handler pays whatever it does, measured in the same run (the machine is
shared, so it is the reference for the rest): botocore's session and client (the functions use no
boto3, decision 158), pydantic with BaseModel (a bare `import pydantic` is lazy and loads none of
what defining a model costs) and Powertools' Logger (its package imports Metrics and Tracer with
it). The columns `routing`/`review`/`channels` say whether those packages' heavy modules were
loaded; `http` whether Powertools' event_handler (the REST resolver with its OpenAPI validation,
and the package's other resolvers it imports) was.
"""

from __future__ import annotations

import argparse
import json
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from infra import topology
from infra.layer_bundle import LEFT_OUT_PATTERNS
from shared.snapstart import SERVICES_ENV

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 250.0
SNAPSTART = frozenset(topology.SNAPSTART_FUNCTIONS)

# Heavy modules a handler should load only when it uses them.
HEAVY = {
    "routing": ("shared.routing.optimiser", "shared.routing.config", "shared.routing.planner"),
    "review": ("shared.review", "shared.review_rules.compiler"),
    "channels": ("shared.channels",),
    "http": ("aws_lambda_powertools.event_handler",),
}

_PROBE = r"""
import json, sys, time, types
# Lambda's snapshot_restore_py, as its runtime uses it: hooks registered at import, run after a restore.
hooks = types.ModuleType("snapshot_restore_py")
hooks.after = []
hooks.register_after_restore = lambda f, *a, **k: hooks.after.append((f, a, k)) or f
hooks.register_before_snapshot = lambda f, *a, **k: f
sys.modules["snapshot_restore_py"] = hooks
started = time.process_time()
restore_ms = stores_ms = 0.0
module = sys.argv[1]
if module.startswith("-floor"):
    import botocore.session, botocore.client  # noqa: F401
    from pydantic import BaseModel  # noqa: F401
    from aws_lambda_powertools import Logger, Metrics  # noqa: F401
    if module == "-floor-http":  # what an HTTP handler adds: Powertools' REST resolver with its OpenAPI validation
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver  # noqa: F401
        from aws_lambda_powertools.event_handler.openapi.params import Body  # noqa: F401
else:
    handler = __import__(module, fromlist=["handler"])
    from shared.aws import stores
    imported = time.process_time()
    for f, a, k in hooks.after:  # what a SnapStart restore runs before the first invocation
        f(*a, **k)
    restored = time.process_time()
    for name, value in vars(handler).items():
        # Build each store the handler names, as its first invocation would.
        if getattr(value, "__module__", None) == "shared.aws.stores" and name in dir(stores) and callable(value) and name != "reset":
            value()
    restore_ms, stores_ms = (restored - imported) * 1000, (time.process_time() - restored) * 1000
cpu_ms = (time.process_time() - started) * 1000 - restore_ms  # import and stores, without the restore's hooks
clients_ms = 0.0
if not module.startswith("-"):
    import os
    from shared.aws import clients
    services = [s for s in os.environ.get("OMS_SNAPSTART_SERVICES", "").split(",") if s]
    if sys.argv[2] == "primed":  # published with SnapStart: the models were decoded before the snapshot
        clients.prime(services)
    before = time.process_time()
    for service in services:  # the clients a first call builds, with the credentials it has then
        clients.client(service)
    clients_ms = (time.process_time() - before) * 1000
print(json.dumps({"cpu_ms": cpu_ms, "restored_ms": restore_ms + stores_ms, "clients_ms": clients_ms, "hooks": len(hooks.after), "modules": sorted(m for m in sys.modules if m.startswith(("shared", "functions", "aws_lambda_powertools.event_handler", "boto3")))}))
"""


def handlers() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


def stage(target: Path, compiled: bool, source: Path = ROOT) -> Path:
    """A copy of shared/ and functions/ as the layer and the function bundles hold them: without
    caches, bytecode or the modules compiled for this machine (decision 237: Lambda runs the .py)."""
    for package in ("shared", "functions"):
        shutil.copytree(source / package, target / package, ignore=shutil.ignore_patterns(*LEFT_OUT_PATTERNS))
    if compiled:
        import compileall

        compileall.compile_dir(target, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return target


def environment(staged: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPYCACHEPREFIX", "PYTHONPATH")}
    # Never write bytecode: the uncompiled copy stays uncompiled, as on Lambda's read-only /opt.
    # Static credentials, as a function without SnapStart reads them from its environment (with
    # SnapStart, Lambda serves them from a local endpoint: a call not measurable here).
    env.update({"PYTHONPATH": str(staged), "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "cold-import", "AWS_SECRET_ACCESS_KEY": "cold-import"})
    for resource in (*topology.TABLES, *topology.QUEUES, *topology.BUSES, *topology.WORKFLOWS, *topology.BUCKETS, *topology.SECRETS):
        env[resource.env_var] = f"cold-import-{resource.key}"
    for function in topology.FUNCTIONS:
        env.update(dict(function.settings))
    return env


def probe(module: str, env: dict[str, str], clients: str = "plain") -> dict:
    """`clients`: "primed" builds the first call's clients as after a SnapStart restore (their
    models decoded before the snapshot, shared/snapstart.py), "plain" from nothing."""
    if module.startswith("functions."):
        env = {**env, SERVICES_ENV: ",".join(topology.aws_services(topology.function(module.split(".")[1])))}
    done = subprocess.run([sys.executable, "-c", _PROBE, module, clients], env=env, cwd=env["PYTHONPATH"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(names: list[str], runs: int) -> dict:
    """Median CPU ms per handler, with and without bytecode, and the floor; JSON-ready."""
    scratch = Path(tempfile.mkdtemp(prefix="oms-cold-import-"))
    try:
        with_pyc = environment(stage(scratch / "bytecode", compiled=True))
        without = environment(stage(scratch / "source", compiled=False))
        floor = statistics.median(probe("-floor", with_pyc)["cpu_ms"] for _ in range(runs))
        floor_http = statistics.median(probe("-floor-http", with_pyc)["cpu_ms"] for _ in range(runs))
        rows = {}
        for name in names:
            module = f"functions.{name}.handler"
            cold = [probe(module, without) for _ in range(runs)]
            warmed = [probe(module, with_pyc) for _ in range(runs)]
            restored = [probe(module, with_pyc, clients="primed") for _ in range(runs)] if name in SNAPSTART else warmed
            loaded = set(warmed[0]["modules"])
            rows[name] = {
                "no_bytecode_ms": round(statistics.median(r["cpu_ms"] for r in cold), 1),
                "bytecode_ms": round(statistics.median(r["cpu_ms"] for r in warmed), 1),
                # After a SnapStart restore: the hooks and the first call's stores (imports in the snapshot).
                # The clients a first call builds (the services it uses), in no import column.
                "first_clients_ms": round(statistics.median(r["clients_ms"] for r in warmed), 1),
                # After a SnapStart restore: the hooks, the first call's stores and its clients
                # (models decoded in the snapshot); the imports are in the snapshot.
                "snapstart": name in SNAPSTART,
                "restored_ms": round(statistics.median(r["restored_ms"] + r["clients_ms"] for r in restored), 1),
                "restore_hooks": restored[0]["hooks"],
                "shared_modules": len([m for m in loaded if m.startswith("shared")]),
                "boto3": "boto3" in loaded,
                **{kind: any(m in loaded for m in modules) for kind, modules in HEAVY.items()},
            }
        return {"floor_ms": round(floor, 1), "floor_http_ms": round(floor_http, 1), "budget_ms": BUDGET_MS, "handlers": rows}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def against(other: Path, names: list[str], runs: int) -> dict[str, dict[str, list[float]]]:
    """CPU ms with bytecode of this tree's handlers and another checkout's (e.g. main), the two
    probed in turn for each run, so that the machine's load falls on both alike."""
    scratch = Path(tempfile.mkdtemp(prefix="oms-cold-import-ab-"))
    try:
        envs = {"this": environment(stage(scratch / "this", compiled=True)), "other": environment(stage(scratch / "other", compiled=True, source=other))}
        found: dict[str, dict[str, list[float]]] = {name: {"this": [], "other": []} for name in ["-floor", *names]}
        for run in range(runs):
            for name in found:
                module = name if name.startswith("-") else f"functions.{name}.handler"
                for side in ("this", "other") if run % 2 == 0 else ("other", "this"):
                    found[name][side].append(probe(module, envs[side])["cpu_ms"])
        return found
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="handler names (functions/<name>)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--then", nargs="*", help="modules a first call imports (a channel's adapter...): the CPU ms their import adds after each --only handler's")
    parser.add_argument("--against", type=Path, help="another checkout (e.g. /work/main): both probed in turn, medians and minimums side by side")
    args = parser.parse_args()
    if args.then:
        env = environment(stage(Path(tempfile.mkdtemp(prefix="oms-cold-import-then-")) / "bytecode", compiled=True))
        code = "import sys, time\n__import__(sys.argv[1])\nstarted = time.process_time()\nfor m in sys.argv[2:]: __import__(m)\nprint((time.process_time() - started) * 1000)"
        for name in args.only or handlers():
            added = [float(subprocess.run([sys.executable, "-c", code, f"functions.{name}.handler", *args.then], env=env, cwd=env["PYTHONPATH"], capture_output=True, text=True, check=True).stdout.split()[-1]) for _ in range(args.runs)]
            print(f"{name}: importing {' '.join(args.then)} adds {statistics.median(added):.1f} ms (median of {args.runs}, bytecode) to a call")
        shutil.rmtree(Path(env["PYTHONPATH"]).parent, ignore_errors=True)
        return
    if args.against:
        found = against(args.against, args.only or handlers(), args.runs)
        print(f"cold import with bytecode, CPU ms over {args.runs} runs each, probed in turn; the floor is this tree's (botocore + BaseModel + Logger)")
        print(f"{'handler':<22} {'other median':>12} {'this median':>11} {'other min':>9} {'this min':>8}")
        for name, sides in found.items():
            print(f"{name:<22} {statistics.median(sides['other']):>12.0f} {statistics.median(sides['this']):>11.0f} {min(sides['other']):>9.0f} {min(sides['this']):>8.0f}")
        return
    result = measure(args.only or handlers(), args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    floor = result["floor_ms"]
    print(f"cold import, CPU ms (median of {args.runs} fresh interpreters); floor (botocore + pydantic's BaseModel + Powertools' Logger) {floor:.0f} ms")
    print(f"{'handler':<20} {'no bytecode':>11} {'bytecode':>9} {'+clients':>8} {'snapstart':>9} {'× floor':>8} {'own ms':>7} {'modules':>8} {'routing':>8} {'review':>7} {'channels':>8} {'http':>5}")
    for name, row in result["handlers"].items():
        flags = ["yes" if row[k] else "-" for k in HEAVY]
        restored = f"{row['restored_ms']:.1f}" if row["snapstart"] else "-"
        print(
            f"{name:<20} {row['no_bytecode_ms']:>11.0f} {row['bytecode_ms']:>9.0f} {row['first_clients_ms']:>8.0f} {restored:>9} {row['bytecode_ms'] / floor:>8.2f} {row['bytecode_ms'] - floor:>7.0f} "
            f"{row['shared_modules']:>8} {flags[0]:>8} {flags[1]:>7} {flags[2]:>8} {flags[3]:>5}" + ("  boto3!" if row["boto3"] else "")
        )
    from infra.layer_bundle import layer_compiler, ships_bytecode

    column = "bytecode_ms" if ships_bytecode() else "no_bytecode_ms"
    worst = max(row[column] for row in result["handlers"].values())
    shipped = f"shipped, compiled by {layer_compiler()}" if ships_bytecode() else "NOT shipped: no interpreter of the runtime's version here"
    print(f"worst as deployed from this machine (bytecode {shipped}): {worst:.0f} ms against {BUDGET_MS:.0f} ms")
    http = [r["bytecode_ms"] for r in result["handlers"].values() if r["http"]]
    other = [r["bytecode_ms"] for r in result["handlers"].values() if not r["http"]]
    print(f"floor of an HTTP handler (the floor + Powertools' REST resolver and OpenAPI params): {result['floor_http_ms']:.0f} ms")
    if other:
        print(f"worst with bytecode: {max(other):.0f} ms without Powertools' event_handler, {max(http, default=0):.0f} ms with it")
    print(f"own code above the floor (worst, bytecode / no bytecode): {max(r['bytecode_ms'] for r in result['handlers'].values()) - floor:.0f} / {max(r['no_bytecode_ms'] for r in result['handlers'].values()) - floor:.0f} ms")
    snapped = {name: row for name, row in result["handlers"].items() if row["snapstart"]}
    if snapped:
        name, row = max(snapped.items(), key=lambda kv: kv[1]["restored_ms"])
        print(
            f"as deployed with SnapStart ({len(snapped)} of these functions, stages with cdk.json snapstart on): a restored "
            f"environment pays in the function its after-restore hooks ({row['restore_hooks']} registered), its first call's stores "
            f"and clients (their models decoded in the snapshot): worst {row['restored_ms']:.0f} ms CPU ({name}); the imports are in "
            "the snapshot. Not measured: the restore itself (Lambda's Restore Duration, outside the function; AWS documents "
            "startup \"as low as sub-second\", no figure per snapshot size) and the credentials' fetch from Lambda's endpoint"
        )
    print(f"+clients: what a first call adds without SnapStart, building the clients of the services it uses (in neither import column): worst {max(r['first_clients_ms'] for r in result['handlers'].values()):.0f} ms")


if __name__ == "__main__":
    main()
