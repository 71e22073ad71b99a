"""Independent reads at once, on a pool kept for the process's life."""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PARALLEL_READS = 10  # within the clients' connection pool (shared/aws/clients.MAX_POOL_CONNECTIONS)


def in_parallel(calls: dict[Any, Any], workers: int = PARALLEL_READS) -> dict[Any, Any]:
    """Runs independent reads at once (the overview's dozens of small queries) on a pool kept
    for the process's life (a warm Lambda reuses its threads instead of starting new ones on
    every request). Called from one of the pool's own threads it runs the calls in turn: a read
    waiting on reads queued behind it in the same pool would wait forever."""
    if threading.current_thread().name.startswith(_POOL_PREFIX):
        return {name: call() for name, call in calls.items()}
    pool = _pool(workers)
    # Each call in a copy of the caller's context (what the caller's context variables say holds
    # in its calls too: the footprint benchmark's function, for one).
    futures = {name: pool.submit(contextvars.copy_context().run, call) for name, call in calls.items()}
    return {name: future.result() for name, future in futures.items()}


_POOL_PREFIX = "oms-reads"
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if workers not in _pools:
            _pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{_POOL_PREFIX}-{workers}")
        return _pools[workers]
