"""The operations aggregates on DynamoDB (table `operations`, docs/data-model.md):

  pk = C#<dim>          sk = D#<China day> | H#<UTC hour> (channels only)  counters (ADD)
  pk = C#all#S          sk = S#<second>                                    received per second (peak)
  pk = G#<dim>          sk = OPEN                                          open orders per status
  pk = B#<dim>#M#<UTC day>  sk = <minute>#<status>                          entry buckets (n)
  pk = B#<dim>#H        sk = <hour>#<status>
  pk = Q#<stream>#<seq> sk = COUNTED                                       a counted run of changes
  pk = HIST#<dim>#M#<day>  sk = M#<minute>                                health index per minute
  pk = HIST#<dim>       sk = D#<China day>                                 health index per day
  pk = DIMS             sk = ALL                                           dimensions seen
A day is China's (decision 265); hours, minutes and seconds are UTC (a reader's hour is whole either way).
Every write of a run of a stream batch's changes goes in one transaction with one guard item,
keyed on the run's first record and naming its last, put only if absent: a redelivered batch
starts at a counted run's first record, finds its guard and skips through it (decision 140).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from shared.aws.clients import client, resource_name
from shared.aws.dynamo import TransactionCancelled, batch_get, from_item, to_item, to_value, transact_write
from shared.operations.domain import (
    DIMS_KEY,
    PEAK_SECOND_PREFIX,
    PEAK_SECONDS_KEY,
    Deltas,
    counter_key,
    day_of,
    gauge_key,
    hour_window_hours,
)
from shared.operations.health import Gauges, minutes_read
from shared.operations.lanes import LANE_END, TOUCHED, WATERMARK, fold
from shared.operations.parallel import in_parallel

TABLE_ENV = "OPERATIONS_TABLE"
MAX_TRANSACTION_ITEMS = 100
DAY = 86400
# Fine-grained items expire (TTL); day counters and open-order gauges stay.
TTL_SECONDS = {"S#": 2 * DAY, "H#": 100 * DAY, "B#": 30 * DAY, "Q#": 2 * DAY, "HIST_M": 8 * DAY}
GUARD_SORT_KEY = "COUNTED"  # a stream keeps its records 24 h: a guard is not needed after two days


def minute_history_key(dimension: str, day: str) -> str:
    return f"HIST#{dimension}#M#{day}"


def _ttl_for(pk: str, sk: str) -> int | None:
    if pk.startswith("B#"):
        return TTL_SECONDS["B#"]
    if pk.startswith("C#"):
        return TTL_SECONDS.get(sk[:2])
    return None


ITEMS = ("items",)  # gauge_reads: the reads of the gauge items (and any others asked for), keyed (*ITEMS, pk, sk)


def found_items(found: dict[Any, Any], tag: tuple[str, ...] = ITEMS) -> dict[tuple[str, str], dict[str, Any]]:
    """The items gauge_reads' item reads found, by (pk, sk), from a round of reads' results."""
    width = len(tag)
    return {(k[width], k[width + 1]): v for k, v in found.items() if isinstance(k, tuple) and len(k) == width + 2 and k[:width] == tag and v}


class AlreadyCounted(Exception):
    """The run's guard exists: another delivery of the same records was counted first."""


def guard_key(stream: str, first_sequence: str) -> dict[str, str]:
    return {"pk": f"Q#{stream}#{first_sequence}", "sk": GUARD_SORT_KEY}


