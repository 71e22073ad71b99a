"""The overview's reads: the shared pool of read threads and the minute window the figures read."""

from __future__ import annotations

import threading

from shared.operations.domain import minute_bucketed
from shared.operations.health import HOLD_AGE_BINS_MINUTES, minutes_read
from shared.operations.limits import OPEN_STATUSES, limit_minutes
from shared.operations.parallel import in_parallel


def test_reads_run_on_threads_kept_between_requests():
    names = set()
    for _ in range(5):  # five requests of 12 reads: no more threads than one pool holds
        names |= {t.name for t in in_parallel({n: threading.current_thread for n in range(12)}).values()}
    assert all(name.startswith("oms-reads-10") for name in names), names
    assert len(names) <= 10


def test_reads_started_from_a_read_thread_run_in_turn_instead_of_waiting_forever():
    answers: dict[str, object] = {}

    def outer() -> dict[int, int]:
        return in_parallel({n: (lambda n=n: n * n) for n in range(30)})

    caller = threading.Thread(target=lambda: answers.update(in_parallel({f"outer{n}": outer for n in range(20)})))
    caller.start()
    caller.join(timeout=30)
    assert not caller.is_alive(), "nested reads waited on each other"
    assert answers["outer0"] == {n: n * n for n in range(30)}


def test_the_minute_window_reaches_every_figure_that_reads_minute_buckets():
    minutes = minutes_read()
    assert minutes >= HOLD_AGE_BINS_MINUTES[-1]
    assert all(minutes >= limit_minutes(s) for s in OPEN_STATUSES if minute_bucketed(s))
    assert minutes == max([limit_minutes(s) for s in OPEN_STATUSES if minute_bucketed(s)] + [HOLD_AGE_BINS_MINUTES[-1]])
