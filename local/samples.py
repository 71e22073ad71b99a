"""Where the platforms' published payloads are: `samples/real/` inside the repository (copied
byte for byte from the platforms' public sources, listed with their sha256 in
samples/real/SOURCES.md), or OMS_REAL_SAMPLES to read another copy."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "OMS_REAL_SAMPLES"
IN_REPO = ROOT / "samples" / "real"


def real_samples_dir() -> Path | None:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return IN_REPO if IN_REPO.is_dir() else None
