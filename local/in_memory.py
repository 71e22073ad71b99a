"""In-memory stand-ins for the order store, the SKU catalog and the channel secrets: the same
behaviour intake relies on (a conditional create, version-conditioned amendments, content-keyed
notes), without DynamoDB. The property tests use them to run thousands of requests in seconds,
and the intake benchmark to separate oms's own cost from the store's."""

from __future__ import annotations

import json
import threading
from collections.abc import Collection
from pathlib import Path

from local.seed import CATALOG, CHANNEL_SECRETS
from shared import signatures
from shared.aws.order_store import OrderDetails, StoredOrder
from shared.clock import now_iso
from shared.errors import OrderNotFound, VersionConflict
from shared.lifecycle import OrderStatus, TimelineEntry, check_transition
from shared.orders import OrderIn


class InMemoryOrderStore:
    def __init__(self) -> None:
        self.orders: dict[str, StoredOrder] = {}
        self.timelines: dict[str, list[TimelineEntry]] = {}
        self._lock = threading.Lock()

    def create(self, order: OrderIn, entry: TimelineEntry) -> tuple[StoredOrder, bool]:
        with self._lock:
            if order.order_id in self.orders:
                return self.orders[order.order_id], False
            moment = now_iso()
            self.orders[order.order_id] = StoredOrder(
                order_id=order.order_id, status=OrderStatus.RECEIVED, version=1, created_at=moment,
                updated_at=moment, fingerprint=order.content_fingerprint(), order=order,
            )  # fmt: skip
            self.timelines[order.order_id] = [entry]
            return self.orders[order.order_id], True

    def load(self, order_id: str) -> StoredOrder:
        if order_id not in self.orders:
            raise OrderNotFound(order_id)
        return self.orders[order_id]

    def details(self, order_id: str) -> OrderDetails:
        return OrderDetails(order=self.load(order_id), timeline=list(self.timelines[order_id]), outbound_notes=[])

    def add_note(self, current: StoredOrder, entry: TimelineEntry) -> None:
        note = entry.model_copy(update={"kind": "note"})
        with self._lock:  # a note's identity is its content, as in DynamoDB: a retry rewrites it
            timeline = self.timelines[current.order_id]
            if not any(e.model_dump(exclude={"at"}) == note.model_dump(exclude={"at"}) for e in timeline):
                timeline.append(note)

    def amend(self, current: StoredOrder, order: OrderIn, entry: TimelineEntry) -> StoredOrder:
        with self._lock:
            self._check_unchanged(current)
            amended = current.model_copy(update={"order": order, "fingerprint": order.content_fingerprint(), "version": current.version + 1})
            self.orders[current.order_id] = amended
            self.timelines[current.order_id].append(entry.model_copy(update={"kind": "note"}))
            return amended

    def transition(self, current: StoredOrder, to_status: OrderStatus, entry: TimelineEntry, **_: object) -> StoredOrder:
        check_transition(current.order_id, current.status, to_status)
        with self._lock:
            self._check_unchanged(current)
            moved = current.model_copy(update={"status": to_status, "version": current.version + 1, "updated_at": entry.at})
            self.orders[current.order_id] = moved
            self.timelines[current.order_id].append(entry)
            return moved

    def _check_unchanged(self, current: StoredOrder) -> None:
        stored = self.orders[current.order_id]
        if (stored.version, stored.status) != (current.version, current.status):
            raise VersionConflict(current.order_id, current.version)


class InMemoryCatalog:
    def __init__(self, products: Collection[str] = (), mappings: dict[tuple[str, str], str] | None = None):
        self.products = set(products)
        self.mappings = dict(mappings or {})

    @classmethod
    def from_seed(cls, path: Path = CATALOG) -> InMemoryCatalog:
        data = json.loads(path.read_text("utf-8"))
        mappings = {(m["channel"], m["channel_sku"]): m["sku"] for m in data["channel_skus"]}
        return cls({p["sku"] for p in data["products"]}, mappings)

    def known_skus(self, skus: Collection[str]) -> set[str]:
        return {sku for sku in skus if sku in self.products}

    def channel_mappings(self, channel: str, channel_skus: Collection[str]) -> dict[str, str]:
        return {code: self.mappings[(channel, code)] for code in channel_skus if (channel, code) in self.mappings}


class InMemoryChannelSecrets:
    def __init__(self, secrets: dict[str, dict[str, str]]):
        self.secrets = secrets

    @classmethod
    def from_seed(cls, path: Path = CHANNEL_SECRETS) -> InMemoryChannelSecrets:
        return cls(json.loads(path.read_text("utf-8"))["secrets"])

    def verify(self, channel: str, shop: str, body: bytes, header_name: str, header_value: str | None) -> None:
        secret = self.secrets.get(channel, {}).get(shop)
        signatures.verify(secret, body, header_name, header_value, shop=shop, channel=channel)
