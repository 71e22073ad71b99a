"""cdk-nag (AwsSolutions): no finding is left unfixed or unexplained, and no explanation is stale.

cdk-nag 3 is a CDK validation plugin; acknowledgments are recorded with
`Validations.of(construct).acknowledge(...)` (through infra/nag.py). The app registers the
plugin, so `cdk synth` fails on any unacknowledged finding; here the same pack runs on the
construct tree directly, so the findings can be listed.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

import infra.nag
from infra.app import add_nag_checks, build_app
from tests.infra.conftest import Synthesized


def _findings(scope: Any) -> list[tuple[str, str, str]]:
    report = AwsSolutionsChecks().validate_scope(scope)
    return [
        (violation.rule_name, violation.severity, resource.construct_path)
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def test_no_unacknowledged_aws_solutions_error_or_warning(dev: Synthesized) -> None:
    findings = _findings(dev.app)
    listing = "\n".join(f"  {severity:7} {rule}  at {path}" for rule, severity, path in findings)
    assert not findings, f"cdk-nag AwsSolutions findings to fix or acknowledge:\n{listing}"


class _RecordingValidations:
    """Stands in for aws_cdk.Validations inside infra.nag: records, does not acknowledge."""

    recorded: list[tuple[str, str]] = []

    def __init__(self, scope: Any) -> None:
        self._path = scope.node.path

    @classmethod
    def of(cls, scope: Any) -> _RecordingValidations:
        return cls(scope)

    def acknowledge(self, *acknowledgments: cdk.Acknowledgment) -> None:
        for acknowledgment in acknowledgments:
            assert acknowledgment.reason.strip(), f"{acknowledgment.id} has no reason"
            self.recorded.append((acknowledgment.id, self._path))


def test_every_acknowledgment_matches_a_real_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build dev again with acknowledgments only recorded: every recorded one must silence a
    finding that really occurs at that construct or below it."""
    monkeypatch.setattr(_RecordingValidations, "recorded", [])
    monkeypatch.setattr(infra.nag, "Validations", _RecordingValidations)
    app, _ = build_app("dev", nag=False)
    findings = _findings(app)
    assert findings, "without acknowledgments cdk-nag should find something"

    def covers(acknowledged_path: str, finding_path: str) -> bool:
        return finding_path == acknowledged_path or finding_path.startswith(acknowledged_path + "/")

    stale = [
        (rule, path)
        for rule, path in _RecordingValidations.recorded
        if not any(rule == found and covers(path, where) for found, _, where in findings)
    ]
    assert not stale, f"acknowledgments without a finding (remove them): {stale}"
    unexplained = [
        (found, where)
        for found, _, where in findings
        if not any(
            rule == found and covers(path, where) for rule, path in _RecordingValidations.recorded
        )
    ]
    assert not unexplained, f"findings nobody acknowledged: {unexplained}"


def test_nag_checks_fail_the_synth_of_a_non_compliant_app(tmp_path: Any) -> None:
    """The plugin the app registers stops `cdk synth` on a finding (here: a queue without a
    dead-letter queue, encryption policy or TLS enforcement)."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "NagProbe")
    sqs.Queue(stack, "QueueWithoutDeadLetters", enforce_ssl=False)
    add_nag_checks(app)
    with pytest.raises(Exception, match="AwsSolutions-SQS3"):
        app.synth()
