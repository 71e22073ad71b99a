"""Imported first by every Lambda handler (before Powertools, pydantic and botocore): a container's
init creates some hundred thousand objects (modules, classes, pydantic schemas), and with CPython's
default threshold (a young collection every 700 net allocations, and the older generations with
them) the collector ran through the init over and over, for a growing heap that is all live: about a
quarter of a handler's own import CPU (decision 261). A young collection every 5,000 allocations
keeps that away and stays small for a Lambda's short invocations; the older generations keep their
default ratios. A process whose young threshold is already higher keeps its own."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 5_000

if gc.get_threshold()[0] < YOUNG_THRESHOLD:
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
