"""One Logger and one Metrics for every function (JSON logs, EMF metrics; the correlation id is
the order id wherever there is one)."""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics

# A request refused before any metric was added is normal here, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "oms")
ORDER_TO_OUTBOUND_METRIC = "OrderToOutboundSeconds"  # emitted when an order's outbound notes are created

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "oms"), service=SERVICE)
