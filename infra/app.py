"""The CDK app: `python -m infra.app` (what cdk.json's "app" runs), one stack per environment.

    npx cdk synth -c env=prod        # through the CDK CLI (dev when -c env is not given)
    CDK_OUTDIR=/tmp/out CDK_CONTEXT_JSON='{"env":"prod"}' .venv/bin/python -m infra.app

cdk-nag's AwsSolutions pack runs as a validation plugin: a finding that is neither fixed nor
acknowledged with a reason (infra/nag.py) fails the synth.
"""

from __future__ import annotations

import os

# jsii warns loudly on every start that Node 20 is past its support window; CI pins Node 20.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402  (jsii reads the variable above when it starts)
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.config import ENV_CONTEXT_KEY, cdk_json_context, settings_from_context  # noqa: E402
from infra.stack import OmsStack  # noqa: E402


def build_app(
    env_name: str | None = None, *, outdir: str | None = None, nag: bool = True
) -> tuple[cdk.App, OmsStack]:
    """Build (not synthesize) the app for one environment.

    cdk.json's context is the default; the CLI's context (CDK_CONTEXT_JSON, including
    `-c env=...`) overrides it; `env_name`, when given, overrides both.
    """
    app = cdk.App(
        context=cdk_json_context(),
        post_cli_context={ENV_CONTEXT_KEY: env_name} if env_name else None,
        outdir=outdir,
    )
    stack = OmsStack(app, settings=settings_from_context(app))
    if nag:
        add_nag_checks(app)
    return app, stack


def add_nag_checks(app: cdk.App) -> None:
    """cdk-nag 3 is a validation plugin: an unacknowledged finding fails `cdk synth` (exit 1)
    and a direct `python -m infra.app` (exception listing the findings)."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
