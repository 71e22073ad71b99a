"""What a SnapStart restore redoes (shared/snapstart.py, decision 200). Lambda's runtime provides
`snapshot_restore_py`; here a stand-in with the same two registration functions takes its place,
and the tests run what the runtime would run after a restore."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import types
from pathlib import Path

import pytest
from aws_lambda_powertools import Logger

from shared import snapstart
from shared.aws import clients

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


class RuntimeHooks(types.ModuleType):
    """snapshot_restore_py's interface: register_before_snapshot / register_after_restore."""

    def __init__(self) -> None:
        super().__init__(snapstart.SNAPSHOT_RESTORE_MODULE)
        self.after: list[tuple] = []
        self.before: list[tuple] = []

    def register_before_snapshot(self, func, *args, **kwargs):
        self.before.append((func, args, kwargs))
        return func

    def register_after_restore(self, func, *args, **kwargs):
        self.after.append((func, args, kwargs))
        return func

    def restore(self) -> None:
        for func, args, kwargs in self.after:
            func(*args, **kwargs)


@pytest.fixture
def runtime(monkeypatch) -> RuntimeHooks:
    hooks = RuntimeHooks()
    monkeypatch.setitem(sys.modules, snapstart.SNAPSHOT_RESTORE_MODULE, hooks)
    monkeypatch.setattr(snapstart, "_installed", False)
    return hooks


def test_without_the_runtimes_module_nothing_is_registered(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, snapstart.SNAPSHOT_RESTORE_MODULE, None)  # import fails, as off Lambda
    monkeypatch.setattr(snapstart, "_installed", False)
    assert snapstart.install(Logger(service="snapstart-test")) is False


def test_install_registers_the_restore_once(runtime: RuntimeHooks) -> None:
    logger = Logger(service="snapstart-test")
    assert snapstart.install(logger) is True
    assert snapstart.install(logger) is True
    assert runtime.after == [(snapstart.after_restore, (logger,), {})]
    assert runtime.before == [(snapstart.before_snapshot, (), {})]


def test_before_the_snapshot_the_models_are_decoded_without_credentials_or_clients(runtime: RuntimeHooks, monkeypatch, tmp_path) -> None:
    """What the snapshot holds of botocore is data: the services' decoded models, no client, no credentials."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv(snapstart.SERVICES_ENV, "sqs,events")
    monkeypatch.setattr(clients, "_models", clients.create_loader())
    clients.reset()
    snapstart.install(Logger(service="snapstart-test"))
    for func, args, kwargs in runtime.before:
        func(*args, **kwargs)
    decoded = {key[1] for key in clients._models._cache if key[0] == "load_service_model"}
    assert decoded == {"sqs", "events"}
    assert clients._clients == {}


def test_two_environments_restored_from_one_snapshot_draw_different_jitter(runtime: RuntimeHooks) -> None:
    """The generator's state is in the snapshot: without the reseed both would draw the same."""
    snapstart.install(Logger(service="snapstart-test"))
    random.seed(200)  # the state the init left
    snapshot = random.getstate()
    draws = []
    for _environment in range(2):
        random.setstate(snapshot)
        runtime.restore()
        draws.append([random.random() for _ in range(4)])
    assert draws[0] != draws[1]
    random.setstate(snapshot)
    assert [random.random() for _ in range(4)] not in draws  # what an environment without the hook would draw


def test_the_loggers_debug_sampling_is_drawn_again_after_a_restore(runtime: RuntimeHooks, monkeypatch) -> None:
    """Sampled at init, the decision would be every restored environment's, all DEBUG or none."""
    monkeypatch.setattr(random, "random", lambda: 0.9)
    logger = Logger(service="snapstart-sampled", sampling_rate=0.5, level="INFO")
    assert logger.log_level > 10  # not sampled at init (the snapshot's decision)
    snapstart.install(logger)
    monkeypatch.setattr(random, "seed", lambda *a, **k: None)  # keep the stand-in draw below
    monkeypatch.setattr(random, "random", lambda: 0.1)
    runtime.restore()
    assert logger.log_level == 10  # this environment drew DEBUG
    monkeypatch.setattr(random, "random", lambda: 0.9)
    runtime.restore()
    assert logger.log_level > 10  # and back to the configured level when it does not


def test_a_client_built_before_the_snapshot_loses_its_pooled_connections(runtime: RuntimeHooks, monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients.reset()
    try:
        sqs = clients.client("sqs")
        manager = sqs._endpoint.http_session._manager
        manager.connection_from_url("https://sqs.us-east-1.amazonaws.com")  # a pool, as a call leaves it
        assert len(manager.pools) == 1
        snapstart.install(Logger(service="snapstart-test"))
        runtime.restore()
        assert len(manager.pools) == 0
        assert clients.client("sqs") is sqs  # kept: it reconnects on its next call
    finally:
        clients.reset()


@pytest.mark.parametrize("name", HANDLERS)
def test_a_handlers_import_registers_the_restore_and_builds_nothing_a_snapshot_would_share(name: str) -> None:
    """What the init leaves is in the snapshot: every handler's import registers the restore, and
    builds no AWS client, store or thread pool (those hold connections and credentials)."""
    code = f"""
import json, sys, types
hooks = types.ModuleType("snapshot_restore_py")
hooks.registered = []
hooks.register_after_restore = lambda f, *a, **k: hooks.registered.append(f.__qualname__)
hooks.register_before_snapshot = lambda f, *a, **k: None
sys.modules["snapshot_restore_py"] = hooks
import functions.{name}.handler
from shared.aws import clients, stores
pools = sys.modules.get("shared.operations.parallel")
print(json.dumps({{"registered": hooks.registered, "clients": len(clients._clients), "stores": len(stores._stores),
                   "pools": len(pools._pools) if pools else 0}}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"registered": ["after_restore"], "clients": 0, "stores": 0, "pools": 0}


def test_before_the_snapshot_the_models_the_imports_deferred_are_built() -> None:
    """defer_build keeps an import without SnapStart from building schemas its calls may not use;
    a snapshot should hold them built, so a restored environment's first call does not build them."""
    code = """
import json
from pydantic import BaseModel
import functions.routing_api.handler, functions.aftersales_api.handler
from shared import snapstart
from shared.aftersales.records import RefundRecord
from shared.routing.model import RoutingDecision

def deferred():
    found, pending = set(), list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.split(".")[0] in ("shared", "functions") and not model.__pydantic_complete__:
            found.add(model.__qualname__)
    return found

before = deferred()
snapstart.before_snapshot()
print(json.dumps({"before": sorted(before), "after": sorted(deferred()),
                  "decision": type(RoutingDecision.__pydantic_validator__).__name__,
                  "refund": type(RefundRecord.__pydantic_serializer__).__name__}))
"""
    env = {k: v for k, v in os.environ.items() if k != snapstart.SERVICES_ENV} | {"PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"RoutingDecision", "RefundRecord", "OrderIn"} <= set(found["before"])
    assert found["after"] == []
    assert (found["decision"], found["refund"]) == ("SchemaValidator", "SchemaSerializer")
