"""Bounded steps for stopping the local runtime: a step that cannot finish in time (a starved
machine, a server that no longer answers) is left to finish on its own and said so in one warning,
and the stop goes on. A stop that raises loses its caller's work: benchmarks.reconciliation once
printed its figures and then died of moto's reset timing out in LocalRuntime.stop."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("local.runtime")  # not under "oms": no Lambda context in its lines


def within(step: Callable[[], object], seconds: float, what: str, left_undone: str) -> bool:
    """Runs `step` in a daemon thread and waits for it at most `seconds`. True when it finished;
    else (too slow, or it raised) False and a warning naming `what` went wrong and `left_undone`."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            step()
            outcome.append(None)
        except Exception as error:  # noqa: BLE001  (reported below, never raised from a stop)
            outcome.append(error)

    began = time.monotonic()
    thread = threading.Thread(target=run, name=f"stopping: {what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if outcome and outcome[0] is None:
        return True
    why = f"failed after {time.monotonic() - began:.1f} s ({outcome[0]!r})" if outcome else f"did not finish within {seconds:g} s"
    log.warning("local runtime stop: %s %s; the stop goes on, but %s", what, why, left_undone)
    return False
