"""Stage shared/ as a Lambda layer directory: <staging>/python/shared, so `import shared...` works.

The staging directory is named after a hash of shared/'s content: two synths running at once
(a developer's and CI's, or parallel tests) never write into the same directory, and an
unchanged shared/ is not copied again.

Bytecode: Lambda's /opt is read-only, so a layer of .py files is compiled again by every new
container (benchmarks/cold_import.py measures the difference). The staged copy is compiled with
unchecked-hash .pyc files (valid whatever the files' timestamps in the zip) by an interpreter of
the functions' runtime version (LAYER_PYTHON): the synthesizing one when it is that version, else
the one named by OMS_LAYER_PYTHON, else a `python3.12` found on PATH or under pyenv
(`layer_compiler`). Without one the .pyc would be ignored by the runtime, so none is shipped and
the synth says so.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import py_compile
import shutil
import subprocess
import sys
import time
import uuid
from functools import cache
from pathlib import Path

from infra.topology import ROOT

SHARED_SOURCE = ROOT / "shared"
LAYER_STAGING_ROOT = ROOT / ".build" / "layer"
_IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
_IGNORED_SUFFIXES = {".pyc", ".pyo", ".so"}  # .so: a compiled optimiser built for this machine (decision 237), not for Lambda
# What a copy of the sources leaves out, as shutil.ignore_patterns takes it (benchmarks/cold_import.py
# stages the same files the layer ships).
LEFT_OUT_PATTERNS = (*sorted(_IGNORED_PARTS), *(f"*{suffix}" for suffix in sorted(_IGNORED_SUFFIXES)))
# Older stagings are removed once nobody can still be synthesizing from them.
_STALE_AFTER_SECONDS = 3600
LAYER_PYTHON = (3, 12)  # infra/functions.py RUNTIME: the bytecode must be this version's


def layer_compiler() -> str | None:
    """An interpreter of LAYER_PYTHON that can compile the layer, or None."""
    if sys.version_info[:2] == LAYER_PYTHON:
        return sys.executable
    wanted = "python{}.{}".format(*LAYER_PYTHON)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [os.environ.get("OMS_LAYER_PYTHON"), shutil.which(wanted)]
    candidates += [str(p) for p in sorted(pyenv.glob("{}.{}.*/bin/{}".format(*LAYER_PYTHON, wanted)))]
    for candidate in filter(None, candidates):
        try:
            answer = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, timeout=30, check=False)
        except OSError:
            continue
        if answer.returncode == 0 and answer.stdout.strip() == str(LAYER_PYTHON):
            return candidate
    return None


@cache
def ships_bytecode() -> bool:
    return layer_compiler() is not None


def compile_for_runtime(directory: Path) -> None:
    """Unchecked-hash .pyc files for LAYER_PYTHON beside the sources under `directory`."""
    compiler = layer_compiler()
    if compiler == sys.executable:
        compileall.compile_dir(directory, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    elif compiler:
        subprocess.run([compiler, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(directory)], check=True, capture_output=True, timeout=600)


def stage_shared_layer(
    source: Path = SHARED_SOURCE, staging_root: Path = LAYER_STAGING_ROOT
) -> Path:
    """Return a directory holding python/shared/... (a copy of `source`, caches left out)."""
    files = _layer_files(source)
    target = staging_root / (_content_hash(source, files) + ("-pyc" if ships_bytecode() else ""))
    if not (target / "python" / source.name).is_dir():
        _copy_atomically(source, files, target, staging_root)
    _prune_other_stagings(staging_root, keep=target)
    return target


def _layer_files(source: Path) -> list[Path]:
    if not source.is_dir():
        raise FileNotFoundError(f"the shared library {source} does not exist")
    return sorted(
        path
        for path in source.rglob("*")
        if path.is_file()
        and not _IGNORED_PARTS.intersection(path.relative_to(source).parts)
        and path.suffix not in _IGNORED_SUFFIXES
    )


def _content_hash(source: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _copy_atomically(source: Path, files: list[Path], target: Path, staging_root: Path) -> None:
    scratch = staging_root / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    package = scratch / "python" / source.name
    for path in files:
        destination = package / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    if ships_bytecode():
        compile_for_runtime(package)
    try:
        scratch.rename(target)
    except OSError:
        # Another synth staged the same content first; its copy is as good as ours.
        shutil.rmtree(scratch, ignore_errors=True)


def _prune_other_stagings(staging_root: Path, keep: Path) -> None:
    now = time.time()
    for entry in staging_root.iterdir():
        if entry != keep and now - entry.stat().st_mtime > _STALE_AFTER_SECONDS:
            shutil.rmtree(entry, ignore_errors=True)
