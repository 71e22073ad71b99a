"""Acknowledging cdk-nag (AwsSolutions) findings, one finding at a time, with the reason.

cdk-nag 3 runs as a CDK validation plugin and reads acknowledgments recorded with
`Validations.of(construct).acknowledge(...)`; a finding is acknowledged only by its exact id
(e.g. `AwsSolutions-IAM5[Resource::*]`), on the construct or one of its parents. These helpers
build those ids, so every suppression in infra/ reads as: rule, the exact finding, why.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule: str, reason: str, *findings: str) -> None:
    """Acknowledge `rule` (e.g. "IAM5") on `scope`: each of `findings`, or the rule as a whole."""
    ids = [f"{PACK}-{rule}[{finding}]" for finding in findings] or [f"{PACK}-{rule}"]
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id_, reason=reason) for id_ in ids))


def arn_of(construct: IConstruct) -> str:
    """How cdk-nag spells `Fn::GetAtt <resource>.Arn` in a finding: `<LogicalId.Arn>`."""
    return f"<{_logical_id(construct)}.Arn>"


def _logical_id(construct: IConstruct) -> str:
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    return Stack.of(construct).get_logical_id(resource)
