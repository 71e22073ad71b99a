"""The switch for the record layouts of decisions 183 and 185 (one reservation record per order
reserved with its status change; the outbound note carrying its own outbox message).

Every reader understands both the old and the new layouts; the writers use the new ones unless
SHARED_RECORDS=0. A stage that already runs deploys twice: first with `cdk deploy -c
shared_records=off` (every function reads both layouts, none writes the new ones: a function
not yet updated never meets a record it cannot read), then a normal deploy (docs/runbook.md)."""

from __future__ import annotations

import os

SWITCH_ENV = "SHARED_RECORDS"
CONTEXT_KEY = "shared_records"  # `cdk deploy -c shared_records=off`


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1") != "0"
