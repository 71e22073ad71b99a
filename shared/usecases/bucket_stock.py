"""Ops, before and after a flash sale: split a hot SKU's stock in one warehouse into K buckets, and
merge the buckets back into one item (docs/decisions.md, entry 11).

Both change the layout in one transaction and only while nothing is reserved on the stock: a HELD
reservation names the item(s) its units sit in, and must find them when it is released or
committed. Both are idempotent: splitting into the same K again, or merging stock that is one
item, changes nothing."""

from __future__ import annotations

from pydantic import BaseModel

from shared.aws.inventory_store import InventoryStore
from shared.errors import StockLayoutRefused, StoreUnavailable
from shared.stock_buckets import MAX_BUCKETS, WarehouseStock, merge_buckets, split_into_buckets

LAYOUT_ATTEMPTS = 5  # a count or a movement may land between our read and the layout change


class StockLayout(BaseModel, defer_build=True):
    sku: str
    warehouse_id: str
    buckets: int  # 0: one stock item
    changed: bool


def split_into_stock_buckets(sku: str, warehouse_id: str, bucket_count: int, inventory: InventoryStore) -> StockLayout:
    if not 2 <= bucket_count <= MAX_BUCKETS:
        raise StockLayoutRefused(sku, warehouse_id, f"a split needs 2 to {MAX_BUCKETS} buckets, not {bucket_count}", "bucket_count")
    for _ in range(LAYOUT_ATTEMPTS):
        stock = inventory.warehouse_stock(sku, warehouse_id)
        if stock.bucketed:
            if len(stock.buckets) == bucket_count:
                return StockLayout(sku=sku, warehouse_id=warehouse_id, buckets=bucket_count, changed=False)
            raise StockLayoutRefused(sku, warehouse_id, f"already split into {len(stock.buckets)} buckets: merge them first", "already_split")
        if stock.record is None:
            raise StockLayoutRefused(sku, warehouse_id, "no stock is recorded for it in this warehouse", "no_stock")
        _refuse_while_reserved(stock, "split")
        if inventory.split_stock(stock, split_into_buckets(stock.record, bucket_count)):
            return StockLayout(sku=sku, warehouse_id=warehouse_id, buckets=bucket_count, changed=True)
    raise StoreUnavailable(f"stock {sku}@{warehouse_id} kept changing while splitting it")


def merge_stock_buckets(sku: str, warehouse_id: str, inventory: InventoryStore) -> StockLayout:
    for _ in range(LAYOUT_ATTEMPTS):
        stock = inventory.warehouse_stock(sku, warehouse_id)
        if not stock.bucketed and stock.record is None:  # a typo in the SKU or warehouse: as a split says
            raise StockLayoutRefused(sku, warehouse_id, "no stock is recorded for it in this warehouse", "no_stock")
        if not stock.bucketed:
            return StockLayout(sku=sku, warehouse_id=warehouse_id, buckets=0, changed=False)
        _refuse_while_reserved(stock, "merge")
        if inventory.merge_stock(stock, merge_buckets(stock.buckets)):
            return StockLayout(sku=sku, warehouse_id=warehouse_id, buckets=0, changed=True)
    raise StoreUnavailable(f"stock {sku}@{warehouse_id} kept changing while merging it")


def _refuse_while_reserved(stock: WarehouseStock, change: str) -> None:
    total = stock.total()
    if total is not None and total.reserved:
        raise StockLayoutRefused(
            stock.sku,
            stock.warehouse_id,
            f"{total.reserved} units are held by reservations; {change} once they are released or shipped "
            f"({'before' if change == 'split' else 'after'} the sale)",
        )
