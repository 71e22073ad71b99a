"""One-off backfill (decision 139): RMAs written before decision 124 have no `return_key`, so the
sparse index by_return (GET /returns) does not hold them until their next update. This gives each
its key from its state: a scan of the RMA items without one, each written only if it still has no
key and is still in the state read (a receipt meanwhile wrote the right key), so it runs beside
live traffic and can be repeated (a second run prints 0).

  python -m shared.aftersales.backfill ORDERS_TABLE    (AWS credentials and region as usual)"""

from __future__ import annotations

import sys
from typing import Any

from shared.aftersales.records import RmaState
from shared.aftersales.store import return_key
from shared.aws.dynamo import to_value


def backfill_return_keys(db: Any, table: str) -> int:
    """Returns how many RMAs it gave a return_key."""
    written = 0
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(sk, :rma) AND attribute_not_exists(return_key)",
        "ExpressionAttributeValues": {":rma": to_value("RMA#")},
        "ProjectionExpression": "pk, sk, #state",
        "ExpressionAttributeNames": {"#state": "state"},
    }
    while True:
        page = db.scan(**kwargs)
        for item in page["Items"]:
            state = item.get("state", {}).get("S", "")
            if state not in {s.value for s in RmaState}:
                continue  # not an RMA as oms writes it: left for a person
            try:
                db.update_item(
                    TableName=table,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET return_key = :key",
                    ConditionExpression="attribute_not_exists(return_key) AND #state = :state",
                    ExpressionAttributeNames={"#state": "state"},
                    ExpressionAttributeValues={":key": to_value(return_key(RmaState(state))), ":state": to_value(state)},
                )
                written += 1
            except db.exceptions.ConditionalCheckFailedException:
                pass  # updated meanwhile: its update wrote the key
        if "LastEvaluatedKey" not in page:
            return written
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    import boto3

    print(f"{backfill_return_keys(boto3.client('dynamodb'), args[0])} RMA(s) given a return_key")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
