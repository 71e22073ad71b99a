"""Reconciliation's EMF metrics: one per kind of difference, once per finished run."""

from __future__ import annotations

from shared.observability import metrics


def emit_difference_metrics(counts: dict[str, int], needs_person: int) -> None:
    metrics.add_metric(name="ReconciliationRunsCompleted", unit="Count", value=1)
    metrics.add_metric(name="ReconciliationNeedsPerson", unit="Count", value=needs_person)
    for kind, count in counts.items():
        metrics.add_metric(name=f"ReconciliationDifference_{kind}", unit="Count", value=count)
