"""Channel SKUs to oms's SKUs. A channel names a product its own way (Tmall's 商家编码, JD's
skuId, a Shopify variant); the SKU mapping says which of oms's SKUs it is. A SKU nobody mapped is
refused by name (422), never guessed and never a crash. Senders that use oms's own SKUs (its REST
API, the ERP) are checked against the catalog instead."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from shared.channels.common import ChannelOrder
from shared.orders import OrderIn
from shared.problems import InputRejected, Problem


class SkuCatalog(Protocol):
    def known_skus(self, skus: Collection[str]) -> set[str]: ...

    def channel_mappings(self, channel: str, channel_skus: Collection[str]) -> dict[str, str]: ...


def mapping_for(channel_order: ChannelOrder, catalog: SkuCatalog) -> dict[str, str]:
    """Code on the order -> oms SKU, for every code the catalog knows."""
    codes = {line.sku for line in channel_order.order.lines}
    if channel_order.internal_skus:
        return {sku: sku for sku in catalog.known_skus(codes)}
    return catalog.channel_mappings(channel_order.order.channel.value, codes)


def unmapped_lines(order: OrderIn, mapping: dict[str, str]) -> list[int]:
    return [index for index, line in enumerate(order.lines) if line.sku not in mapping]


def unknown_sku(channel_order: ChannelOrder, line_index: int, field: str | None = None) -> Problem:
    code = channel_order.order.lines[line_index].sku
    if channel_order.internal_skus:
        message = f"SKU '{code}' is not in oms's catalog"
    else:
        message = f"{channel_order.order.channel.value} SKU '{code}' has no oms SKU in the SKU mapping"
    return Problem(field=field or channel_order.sku_fields[line_index], rule="unknown_sku", message=message)


def to_internal(channel_order: ChannelOrder, mapping: dict[str, str]) -> OrderIn:
    """The order with oms's SKUs (the channel's code kept as `channel_sku`); 422 naming each
    unknown SKU otherwise."""
    missing = unmapped_lines(channel_order.order, mapping)
    if missing:
        raise InputRejected(422, [unknown_sku(channel_order, index) for index in missing])
    order = channel_order.order
    if channel_order.internal_skus:
        return order
    lines = [line.model_copy(update={"sku": mapping[line.sku], "channel_sku": line.sku}) for line in order.lines]
    return order.model_copy(update={"lines": lines})
