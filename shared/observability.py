"""One Logger and one Metrics for every function (JSON logs, EMF metrics; the correlation id is
the order id wherever there is one)."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "oms")
ORDER_TO_OUTBOUND_METRIC = "OrderToOutboundSeconds"  # emitted when an order's outbound notes are created

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "oms"), service=SERVICE)
