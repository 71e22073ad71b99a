"""How long a local runtime takes to stop: its pollers and schedules stopped at once (what
LocalRuntime.stop does, decision 111) against one after another (the baseline, same run).

    python -m benchmarks.runtime_stop [--rounds 2]

The test suite stops a runtime per package and per recovery test, so this is paid many times."""

from __future__ import annotations

import argparse
import statistics
import time

from local.runtime import LocalRuntime
from local.seed import load_seed


def _one_after_another(runtime: LocalRuntime) -> None:
    for worker in (*runtime.schedules, *runtime.pollers):
        worker.stop()
    runtime.stop()  # the workers are stopped already: what is left is the gateway and moto


def _timed_stop(stop) -> float:
    runtime = LocalRuntime(log_level="ERROR", prefix="oms-bench-stop", schedules="scaled").start()
    load_seed()
    time.sleep(1.0)  # every poller in its long poll, as after a test
    began = time.perf_counter()
    stop(runtime)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    baseline, at_once = [], []
    for _ in range(rounds):  # interleaved, so load on the machine falls on both alike
        baseline.append(_timed_stop(_one_after_another))
        at_once.append(_timed_stop(LocalRuntime.stop))
    b, a = statistics.median(baseline), statistics.median(at_once)
    print(f"stop, workers one after another (baseline): median {b:.2f} s over {rounds}")
    print(f"stop, workers at once (LocalRuntime.stop):   median {a:.2f} s over {rounds}")
    print(f"ratio at once / one after another: {a / b:.2f}")


if __name__ == "__main__":
    main()
