"""oms's SKU catalog and the channel SKU mapping on DynamoDB. Key design (docs/data-model.md):

  pk = SKU#<sku>                          sk = PRODUCT   a product oms sells (its own SKU)
  pk = MAP#<channel>#<channel sku code>   sk = MAPPING   which oms SKU a channel's code means

One partition per key spreads a promotion's reads; intake reads every code of an order in one
BatchGetItem and keeps what it found for a few minutes (a container serves many orders of the
same products). A code not found is asked again next time: a mapping added now works at once.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from shared.aws.clients import client, resource_name
from shared.aws.dynamo import from_item, raise_if_transient, to_item
from shared.errors import StoreUnavailable

TABLE_ENV = "CATALOG_TABLE"
CACHE_SECONDS = 300.0
_BATCH_GET_LIMIT = 100
_UNPROCESSED_RETRIES = 5


class Product(BaseModel, defer_build=True):
    sku: str
    name: str = ""


class SkuMapping(BaseModel, defer_build=True):
    channel: str
    channel_sku: str
    sku: str


def _product_key(sku: str) -> dict[str, str]:
    return {"pk": f"SKU#{sku}", "sk": "PRODUCT"}


def _mapping_key(channel: str, channel_sku: str) -> dict[str, str]:
    return {"pk": f"MAP#{channel}#{channel_sku}", "sk": "MAPPING"}


class CatalogStore:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None, cache_seconds: float = CACHE_SECONDS):
        self.table = table_name or resource_name(TABLE_ENV)
        self._client = dynamodb
        self._cache_seconds = cache_seconds
        self._found: dict[str, tuple[float, dict[str, Any]]] = {}  # pk -> (expires at, item)

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")

    # -- master data -------------------------------------------------------------------------

    def put_product(self, product: Product) -> None:
        self.db.put_item(TableName=self.table, Item=to_item({**_product_key(product.sku), **product.model_dump()}))

    def put_mapping(self, mapping: SkuMapping) -> None:
        key = _mapping_key(mapping.channel, mapping.channel_sku)
        self.db.put_item(TableName=self.table, Item=to_item({**key, **mapping.model_dump()}))
        self._found.pop(key["pk"], None)

    # -- what intake asks --------------------------------------------------------------------

    def known_skus(self, skus: Collection[str]) -> set[str]:
        return {item["sku"] for item in self._get_many(_product_key(sku) for sku in skus)}

    def channel_mappings(self, channel: str, channel_skus: Collection[str]) -> dict[str, str]:
        items = self._get_many(_mapping_key(channel, code) for code in channel_skus)
        return {item["channel_sku"]: item["sku"] for item in items}

    def _get_many(self, keys: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
        now = time.monotonic()
        wanted = {key["pk"]: key for key in keys}
        found = []
        for pk in list(wanted):
            hit = self._found.get(pk)
            if hit and hit[0] > now:
                found.append(hit[1])
                del wanted[pk]
        pending = list(wanted.values())
        for start in range(0, len(pending), _BATCH_GET_LIMIT):
            for item in self._batch_get(pending[start : start + _BATCH_GET_LIMIT]):
                self._found[item["pk"]] = (now + self._cache_seconds, item)
                found.append(item)
        return found

    def _batch_get(self, keys: list[dict[str, str]]) -> list[dict[str, Any]]:
        request = {self.table: {"Keys": [to_item(k) for k in keys]}}
        items: list[dict[str, Any]] = []
        for attempt in range(_UNPROCESSED_RETRIES):
            try:
                response = self.db.batch_get_item(RequestItems=request)
            except ClientError as error:
                raise_if_transient(error)
                raise
            items += [from_item(i) for i in response["Responses"].get(self.table, [])]
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return items
            time.sleep(0.02 * 2**attempt)  # DynamoDB left some keys for later: back off, ask again
        raise StoreUnavailable(f"catalog lookups still unprocessed after {_UNPROCESSED_RETRIES} attempts")
