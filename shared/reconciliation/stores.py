"""One reconciliation store and one credentials reader per process and configuration (a Lambda
container keeps them warm; a test or the local runtime that changes the names gets new ones)."""

from __future__ import annotations

import os
from functools import cache

from shared.reconciliation.credentials import SECRET_ENV, PlatformCredentials
from shared.reconciliation.store import TABLE_ENV, ReconciliationStore


def reconciliation_store() -> ReconciliationStore:
    return _store(os.environ.get(TABLE_ENV, ""))


def platform_credentials() -> PlatformCredentials:
    return _credentials(os.environ.get(SECRET_ENV, ""))


@cache
def _store(table: str) -> ReconciliationStore:
    return ReconciliationStore(table or None)


@cache
def _credentials(secret_id: str) -> PlatformCredentials:
    return PlatformCredentials(secret_id or None)
