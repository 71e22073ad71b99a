"""One-off backfill for decision 203's deploy (decision 233). Since 203 the inventory lock reads an
order's reservation records only when its `reservation_id` is set, and an after-sales amendment
(RESERVED → RECEIVED) keeps that id. An amendment made *before* the deploy cleared it: if its
give-back crashed and the refund message's repeat had not yet come, the order holds its old lines
with no `reservation_id` (the old amendment SET it to NULL), and the lock would hold its stock a
second time (false shortages, never oversell). This finds every order with a HELD reservation
line and no `reservation_id` and gives it the id its reservation had (`RES-<order>`), so the lock
reads the old lines and adopts or gives them back. Each write is conditioned on the id still
being absent or NULL, so it runs beside live traffic and can be repeated (a second run writes 0).

  python -m shared.recovery.backfill_reservation_ids ORDERS_TABLE INVENTORY_TABLE
      (AWS credentials and region as usual; run after deploying 203, once the after-sales queue
      has drained)"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

from shared.aws import reservation_records
from shared.aws.dynamo import from_item, to_value
from shared.inventory import ReservationState
from shared.usecases.reserve_stock import reservation_id_for

_PREFIX = "RESERVATION#"


class BackfillReport(BaseModel):
    orders_holding: int = 0  # orders with a HELD line
    given_an_id: list[str] = []  # of those, the ones that had no reservation_id (absent or NULL)
    had_an_id: int = 0  # the others: left as they are
    unknown: list[str] = []  # HELD lines of an order the orders table does not have: for a person


def backfill_reservation_ids(db: Any, orders_table: str, inventory_table: str) -> BackfillReport:
    report = BackfillReport()
    for order_id in sorted(_orders_holding(db, inventory_table)):
        report.orders_holding += 1
        try:
            db.update_item(
                TableName=orders_table,
                Key={"pk": to_value(f"ORDER#{order_id}"), "sk": to_value("META")},
                UpdateExpression="SET reservation_id = :id",
                # the amendment before 203 wrote the id as NULL (a SET of None), not removed
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(reservation_id) OR attribute_type(reservation_id, :null))",
                ExpressionAttributeValues={":id": to_value(reservation_id_for(order_id)), ":null": to_value("NULL")},
            )
            report.given_an_id.append(order_id)
        except db.exceptions.ConditionalCheckFailedException:
            meta = db.get_item(TableName=orders_table, Key={"pk": to_value(f"ORDER#{order_id}"), "sk": to_value("META")}, ConsistentRead=True)
            if "Item" not in meta:
                report.unknown.append(order_id)
            else:
                report.had_an_id += 1
    return report


def _orders_holding(db: Any, inventory_table: str) -> set[str]:
    """The orders with at least one HELD line, in records of one line and shared records alike."""
    holding: set[str] = set()
    kwargs: dict[str, Any] = {
        "TableName": inventory_table,
        "FilterExpression": "begins_with(pk, :prefix)",
        "ExpressionAttributeValues": {":prefix": to_value(_PREFIX)},
    }
    while True:
        page = db.scan(**kwargs)
        for item in page["Items"]:
            lines = reservation_records.lines_of(from_item(item))
            if any(line.state == ReservationState.HELD for line in lines):
                holding.add(item["pk"]["S"].removeprefix(_PREFIX))
        if "LastEvaluatedKey" not in page:
            return holding
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    import boto3

    report = backfill_reservation_ids(boto3.client("dynamodb"), args[0], args[1])
    print(f"{report.orders_holding} order(s) hold reservation lines; {len(report.given_an_id)} given a reservation_id, {report.had_an_id} had one")
    for order_id in report.given_an_id:
        print(f"  given: {order_id}")
    for order_id in report.unknown:
        print(f"  HELD lines of an order the orders table does not have (a person decides): {order_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
