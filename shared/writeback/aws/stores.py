"""One credentials reader per process, and the queue/bus ports the write-back use cases take."""

from __future__ import annotations

import time

from shared.aws.messaging import publish
from shared.aws.stores import _one, order_store
from shared.reconciliation.credentials import PlatformCredentials
from shared.writeback.aws import queues
from shared.writeback.aws.store import channel_sync_store
from shared.writeback.usecases.deliver import Ports

BASE_BACKOFF_ENV = "WRITEBACK_BASE_BACKOFF_SECONDS"


def platform_credentials() -> PlatformCredentials:
    return _one(PlatformCredentials)


def delivery_ports() -> Ports:
    import os

    return Ports(
        store=channel_sync_store(),
        orders=order_store(),
        credentials=platform_credentials(),
        send=queues.send,
        give_up=queues.give_up,
        publish=publish,
        base_backoff_seconds=float(os.environ.get(BASE_BACKOFF_ENV, "2")),
        now_epoch=lambda: int(time.time()),
    )