class OperationsStore:
    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        self._table = table_name
        self._client = dynamodb

    @property
    def table(self) -> str:
        return self._table or resource_name(TABLE_ENV)

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")

    # -- writes ------------------------------------------------------------------------------

    def counted_through(self, stream: str, first_sequence: str) -> str | None:
        """The last record of the run counted from this record on, or None when no run starts
        here (a strongly consistent read: a guard just written must be seen)."""
        found = self.db.get_item(TableName=self.table, Key=to_item(guard_key(stream, first_sequence)), ConsistentRead=True).get("Item")
        return str(from_item(found)["last"]) if found else None

    def apply(self, stream: str, first_sequence: str, last_sequence: str, deltas: Deltas) -> None:
        """One transaction: the run's guard (only if absent) and the counters moved by the deltas.
        Raises AlreadyCounted when the guard exists."""
        now = int(time.time())
        guard = {**guard_key(stream, first_sequence), "last": last_sequence, "expires_at_epoch": now + TTL_SECONDS["Q#"]}
        items = [{"Put": {"TableName": self.table, "Item": to_item(guard), "ConditionExpression": "attribute_not_exists(pk)"}}]
        items += [self.counter_update(key, numbers, sets, now) for key, (numbers, sets) in deltas.updates().items()]
        if len(items) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"{len(items)} items do not fit one transaction")
        try:
            transact_write(self.db, items)
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise AlreadyCounted(first_sequence) from cancelled
            raise

    def refresh_peaks(self, seconds: set[str]) -> None:
        """The day's busiest second: a conditional max, safe to repeat. The seconds' counts and
        their days' peaks in one batch read; a day is written only when one of its seconds beats
        the peak read (a refused conditional write costs a write unit; decision 143)."""
        if not seconds:
            return
        days = {day_of(second) for second in seconds}
        keys = [{"pk": counter_key("all"), "sk": f"D#{d}"} for d in days]
        found = {(i["pk"], i["sk"]): i for i in batch_get(self.db, self.table, keys, projection="pk, sk, peak_per_second")}
        # The seconds' counts, their lanes summed: one range read (a batch's seconds are close).
        per_second = self._query(PEAK_SECONDS_KEY, PEAK_SECOND_PREFIX + min(seconds), PEAK_SECOND_PREFIX + max(seconds) + LANE_END, ("received",))
        found |= {(PEAK_SECONDS_KEY, i["sk"]): i for i in fold(per_second)}
        for day in sorted(days):
            best = max(int(found.get((PEAK_SECONDS_KEY, PEAK_SECOND_PREFIX + s), {}).get("received", 0)) for s in seconds if day_of(s) == day)
            if not best or best <= int(found.get((counter_key("all"), f"D#{day}"), {}).get("peak_per_second", 0)):
                continue
            try:
                self.db.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": counter_key("all"), "sk": f"D#{day}"}),
                    UpdateExpression="SET peak_per_second = :v",
                    ConditionExpression="attribute_not_exists(peak_per_second) OR peak_per_second < :v",
                    ExpressionAttributeValues={":v": to_value(best)},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise

    def counter_update(
        self, key: tuple[str, str], numbers: dict[str, Decimal], sets: dict[str, set[str]], now: int, watermark: tuple[str, int] | None = None
    ) -> dict[str, Any]:
        """The update moving one counter item (its expiry set once). With `watermark` (the run's
        last record, now), a lane's update (lane_store): `w` and `t` set, only while `w` is
        absent or before the run's last record."""
        pk, sk = key
        names, values, adds, sets_done = {}, {}, [], []
        for i, (attribute, amount) in enumerate(sorted(numbers.items())):
            names[f"#n{i}"], values[f":n{i}"] = attribute, to_value(amount)
            adds.append(f"#n{i} :n{i}")
        for i, (attribute, members) in enumerate(sorted(sets.items())):
            names[f"#s{i}"], values[f":s{i}"] = attribute, {"SS": sorted(members)}
            adds.append(f"#s{i} :s{i}")
        ttl = _ttl_for(pk, sk)
        if ttl:
            names["#ttl"], values[":ttl"] = "expires_at_epoch", to_value(now + ttl)
            sets_done.append("#ttl = if_not_exists(#ttl, :ttl)")
        update: dict[str, Any] = {"TableName": self.table, "Key": to_item({"pk": pk, "sk": sk})}
        if watermark is not None:
            names["#w"], values[":w"] = WATERMARK, to_value(watermark[0])
            names["#t"], values[":t"] = TOUCHED, to_value(watermark[1])
            sets_done += ["#w = :w", "#t = :t"]
            update["ConditionExpression"] = "attribute_not_exists(#w) OR #w < :w"
        expression = ("ADD " + ", ".join(adds)) if adds else ""
        if sets_done:
            expression += (" " if expression else "") + "SET " + ", ".join(sets_done)
        update |= {"UpdateExpression": expression, "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
        return {"Update": update}

    # -- reads -------------------------------------------------------------------------------

    def dims(self) -> set[str]:
        item = self.db.get_item(TableName=self.table, Key=to_item({"pk": DIMS_KEY[0], "sk": DIMS_KEY[1]})).get("Item")
        return set(from_item(item).get("dims", set())) if item else set()

    def gauges(self, dimension: str, now: datetime) -> Gauges:
        return self.gauges_of([dimension], now)[dimension]

    def gauges_of(self, dimensions: list[str], now: datetime) -> dict[str, Gauges]:
        """What is open now in each dimension (gauge_reads' reads, at once)."""
        reads, combine = self.gauge_reads(dimensions, now)
        return combine(in_parallel(reads))

    def gauge_reads(self, dimensions: list[str], now: datetime, also: list[tuple[str, str]] | tuple[()] = ()) -> tuple[dict[Any, Any], Any]:
        """The reads of what is open now in each dimension, and what makes the Gauges of their
        results: every gauge item in one batch read, and each dimension's entry buckets within the
        windows (one or two minute partitions of a day, from the oldest minute a figure reads, and
        the hour partition). A caller may run them in one round with its own reads; the items of
        `also` come in the gauges' batch read (its result under ITEMS: {(pk, sk): item})."""
        keys = [gauge_key(d) for d in dimensions]
        minute_from = (now - timedelta(minutes=minutes_read())).strftime("%Y-%m-%dT%H:%M")
        hour_from = (now - timedelta(hours=hour_window_hours())).strftime("%Y-%m-%dT%H")
        days = sorted({minute_from[:10], now.strftime("%Y-%m-%d")})
        reads: dict[Any, Any] = {(*ITEMS, *key): (lambda k=key: self.item(*k)) for key in [*keys, *also]}
        for d in dimensions:
            for day in days:
                reads[(d, day)] = (lambda p=f"B#{d}#M#{day}": fold(self._query(p, minute_from, "~", ("n",), nonzero="n")))
            reads[(d, "H")] = (lambda p=f"B#{d}#H": fold(self._query(p, hour_from, "~", ("n",), nonzero="n")))

        def combine(found: dict[Any, Any]) -> dict[str, Gauges]:
            items = found_items(found)
            result = {}
            for d, key in zip(dimensions, keys, strict=True):
                gauge = items.get(key, {})
                open_counts = {k.removeprefix("open_"): int(v) for k, v in gauge.items() if k.startswith("open_")}
                buckets: dict[str, dict[str, int]] = {}
                for part in [*days, "H"]:
                    for bucket in found[(d, part)]:
                        moment, status = bucket["sk"].rsplit("#", 1)
                        if int(bucket.get("n", 0)):
                            buckets.setdefault(status, {})[moment] = buckets.get(status, {}).get(moment, 0) + int(bucket["n"])
                result[d] = Gauges(open=open_counts, buckets=buckets)
            return result

        return reads, combine

    def counters(self, dimension: str, first: str, last: str, attributes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Counter items of one dimension with sort keys in [first, last] (e.g. D#2026-11-01..),
        each with its lanes folded in; only `attributes` of them when given."""
        return fold(self._query(counter_key(dimension), first, last + LANE_END, attributes))

    def item(self, pk: str, sk: str) -> dict[str, Any]:
        """One counter or gauge item with its lanes folded in ({} when there is none)."""
        found = fold(self._query(pk, sk, sk + LANE_END))
        return {"pk": pk, **found[0]} if found and found[0]["sk"] == sk else {}

    def counter_items(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found = in_parallel({key: (lambda k=key: self.item(*k)) for key in keys})
        return {key: item for key, item in found.items() if item}

    def record_health(self, dimension: str, minute: str, index: Decimal, now_epoch: int) -> None:
        """The minute's value (in the day's partition of minutes: a 3-hour read touches one or
        two small partitions, never 8 days of minutes), and the day's last, worst and mean (one
        schedule writes it: a second run in the same minute overwrites the minute and counts once
        in the mean)."""
        self.db.put_item(
            TableName=self.table,
            Item=to_item({"pk": minute_history_key(dimension, minute[:10]), "sk": f"M#{minute}", "index": index, "expires_at_epoch": now_epoch + TTL_SECONDS["HIST_M"]}),
        )
        key = {"pk": f"HIST#{dimension}", "sk": f"D#{day_of(minute)}"}
        found = self.db.get_item(TableName=self.table, Key=to_item(key)).get("Item")
        day = from_item(found) if found else {"sum": 0, "n": 0}
        new_minute = day.get("minute", "") < minute
        day.update(
            key,
            last=index,
            minute=max(minute, day.get("minute", "")),
            worst=min(Decimal(str(day.get("worst", index))), index),
            sum=Decimal(str(day["sum"])) + (index if new_minute else 0),
            n=int(day["n"]) + (1 if new_minute else 0),
        )
        self.db.put_item(TableName=self.table, Item=to_item(day))

    def history(self, dimension: str, first: str, last: str) -> list[dict[str, Any]]:
        """Day items (sk D#<day>) of the health index history."""
        return self._query(f"HIST#{dimension}", first, last)

    def minute_history(self, dimension: str, first_minute: str, last_minute: str) -> list[dict[str, Any]]:
        """The health index per minute in [first, last] (YYYY-MM-DDTHH:MM), oldest first."""
        first_day = datetime.strptime(first_minute[:10], "%Y-%m-%d")
        days = (datetime.strptime(last_minute[:10], "%Y-%m-%d") - first_day).days
        found: list[dict[str, Any]] = []
        for n in range(days + 1):
            day = (first_day + timedelta(days=n)).strftime("%Y-%m-%d")
            found += self._query(minute_history_key(dimension, day), f"M#{first_minute}", f"M#{last_minute}")
        return found

    def _query(self, pk: str, first: str, last: str, attributes: tuple[str, ...] = (), nonzero: str | None = None) -> list[dict[str, Any]]:
        """Items of one partition with sort keys in [first, last]; only `attributes` (and sk)
        when given; only items whose number `nonzero` is not 0 when given (a bucket every order
        has left again stays as an item with n = 0: it says nothing and is not sent)."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {":pk": to_value(pk), ":a": to_value(first), ":b": to_value(last)},
        }
        if attributes:
            names = {f"#p{i}": a for i, a in enumerate(("sk", *attributes))}
            kwargs["ProjectionExpression"] = ", ".join(names)
            kwargs["ExpressionAttributeNames"] = names
        if nonzero:
            kwargs.setdefault("ExpressionAttributeNames", {})["#nz"] = nonzero
            kwargs["FilterExpression"] = "#nz <> :zero"
            kwargs["ExpressionAttributeValues"][":zero"] = to_value(0)
        while True:
            page = self.db.query(**kwargs)
            items += [from_item(i) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
