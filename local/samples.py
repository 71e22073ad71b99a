"""Where the platforms' published payloads are: `samples/real/` inside the repository (copied
byte for byte from the platforms' public sources, listed with their sha256 in
samples/real/SOURCES.md), or OMS_REAL_SAMPLES to read another copy; and `load_event`, the
repository's sample events (events/) for the demo, the benchmarks and the tests alike."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "OMS_REAL_SAMPLES"
IN_REPO = ROOT / "samples" / "real"
EVENTS = ROOT / "events"


def load_event(relative: str) -> Any:
    """A sample event of events/ (e.g. "orders/01_own_shop_shanghai.json"), parsed."""
    return json.loads((EVENTS / relative).read_text("utf-8"))


def real_samples_dir() -> Path | None:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return IN_REPO if IN_REPO.is_dir() else None
