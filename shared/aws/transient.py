"""Which AWS failures are transient, and the decorator that names them for the workflow.

A handler surfaces whatever botocore raised once the SDK's own retries gave up: a ClientError
with a throttling or 5xx code, a connection or read timeout, a closed connection. Step Functions
matches errors by name, and "ClientError" names a throttle and a missing permission alike, so the
workflow's Task handlers re-raise the transient ones as DependencyUnavailable (retried with
backoff and jitter) and let everything else through unchanged (not retried: EXCEPTION)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError, ConnectTimeoutError

from shared.errors import DependencyUnavailable

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "TransactionConflictException",
        "LimitExceededException",
        "SlowDown",
    }
)
SERVER_ERROR_CODES = frozenset({"InternalServerError", "InternalFailure", "InternalError", "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException"})
# A cancelled DynamoDB transaction names a reason per item, in codes of their own (not the
# exceptions' names): these three say the transaction met another one or a throttle, not a failed
# condition, so it may be sent again (decision 188).
TRANSIENT_CANCELLATION_REASONS = frozenset({"TransactionConflict", "ProvisionedThroughputExceeded", "ThrottlingError"})
NETWORK_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError, TimeoutError, ConnectionError)

F = TypeVar("F", bound=Callable[..., Any])


def is_transient(error: BaseException) -> bool:
    if isinstance(error, NETWORK_ERRORS):
        return True
    if isinstance(error, ClientError):
        return is_transient_answer(error)
    return False


def is_transient_answer(error: ClientError) -> bool:
    """A throttle or a server-side failure: the one list the workflow's DependencyUnavailable and
    the stores' StoreUnavailable (shared/aws/dynamo.py) are both built from."""
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in THROTTLING_CODES or code in SERVER_ERROR_CODES or status >= 500


def describe(error: BaseException) -> str:
    if isinstance(error, ClientError):
        found = error.response.get("Error", {})
        return f"{error.operation_name}: {found.get('Code', '?')}: {found.get('Message', '')}"
    return f"{type(error).__name__}: {error}"


def transient_errors_named(handler: F) -> F:
    """Wraps a workflow Task handler: a transient AWS failure leaves it as DependencyUnavailable."""

    @functools.wraps(handler)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except Exception as error:
            if is_transient(error):
                raise DependencyUnavailable(describe(error)) from error
            raise

    return wrapped  # type: ignore[return-value]
