"""Scheduled: ask for the reconciliation runs of every shop with API credentials — incremental
windows every few minutes, the previous day nightly (the schedule's input says which) — and count
the differences that have waited for a person for over a day (the alarm's metric)."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.clock import iso, utc_now
from shared.observability import logger, metrics
from shared.reconciliation.domain import RunKind
from shared.reconciliation.queue import request_run
from shared.reconciliation.stores import platform_credentials, reconciliation_store
from shared.reconciliation.usecases.plan_runs import plan_runs

UNRESOLVED_AGE = timedelta(days=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    kind = RunKind((event.get("detail") or {}).get("kind") or event.get("kind") or RunKind.INCREMENTAL.value)
    store, now = reconciliation_store(), utc_now()
    requests = plan_runs(kind, platform_credentials().shops(), store.cursor, now)
    for request in requests:
        request_run(request)
    unresolved = store.open_differences_older_than(iso(now - UNRESOLVED_AGE))
    metrics.add_metric(name="ReconciliationUnresolvedOverADay", unit="Count", value=unresolved)
    if unresolved:
        logger.warning("reconciliation differences wait for a person for over a day", extra={"count": unresolved})
    return {"kind": kind.value, "runs": [r.run_id for r in requests], "unresolved_over_a_day": unresolved}
