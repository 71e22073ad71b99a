"""Fixtures the unit tests share."""

from __future__ import annotations

import pytest


@pytest.fixture
def fake_aws(monkeypatch):
    """moto in process (no local server), with credentials that reach nothing real."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "t")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
