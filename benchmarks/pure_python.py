"""Run a module with the pure-Python build of the compiled modules (decision 237).

    python -m benchmarks.pure_python benchmarks.promotion_day --orders 10000 --seed 11 --quiet

Python imports an extension module before the .py beside it; this imports the .py sources of
local/native_build.NATIVE instead, whether or not their compiled build is present, then runs the
module as `python -m` would. Same-moment pairs of the two builds, and the equality test of their
reports (tests/unit/test_native_build.py), run through it.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import runpy
import sys
from pathlib import Path

from local.native_build import NATIVE, ROOT


def _sources() -> dict[str, Path]:
    return {relative.removesuffix(".py").replace("/", "."): ROOT / relative for relative in NATIVE}


class PureSources(importlib.abc.MetaPathFinder):
    """Finds the NATIVE modules' .py files ahead of the path finder (which prefers a .so)."""

    def __init__(self) -> None:
        self.sources = _sources()

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 (the finder protocol)
        source = self.sources.get(fullname)
        return importlib.util.spec_from_file_location(fullname, source) if source else None


def use_pure_python() -> None:
    """From now on, the NATIVE modules import from their .py files (call before they are imported)."""
    already = [name for name in _sources() if name in sys.modules]
    if already:
        raise RuntimeError(f"already imported: {', '.join(already)}")
    sys.meta_path.insert(0, PureSources())


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    use_pure_python()
    sys.argv = argv[:]
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
