"""What a Lambda environment restored from a SnapStart snapshot redoes (decision 200).

A SnapStart function's published version runs its init (the handler's imports) once; every new
environment resumes from that snapshot, so what the imports left in memory is shared by all of
them. What oms's imports leave there, and what becomes of it after a restore:

- `random`'s generator, seeded from os.urandom when the module was first imported: every restored
  environment would draw the same numbers, so the backoffs' full jitter (shared/backoff.py) and
  botocore's retry jitter would wait alike in every container, the herd they exist to spread.
  Reseeded from the kernel after restore.
- Powertools' Logger debug sampling (POWERTOOLS_LOGGER_SAMPLE_RATE; no stage sets it today): drawn
  once at init, so every restored environment or none would log DEBUG. Drawn again after restore.
- Powertools' cold-start flags (Logger, Metrics): still set in the snapshot, since no invocation
  runs before it, so a restored environment's first invocation reports its cold start: nothing to redo.
- botocore clients, the stores, thread pools, caches and debounce marks keyed on a clock, the
  credentials a client resolves: built on first use inside an invocation, never at import
  (tests/unit/test_snapstart.py imports every handler to hold that), so none is in a snapshot.
  Should one ever be built at import, its pooled connections are closed after a restore (a
  connection open at snapshot time is dead after it); the client reconnects on its next call.
- Ids: deterministic (shared/ids.py), or uuid4 and `secrets`, which read os.urandom at each call.

Before the snapshot, the models of the AWS services the function calls (OMS_SNAPSTART_SERVICES,
set by infra/functions.py from topology) are decoded into botocore's loader (clients.prime):
about 160 ms of a first call's CPU on a loaded machine, pure data, no credentials. And oms's own
pydantic models that the imports defined with `defer_build=True` (so that an import without
SnapStart does not build schemas its calls may never use) have their validators and serializers
built (`build_deferred_models`): 11-39 ms per function that a restored environment's first call
would otherwise pay; built from the classes alone, they hold no data.

`snapshot_restore_py` is provided by Lambda's Python runtime (3.12 and later); elsewhere (tests,
the local runtime) it is absent and nothing is registered: no snapshot is ever taken there.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
from typing import Any

SNAPSHOT_RESTORE_MODULE = "snapshot_restore_py"
SERVICES_ENV = "OMS_SNAPSTART_SERVICES"  # comma-separated botocore service names (infra/topology.aws_services)
OWN_PACKAGES = ("shared", "functions")  # whose deferred models are built before the snapshot

_installed = False


def install(logger: Any) -> bool:
    """Registers `after_restore` with the runtime's hooks, once per process. False where the
    runtime has no hooks (no snapshot will be taken)."""
    global _installed
    if _installed:
        return True
    try:
        hooks = importlib.import_module(SNAPSHOT_RESTORE_MODULE)
    except ImportError:
        return False
    hooks.register_before_snapshot(before_snapshot)
    hooks.register_after_restore(after_restore, logger)
    _installed = True
    return True


def before_snapshot() -> None:
    """Runs once, when the version is published, after the init and before the snapshot."""
    services = [s for s in os.environ.get(SERVICES_ENV, "").split(",") if s]
    if services:
        from shared.aws import clients

        clients.prime(services)
    build_deferred_models()


def build_deferred_models(packages: tuple[str, ...] = OWN_PACKAGES) -> int:
    """Builds every model of these packages the imports defined but deferred (defer_build=True),
    so a restored environment's first call finds them built; returns how many. A model whose
    annotations cannot be resolved yet is left deferred (built when first used, as before)."""
    from pydantic import BaseModel

    built, seen, pending = 0, set(), list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        pending.extend(model.__subclasses__())
        if model.__module__.split(".", 1)[0] in packages and not model.__pydantic_complete__:
            built += bool(model.model_rebuild(raise_errors=False))
    return built


def after_restore(logger: Any) -> None:
    """Runs in each environment resumed from the snapshot, before its first invocation."""
    random.seed()  # from os.urandom: the kernel's generator is not part of the snapshot's memory
    logger.refresh_sample_rate_calculation()
    clients = sys.modules.get("shared.aws.clients")  # not imported: no client can exist
    if clients is not None:
        clients.drop_connections()
