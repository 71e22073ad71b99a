"""A single-item write that meets a transaction in progress on its item (TransactionConflictException,
HTTP 400) is transient: a plain status change beside another step's transaction is retried, not a 500."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from shared.aws.dynamo import raise_if_transient
from shared.aws.transient import THROTTLING_CODES
from shared.errors import StoreUnavailable


def test_a_transaction_conflict_is_store_unavailable_and_retried_as_a_throttle():
    error = ClientError({"Error": {"Code": "TransactionConflictException", "Message": "in progress"}}, "UpdateItem")
    with pytest.raises(StoreUnavailable):
        raise_if_transient(error)
    assert "TransactionConflictException" in THROTTLING_CODES
