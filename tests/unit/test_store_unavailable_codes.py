"""One list of transient AWS answers (decision 188): the workflow's DependencyUnavailable and the
stores' StoreUnavailable are built from shared/aws/transient.py, and a cancelled transaction's
per-item reasons are read in their own codes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from shared.aws.dynamo import TransactionCancelled, raise_if_transient, transact_write
from shared.aws.transient import SERVER_ERROR_CODES, THROTTLING_CODES, is_transient
from shared.errors import StoreUnavailable


def answer(code: str, status: int = 400, operation: str = "UpdateItem", **extra) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}, **extra}, operation)


@pytest.mark.parametrize("code", sorted(THROTTLING_CODES | SERVER_ERROR_CODES))
def test_every_transient_code_is_store_unavailable_and_dependency_unavailable_alike(code):
    error = answer(code)
    assert is_transient(error)
    with pytest.raises(StoreUnavailable):
        raise_if_transient(error)


def test_any_server_error_status_is_store_unavailable():
    with pytest.raises(StoreUnavailable):
        raise_if_transient(answer("SomethingNew", status=502))


@pytest.mark.parametrize(
    "code",
    ["ConditionalCheckFailedException", "ValidationException", "AccessDeniedException", "ResourceNotFoundException", "ItemCollectionSizeLimitExceededException", "UnrecognizedClientException"],
)
def test_a_refusal_is_not_transient(code):
    error = answer(code)
    raise_if_transient(error)  # left to the caller: a 4xx that a retry would meet again
    assert not is_transient(error)


class CancellingClient:
    def __init__(self, reasons: list[str]):
        self.reasons = reasons

    def transact_write_items(self, **_):
        raise answer("TransactionCanceledException", operation="TransactWriteItems", CancellationReasons=[{"Code": r} for r in self.reasons])


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"])
def test_a_transaction_cancelled_by_a_throttle_or_a_conflict_is_store_unavailable(reason):
    """DynamoDB names these reasons ThrottlingError / ProvisionedThroughputExceeded, not by the
    exceptions' names: before decision 188 a throttled transaction read as a failed condition,
    which the order store reports as a lost race (VersionConflict)."""
    with pytest.raises(StoreUnavailable):
        transact_write(CancellingClient(["None", reason]), [])


def test_a_transaction_cancelled_by_a_condition_is_a_cancellation():
    with pytest.raises(TransactionCancelled) as cancelled:
        transact_write(CancellingClient(["None", "ConditionalCheckFailed"]), [])
    assert cancelled.value.failed(1) and not cancelled.value.failed(0)


def test_a_failed_condition_beside_a_throttle_is_a_cancellation_not_unavailability():
    with pytest.raises(TransactionCancelled) as cancelled:
        transact_write(CancellingClient(["ThrottlingError", "ConditionalCheckFailed"]), [])
    assert cancelled.value.failed(1)
