"""The Double 11 load profile (loadtest/double11.py) runs with locust against the local runtime on
127.0.0.1: tiny and bounded (a few orders per second for a few seconds, at most 12 orders), every
order accepted, signed webhooks included."""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _needs_locust() -> None:
    # Never imported here: locust patches the whole process (gevent); it runs in a subprocess.
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed (pip install -e '.[load]')")


def test_the_profile_rises_to_the_midnight_peak_and_falls_into_the_tail(monkeypatch):
    _needs_locust()
    monkeypatch.setenv("OMS_LOAD_SECONDS", "100")
    code = "import loadtest.double11 as d; print([round(d.rate_at(s)) for s in (0, 40, 50, 60, 100)])"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    night = eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own printed list
    assert night[2] == 1200 and night[0] < night[1] < night[2] and night[2] > night[3] > night[4]


def test_locust_sends_the_double11_mix_to_the_local_runtime(tmp_path):
    _needs_locust()
    locust = shutil.which("locust", path=str(Path(sys.executable).parent))
    assert locust, "locust is installed with the load extra"
    from local.runtime import LocalRuntime
    from local.seed import load_seed

    with LocalRuntime() as runtime:
        load_seed()
        assert runtime.api_url.startswith("http://127.0.0.1:")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMS_LOAD_SCALE": "0.003", "OMS_LOAD_SECONDS": "12", "OMS_LOAD_MAX_ORDERS": "12"}
        done = subprocess.run(
            [locust, "-f", str(ROOT / "loadtest" / "double11.py"), "--headless", "--host", runtime.api_url, "--csv", str(tmp_path / "run"), "--only-summary"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        with open(tmp_path / "run_stats.csv", encoding="utf-8") as stats:
            rows = {row["Name"]: row for row in csv.DictReader(stats)}
        total = rows["Aggregated"]
        assert int(total["Request Count"]) >= 3 and int(total["Failure Count"]) == 0
        assert any(name.startswith("webhook ") for name in rows)  # signed channel webhooks were sent
