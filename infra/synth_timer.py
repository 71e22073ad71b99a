"""Time the synth of each environment the way the CDK CLI runs it: cdk.json's "app" command,
from the repo root, with the context in CDK_CONTEXT_JSON and the output in CDK_OUTDIR.

    .venv/bin/python -m infra.synth_timer            # dev, staging, prod
    .venv/bin/python -m infra.synth_timer prod
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from infra.topology import ROOT

ENVIRONMENTS = ("dev", "staging", "prod")


@dataclass(frozen=True)
class SynthRun:
    env: str
    seconds: float
    returncode: int
    outdir: Path
    stderr: str


def app_command() -> list[str]:
    return shlex.split(json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["app"])


def run_app(env_name: str, outdir: Path) -> SynthRun:
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps({"env": env_name}),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    started = time.perf_counter()
    completed = subprocess.run(
        app_command(), cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    return SynthRun(
        env=env_name,
        seconds=time.perf_counter() - started,
        returncode=completed.returncode,
        outdir=outdir,
        stderr=completed.stderr,
    )


def main(argv: list[str]) -> int:
    failed = False
    for env_name in argv or ENVIRONMENTS:
        with tempfile.TemporaryDirectory(prefix=f"oms-synth-{env_name}-") as outdir:
            run = run_app(env_name, Path(outdir))
        status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
        print(f"{env_name:8} {run.seconds:6.1f} s  {status}")
        if run.returncode != 0:
            failed = True
            print(run.stderr[-4000:], file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
