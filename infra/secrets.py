"""The Secrets Manager secrets of topology.SECRETS. The stack creates each with an empty JSON map;
operators put the values (docs/runbook.md), so no secret is ever in code or in a template."""

from __future__ import annotations

from aws_cdk import SecretValue
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.nag import acknowledge
from infra.naming import mark, pascal


class Secrets(Construct):
    def __init__(self, scope: Construct, id_: str, *, settings: EnvironmentSettings) -> None:
        super().__init__(scope, id_)
        self.secrets: dict[str, secretsmanager.Secret] = {}
        for spec in topology.SECRETS:
            secret = secretsmanager.Secret(
                self,
                f"{pascal(spec.key)}Secret",
                secret_name=f"{settings.stack_name}/{spec.key}",
                description=spec.description,
                # An empty map is not a secret; the real values never pass through CloudFormation.
                secret_string_value=SecretValue.unsafe_plain_text("{}"),
                removal_policy=settings.removal_policy,
            )
            mark(secret, spec.key)
            acknowledge(
                secret,
                "SMG4",
                "The values are signing secrets each platform issues (Shopify admin, the "
                "connectors' app secrets); they are rotated on the platform and then put here, "
                "which a rotation function cannot do.",
            )
            self.secrets[spec.key] = secret
