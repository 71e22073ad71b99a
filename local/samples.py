"""Where the platforms' published payloads are: `shared/samples/real/` beside the clone (CI puts
that folder next to the checkout; a git worktree may sit a level deeper), or OMS_REAL_SAMPLES.
They are read, never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "OMS_REAL_SAMPLES"
_RELATIVE = Path("shared") / "samples" / "real"


def real_samples_dir() -> Path | None:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    for ancestor in ROOT.parents:
        candidate = ancestor / _RELATIVE
        if candidate.is_dir():
            return candidate
    return None
