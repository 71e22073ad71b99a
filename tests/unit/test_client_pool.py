"""Every thread pool that calls AWS through the shared clients fits in their connection pool
(decision 187): a thread beyond the pool opens a connection and drops it after each call."""

import inspect

import pytest

from shared.aws import clients
from shared.operations import stuck as operations_stuck
from shared.operations.parallel import PARALLEL_READS
from shared.reconciliation.usecases.run_channel import RunPorts
from shared.recovery import detect_stuck

WORKER_COUNTS = {
    "recovery.detect_stuck.ACT_WORKERS": detect_stuck.ACT_WORKERS,
    "operations.stuck.PARALLEL_QUERIES": operations_stuck.PARALLEL_QUERIES,
    "operations.store.PARALLEL_READS": PARALLEL_READS,
    "reconciliation RunPorts.workers": inspect.signature(RunPorts).parameters["workers"].default,
}


@pytest.mark.parametrize("name", sorted(WORKER_COUNTS))
def test_the_pool_holds_a_connection_for_each_worker(name):
    assert WORKER_COUNTS[name] <= clients.MAX_POOL_CONNECTIONS, f"{name} runs more threads than a client keeps connections"


def test_the_largest_worker_count_sets_the_pool():
    assert clients.MAX_POOL_CONNECTIONS == max(WORKER_COUNTS.values())  # no larger than needed either


@pytest.mark.parametrize("service", ["dynamodb", "sqs", "stepfunctions", "events"])
def test_every_client_is_built_with_the_pool(service, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clients.reset()
    try:
        assert clients.client(service).meta.config.max_pool_connections == clients.MAX_POOL_CONNECTIONS
    finally:
        clients.reset()


def test_every_thread_pool_that_calls_aws_is_in_the_list():
    """A new ThreadPoolExecutor in the functions' code must name its worker count above."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pools = sorted(
        str(path.relative_to(root))
        for folder in ("shared", "functions")
        for path in (root / folder).rglob("*.py")
        if "ThreadPoolExecutor(" in path.read_text(encoding="utf-8")
    )
    assert pools == ["shared/operations/parallel.py", "shared/reconciliation/usecases/run_channel.py", "shared/recovery/detect_stuck.py"]
