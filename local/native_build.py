"""Compile the modules listed in NATIVE with mypyc, in place, beside their Python source (decision 237).

`python -m local.native_build` (run by `make install`): one algorithm, two builds. The .py file is
the reference and stays what runs wherever the compiled module is absent (the Lambda layer ships
none: infra/layer_bundle.py leaves .so files out). Python imports an extension module in
preference to the .py beside it, so a build that fails leaves pure Python running: the build says
so in one line and exits 0, never breaking an install.

A compiled module built from an older source would run old code: each build records the sha256
of the sources it compiled (BUILT_FROM), and `stale()` names a compiled module whose source has
changed since (tests/unit/test_native_build.py fails on one; `make install` rebuilds it).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Compiled where it pays: the exact search, and the decision's set-up around it (decision 237); the
# order's demand and the simulation's router and stock around those (decision 238); the cost
# model's lanes and quotes, which the planner and the search call into (decision 247).
NATIVE = (
    "shared/routing/optimiser.py",
    "shared/routing/planner.py",
    "shared/routing/memo.py",
    "shared/routing/demand.py",
    "shared/routing/costs.py",
    "simulation/routers.py",
    "simulation/stock.py",
)
BUILT_FROM = ROOT / ".build" / "native" / "built_from.json"


def source_hash(relative: str) -> str:
    return hashlib.sha256((ROOT / relative).read_bytes()).hexdigest()


def compiled_files(relative: str) -> list[Path]:
    """The extension modules beside a source file (`<name>__mypyc` is a lone module's runtime part;
    modules compiled together share one, `<hash>__mypyc`, at the root: `group_libraries`)."""
    source = ROOT / relative
    stem = source.with_suffix("")
    return [
        path
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
        for path in (Path(f"{stem}{suffix}"), Path(f"{stem}__mypyc{suffix}"))
        if path.exists()
    ]


def group_libraries() -> list[Path]:
    return [path for suffix in importlib.machinery.EXTENSION_SUFFIXES for path in ROOT.glob(f"*__mypyc{suffix}")]


def stale() -> list[str]:
    """The NATIVE sources that have a compiled module built from another version of them."""
    recorded = json.loads(BUILT_FROM.read_text()) if BUILT_FROM.exists() else {}
    return [relative for relative in NATIVE if compiled_files(relative) and recorded.get(relative) != source_hash(relative)]


def remove_compiled() -> None:
    for relative in NATIVE:
        for path in compiled_files(relative):
            path.unlink()
    for path in group_libraries():
        path.unlink()


def build() -> bool:
    """Compile NATIVE in place; on any failure remove what was built and say so in one line."""
    remove_compiled()  # never leave a compiled module of an older source behind
    hashes = {relative: source_hash(relative) for relative in NATIVE}
    had_build_dir = (ROOT / "build").exists()
    with tempfile.TemporaryDirectory(prefix="oms-native-") as scratch:
        env = dict(os.environ, MYPY_CACHE_DIR=str(Path(scratch) / "cache"))
        # mypyc writes its C sources under ./build and copies each extension beside its source.
        try:
            done = subprocess.run(
                [sys.executable, "-m", "mypyc", *NATIVE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
            )
        except (OSError, subprocess.SubprocessError) as error:
            done, failure = None, str(error)
        else:
            failure = (done.stderr or done.stdout).strip().splitlines()[-1:] if done.returncode else None
        finally:
            if not had_build_dir:
                shutil.rmtree(ROOT / "build", ignore_errors=True)
    if done is None or failure is not None or not all(compiled_files(r) for r in NATIVE):
        remove_compiled()
        reason = failure if isinstance(failure, str) else " ".join(failure or ["no module was produced"])
        print(f"warning: the compiled routing modules were not built ({reason[:160]}); oms runs the pure-Python one", file=sys.stderr)
        return False
    BUILT_FROM.parent.mkdir(parents=True, exist_ok=True)
    BUILT_FROM.write_text(json.dumps(hashes, indent=1) + "\n")
    return True


def main() -> int:
    if build():
        print("compiled with mypyc: " + ", ".join(NATIVE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
