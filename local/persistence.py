"""The local runtime's state across restarts (docs/decisions.md, decision 32).

What is kept: every item of every table (orders with their timelines and notes, stock and
reservations, rule sets and review reference data, the catalog) and every message of every queue
and dead-letter queue, in flight or not. It is written as one JSON file in the data folder,
read at one moment (no request runs meanwhile), written atomically (a temporary
file, fsync, rename) on a timer and at a clean stop, and loaded at start
into the freshly provisioned resources before the API and the consumers start.

What is not kept: workflow executions (a restarted moto has none; an order whose run was cut off
is re-driven by the stuck-order detector, at once at start: shared/recovery/detect_stuck.py) and
the signing secrets (stand-ins, seeded from events/seed/ at every start).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import topology
from local import moto_patches
from local.provision import LocalResources

DATA_DIR_ENV = "OMS_DATA_DIR"
DEFAULT_DATA_DIR = topology.ROOT / ".oms-data"
SANDBOX_FILE = "sandbox_platforms.jsonl"  # the orders the platforms' sandbox learnt (local/sandbox_platforms.py)
SNAPSHOT_FILE = "snapshot.json"
RUNTIME_FILE = "runtime.json"  # where a running runtime is reachable (local/redrive.py reads it)
FORMAT = 1


@dataclass(frozen=True)
class Restored:
    items: dict[str, int]  # table key -> items
    messages: dict[str, int]  # queue label -> messages
    taken_at: str


def data_dir(given: str | Path | None = None) -> Path:
    return Path(given or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def _queues(resources: LocalResources) -> dict[str, str]:
    """label -> URL of every queue and dead-letter queue."""
    return {
        **{key: url for key, url in resources.queue_urls.items()},
        **{f"{key}:dead-letters": url for key, url in resources.dead_letter_queue_urls.items()},
    }


def take(resources: LocalResources, taken_at: str) -> dict[str, Any]:
    """The state of one moment, even while orders run (moto_patches.state_at_one_moment): a
    snapshot read table by table could hold half of a transaction that committed between two
    reads, a state no process ever had, which the restarted runtime cannot take further."""
    queues = _queues(resources)
    names = {table.key: resources.env[table.env_var] for table in topology.TABLES}
    items, messages = moto_patches.state_at_one_moment(list(names.values()), [url.rsplit("/", 1)[-1] for url in queues.values()])
    return {
        "format": FORMAT,
        "taken_at": taken_at,
        "tables": {key: items[name] for key, name in names.items()},
        "queues": {
            label: [{"body": body, "attributes": attributes, "fifo": fifo} for body, attributes, fifo in messages[url.rsplit("/", 1)[-1]]]
            for label, url in queues.items()
        },
    }


def write(folder: Path, snapshot: dict[str, Any]) -> None:
    """Atomically: a reader (or a crash) sees the previous snapshot or this one, never half."""
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".snapshot-", suffix=".json", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(snapshot, out, ensure_ascii=False, separators=(",", ":"), default=_binary_out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / SNAPSHOT_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_BINARY = "$base64"  # a DynamoDB binary value (a compressed timeline entry) in the JSON snapshot


def _binary_out(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {_BINARY: base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot keep a {type(value).__name__} in the snapshot")


def _binary_in(value: dict[str, Any]) -> Any:
    return base64.b64decode(value[_BINARY]) if len(value) == 1 and _BINARY in value else value


def read(folder: Path) -> dict[str, Any] | None:
    path = folder / SNAPSHOT_FILE
    if not path.exists():
        return None
    snapshot = json.loads(path.read_text("utf-8"), object_hook=_binary_in)
    if snapshot.get("format") != FORMAT:
        raise RuntimeError(f"{path} has format {snapshot.get('format')}, this runtime reads {FORMAT}: start with --empty")
    return snapshot


def restore(snapshot: dict[str, Any], resources: LocalResources, dynamodb: Any, sqs: Any) -> Restored:
    items: dict[str, int] = {}
    for table in topology.TABLES:
        rows = snapshot["tables"].get(table.key, [])
        name = resources.env[table.env_var]
        for start in range(0, len(rows), 25):  # BatchWriteItem's limit
            pending = {name: [{"PutRequest": {"Item": row}} for row in rows[start : start + 25]]}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        items[table.key] = len(rows)
    messages: dict[str, int] = {}
    urls = _queues(resources)
    for label, saved in snapshot["queues"].items():
        if label not in urls:
            continue  # a queue this version no longer has
        for start in range(0, len(saved), 10):  # SendMessageBatch's limit
            entries = [
                {"Id": str(i), "MessageBody": m["body"], **({"MessageAttributes": m["attributes"]} if m["attributes"] else {}), **m.get("fifo", {})}
                for i, m in enumerate(saved[start : start + 10])
            ]
            sqs.send_message_batch(QueueUrl=urls[label], Entries=entries)
        messages[label] = len(saved)
    return Restored(items=items, messages=messages, taken_at=snapshot["taken_at"])


def clear(folder: Path) -> None:
    (folder / SNAPSHOT_FILE).unlink(missing_ok=True)
    (folder / SANDBOX_FILE).unlink(missing_ok=True)


def write_runtime_file(folder: Path, endpoint: str, api_url: str, resources: LocalResources) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    description = {"moto_endpoint": endpoint, "api_url": api_url, "queues": resources.queue_urls, "dead_letter_queues": resources.dead_letter_queue_urls}
    (folder / RUNTIME_FILE).write_text(json.dumps(description, indent=2), "utf-8")


class PeriodicSnapshots:
    """Writes a snapshot every `every_seconds` (and once more at stop) from a daemon thread."""

    def __init__(self, save: Any, every_seconds: float):
        self.save, self.every_seconds = save, every_seconds
        self.written, self.failures = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-snapshots", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.save()
                self.written += 1
            except Exception:  # the next tick tries again; the last good snapshot stays
                self.failures += 1
