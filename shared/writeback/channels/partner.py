"""The ERP and SaaS partner channels have no platform API to call: they subscribe to oms's bus.
Their write-back is the ShipmentWrittenBack event itself (published for every channel once the
platform took the call), carrying their own order id, carrier, waybill and the package's lines;
an EventBridge rule on detail.channel delivers it to the ERP's or partner's target. No stock
push: an ERP is the source of stock, not a sales channel."""

from __future__ import annotations

from shared.reconciliation.pull.base import ShopCredentials
from shared.writeback.domain import StockPush, WriteBack


class PartnerChannel:
    def __init__(self, channel: str):
        self.channel = channel

    def ship(self, writeback: WriteBack, credentials: ShopCredentials) -> str:
        return "announced on the event bus (ShipmentWrittenBack)"

    def push_stock(self, push: StockPush, credentials: ShopCredentials) -> str:
        raise ValueError(f"{self.channel} is not sold on: no stock push")
