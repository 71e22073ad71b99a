"""Synthesize each environment at most once per test session (a synth costs seconds)."""

from __future__ import annotations

import os

# Before jsii starts: it warns on every start that Node 20 is past its support window.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import json  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from aws_cdk import App  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.app import build_app  # noqa: E402
from infra.stack import OmsStack  # noqa: E402
from tests.infra.nested_templates import flattened, stack_templates  # noqa: E402


@dataclass(frozen=True)
class Synthesized:
    """One environment's app; `template` is the root and its nested stacks flattened into one
    (tests/infra/nested_templates.py), `templates` each template file on its own. `json` is the
    same flattened template as the plain dict `template` was built from: reading it costs nothing,
    where `template.to_json()` copies the whole template out of jsii's node process on every call
    (decision 209). Read-only: a test that changes a template
    works on a copy.deepcopy of it."""

    app: App
    stack: OmsStack
    template: Template
    outdir: Path
    templates: dict[str, dict[str, Any]]
    document: dict[str, Any]

    @property
    def json(self) -> dict[str, Any]:
        return self.document

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.json["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r["Type"] == resource_type}

    def asset_path(self, object_key: str) -> Path:
        """Where the synth staged the asset uploaded as `object_key` (e.g. `<hash>.zip`)."""
        return self.outdir / f"asset.{object_key.removesuffix('.zip')}"


@pytest.fixture(scope="session")
def synthesize(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Synthesized]]:
    cache: dict[str, Synthesized] = {}

    def synth(env_name: str) -> Synthesized:
        if env_name not in cache:
            outdir = tmp_path_factory.mktemp(f"cdk-{env_name}")
            # cdk-nag runs in test_nag.py on the construct tree, where a finding can be listed
            # instead of failing every test at once.
            app, stack = build_app(env_name, outdir=str(outdir), nag=False)
            app.synth()
            merged = flattened(outdir, stack.stack_name)
            cache[env_name] = Synthesized(
                app, stack, Template.from_json(merged), outdir, stack_templates(outdir, stack.stack_name), merged
            )
        return cache[env_name]

    yield synth


@pytest.fixture(scope="session")
def dev(synthesize: Callable[[str], Synthesized]) -> Synthesized:
    return synthesize("dev")


@pytest.fixture(scope="session")
def template(dev: Synthesized) -> Template:
    return dev.template


@pytest.fixture(scope="session")
def cdk_context() -> dict[str, Any]:
    return json.loads((Path(__file__).resolve().parents[2] / "cdk.json").read_text())["context"]
