"""One Logger and one Metrics for every function (JSON logs, EMF metrics; the correlation id is
the order id wherever there is one)."""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from shared import snapstart

# A request refused before any metric was added is normal here, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "oms")
ORDER_TO_OUTBOUND_METRIC = "OrderToOutboundSeconds"  # emitted when an order's outbound notes are created

# Keys the log group or the function's configuration already tells: not repeated on every line
# (about 120 bytes of a ~430-byte line; decision 160). function_name, function_request_id,
# cold_start, the X-Ray trace id and the order id stay.
CONSTANT_KEYS = ("function_arn", "function_memory_size")


class _Formatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict) -> str:
        for key in CONSTANT_KEYS:
            log.pop(key, None)
        return super().serialize(log)


# RFC 3339 timestamps: with Lambda's JSON log format, a line whose timestamp is not RFC 3339 is
# classed INFO whatever its level (AWS's log-level filtering), so ERROR lines would be filtered as INFO.
logger = Logger(service=SERVICE, logger_formatter=_Formatter(use_rfc3339=True))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "oms"), service=SERVICE)
# Every handler imports this module: a SnapStart environment's restore redoes what the snapshot
# must not share (the random generator, the Logger's sampling; decision 200).
snapstart.install(logger)
