"""After-sales requests that came before their order (AWS adapter, decision 264): a refund or a
cancellation for an order oms has not received yet is kept in the order's own partition of the
orders table until the order arrives:

  pk = ORDER#<order_id>  sk = AFTERSALES_WAITING#<refund_id>   the after-sales message as queued

The after-sales consumer keeps it (`keep`), then looks for the order again; intake, once it has
stored a new order, looks for what waits for it (`waiting_for`) and queues it again (`send_again`),
then removes it. Both reads are consistent and each side writes before it reads, so of a request
kept and its order stored at the same moment, at least one side sees the other: the request is
applied (twice at most, and a refund applies once: its record is found the second time)."""

from __future__ import annotations

from typing import Any

from shared.aws.dynamo import from_item, to_item, to_value
from shared.aws.order_store import OrderStore

PREFIX = "AFTERSALES_WAITING#"


class WaitingRequests:
    def __init__(self, orders: OrderStore):
        self.orders = orders

    def keep(self, order_id: str, refund_id: str, body: str, at: str) -> None:
        """Keeps the message (a repeat overwrites it with the same content)."""
        item = {"pk": f"ORDER#{order_id}", "sk": PREFIX + refund_id, "body": body, "kept_at": at}
        self.orders.db.put_item(TableName=self.orders.table, Item=to_item(item))

    def waiting_for(self, order_id: str) -> list[dict[str, Any]]:
        """What waits for the order (consistent: a request kept before the order was stored is seen)."""
        page = self.orders.db.query(
            TableName=self.orders.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": to_value(f"ORDER#{order_id}"), ":prefix": to_value(PREFIX)},
            ConsistentRead=True,
        )
        return [from_item(i) for i in page["Items"]]  # a handful at most: one per refund of the order

    def remove(self, order_id: str, sk: str) -> None:
        self.orders.db.delete_item(TableName=self.orders.table, Key=to_item({"pk": f"ORDER#{order_id}", "sk": sk}))


def send_again(order_id: str, orders: OrderStore | None = None) -> int:
    """Intake's step once a new order is stored: the after-sales messages that waited for it go to
    the after-sales queue again, then are removed (a crash between the two leaves the item, and the
    message, applied once). Returns how many."""
    from shared.aftersales.messages import QUEUE_ENV
    from shared.aws.clients import client, resource_name
    from shared.aws.stores import order_store

    waiting = WaitingRequests(orders or order_store())
    items = waiting.waiting_for(order_id)
    for item in items:
        client("sqs").send_message(QueueUrl=resource_name(QUEUE_ENV), MessageBody=item["body"])
        waiting.remove(order_id, item["sk"])
    return len(items)
