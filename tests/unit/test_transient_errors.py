"""Which AWS failures the workflow retries: the handler names them DependencyUnavailable."""

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from shared.aws.transient import is_transient, transient_errors_named
from shared.errors import DependencyUnavailable, StockShortage


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "TransactWriteItems")


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException"),
        client_error("ProvisionedThroughputExceededException"),
        client_error("InternalServerError", 500),
        client_error("SomethingNew", 503),
        EndpointConnectionError(endpoint_url="https://dynamodb"),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
    ],
)
def test_throttling_5xx_and_network_errors_are_transient(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", [client_error("AccessDeniedException"), client_error("ValidationException"), ValueError("bad"), StockShortage("O", [])])
def test_refusals_and_business_errors_are_not(error):
    assert not is_transient(error)


def test_the_decorator_renames_only_transient_errors():
    def failing(error):
        @transient_errors_named
        def handler(event, context):
            raise error

        return handler

    with pytest.raises(DependencyUnavailable, match="TransactWriteItems: ThrottlingException"):
        failing(client_error("ThrottlingException"))({}, None)
    with pytest.raises(ClientError):
        failing(client_error("AccessDeniedException"))({}, None)
    with pytest.raises(StockShortage):
        failing(StockShortage("O", []))({}, None)
