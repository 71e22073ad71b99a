"""Refund records and RMAs in the orders table, in their order's partition:

  pk = ORDER#<order_id>  sk = REFUND#<refund_id>   one channel refund, what oms did about it
                         sk = RMA#<rma_id>          one return expected, what came back;
                                                    return_key = RETURN#<state> (index by_return,
                                                    sorted on created_at: the returns across orders)
                         sk = REFUNDS               how many refunds claiming the order's units were
                                                    written (`claims`): their guard (decision 255)
                         sk = AFTERSALES_WAITING#<refund_id>
                                                    a refund or cancellation that came before its
                                                    order, its message as queued (decision 264)

Writes are transaction items so that each goes with the order change it records; a record is
created once (a repeated refund message finds it) and moved on only from the state the caller saw.
A refund that claims units writes the guard too, conditioned on the count read before it read the
order's refunds: two refunds of one order applied at once cannot both decide on the same records."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from shared.aftersales.records import RefundRecord, Rma, RmaState
from shared.aws import page_tokens
from shared.aws.dynamo import from_item, to_item, to_value
from shared.aws.order_store import OrderStore


RETURNS_INDEX = "by_return"
GUARD = "REFUNDS"  # the sort key of the order's refund guard (not REFUND#: no refund record)
WAITING = "AFTERSALES_WAITING#"  # a request kept until its order comes (shared/aftersales/waiting.py)


def _pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def return_key(state: RmaState) -> str:
    return f"RETURN#{state.value}"


class AfterSalesStore:
    """Writes in the orders table, beside the order (the same table and client as `orders`)."""

    def __init__(self, orders: OrderStore | None = None):
        self.orders = orders or OrderStore()
        self.table = self.orders.table

    @property
    def db(self) -> Any:
        return self.orders.db

    # -- reads -------------------------------------------------------------------------------

    def refund(self, order_id: str, refund_id: str) -> RefundRecord | None:
        item = self._get(order_id, f"REFUND#{refund_id}")
        return RefundRecord.model_validate(item) if item else None

    def rma(self, order_id: str, rma_id: str) -> Rma | None:
        item = self._get(order_id, f"RMA#{rma_id}")
        return Rma.model_validate(item) if item else None

    def refunds(self, order_id: str) -> list[RefundRecord]:
        return [RefundRecord.model_validate(i) for i in self._under(order_id, "REFUND#")]

    def rmas(self, order_id: str) -> list[Rma]:
        return [Rma.model_validate(i) for i in self._under(order_id, "RMA#")]

    def waiting(self, order_id: str) -> list[dict[str, Any]]:
        """The requests kept for the order (consistent: one kept before the order was stored is seen)."""
        return self._under(order_id, WAITING)

    def claims_written(self, order_id: str) -> int:
        """How many refunds claiming the order's units were written: read before `refunds`, so a
        refund written after this read fails `refunds_guard(order_id, <this count>)`."""
        item = self._get(order_id, GUARD)
        return int(item["claims"]) if item else 0

    # -- requests that came before their order (decision 264) ----------------------------------------

    def keep_waiting(self, order_id: str, refund_id: str, body: str, at: str) -> None:
        """Keeps the message (a repeat overwrites it with the same content)."""
        self.db.put_item(TableName=self.table, Item=to_item({"pk": _pk(order_id), "sk": WAITING + refund_id, "body": body, "kept_at": at}))

    def remove_waiting(self, order_id: str, sk: str) -> None:
        self.db.delete_item(TableName=self.table, Key=to_item({"pk": _pk(order_id), "sk": sk}))

    def forget_waiting(self, order_id: str, refund_id: str, body: str) -> None:
        """Removes the kept request once its own message applied, only if what is kept is that
        message (a later message of the refund kept over it still waits for its turn)."""
        try:
            self.db.delete_item(
                TableName=self.table,
                Key=to_item({"pk": _pk(order_id), "sk": WAITING + refund_id}),
                ConditionExpression="body = :body",
                ExpressionAttributeValues={":body": to_value(body)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # -- transaction items -----------------------------------------------------------------------

    def refund_put(self, record: RefundRecord) -> dict[str, Any]:
        return self._put(record.order_id, f"REFUND#{record.refund_id}", record)

    def refund_update(self, record: RefundRecord, seen: RefundRecord) -> dict[str, Any]:
        """Replaces the record, if it is still as the caller read it (its updated_at)."""
        return self._replace(record.order_id, f"REFUND#{record.refund_id}", record, seen.updated_at)

    def rma_put(self, rma: Rma) -> dict[str, Any]:
        return self._put(rma.order_id, f"RMA#{rma.rma_id}", rma, return_key(rma.state))

    def rma_update(self, rma: Rma, seen: Rma) -> dict[str, Any]:
        return self._replace(rma.order_id, f"RMA#{rma.rma_id}", rma, seen.updated_at, return_key(rma.state))

    def refunds_guard(self, order_id: str, seen: int) -> dict[str, Any]:
        """The guard's update, last item of a refund's write that claims units: counts this refund,
        and holds only while no other was written since `seen` (`claims_written`) was read."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(order_id), "sk": GUARD}),
                "UpdateExpression": "SET #claims = :next",
                "ConditionExpression": "#claims = :seen" if seen else "attribute_not_exists(#claims)",
                "ExpressionAttributeNames": {"#claims": "claims"},
                "ExpressionAttributeValues": {":next": to_value(seen + 1), **({":seen": to_value(seen)} if seen else {})},
            }
        }

    def returns(self, state: RmaState, limit: int = 50, next_token: str | None = None) -> tuple[list[Rma], str | None]:
        """The returns in `state` across orders, oldest first (the backlog's head), a page at a
        time (decision 124): the index by_return, partition RETURN#<state>."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": RETURNS_INDEX,
            "KeyConditionExpression": "return_key = :k",
            "ExpressionAttributeValues": {":k": to_value(return_key(state))},
            "Limit": limit,
        }
        if next_token:
            kwargs["ExclusiveStartKey"] = page_tokens.start_key(next_token, {"pk", "sk", "return_key", "created_at"})
        page = self.db.query(**kwargs)
        token = page_tokens.encode(page["LastEvaluatedKey"]) if page.get("LastEvaluatedKey") else None
        return [Rma.model_validate(from_item(i)) for i in page["Items"]], token

    def order_unchanged(self, order_id: str, version: int, status: str) -> dict[str, Any]:
        """Holds only while the order is at the version and status the caller read."""
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": to_item({"pk": _pk(order_id), "sk": "META"}),
                "ConditionExpression": "#version = :seen AND #status = :status",
                "ExpressionAttributeNames": {"#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {":seen": to_value(version), ":status": to_value(status)},
            }
        }

    # -- helpers -----------------------------------------------------------------------------------

    def _get(self, order_id: str, sk: str) -> dict[str, Any] | None:
        response = self.db.get_item(TableName=self.table, Key=to_item({"pk": _pk(order_id), "sk": sk}), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    def _under(self, order_id: str, prefix: str) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": to_value(_pk(order_id)), ":prefix": to_value(prefix)},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self.db.query(**kwargs)
            items.extend(from_item(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _put(self, order_id: str, sk: str, model: BaseModel, index_key: str | None = None) -> dict[str, Any]:
        item = {"pk": _pk(order_id), "sk": sk, **model.model_dump(mode="json", exclude_none=True), **({"return_key": index_key} if index_key else {})}
        return {"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}

    def _replace(self, order_id: str, sk: str, model: BaseModel, seen_updated_at: str, index_key: str | None = None) -> dict[str, Any]:
        item = {"pk": _pk(order_id), "sk": sk, **model.model_dump(mode="json", exclude_none=True), **({"return_key": index_key} if index_key else {})}
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(item),
                "ConditionExpression": "updated_at = :seen",
                "ExpressionAttributeValues": {":seen": to_value(seen_updated_at)},
            }
        }
