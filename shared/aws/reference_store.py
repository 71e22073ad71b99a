"""Review reference data on DynamoDB, in the review table (docs/data-model.md):

  pk = PRICE#<sku>                sk = REF   a price-list entry
  pk = CREDIT#<buyer_id>          sk = REF   a B2B credit account (limit, outstanding)
  pk = PROFILE#<buyer_id>         sk = REF   what is usual for a buyer
  pk = BLACKLIST#<kind>#<value>   sk = REF   a blacklisted buyer id, phone (digits) or address (fingerprint)
  pk = REMOTE#<division code>     sk = REF   a remote province, city or district
  pk = FX#<currency>              sk = REF   CNY per unit of a currency, with its date
  pk = COMPANY#<credit code>      sk = REF   a registered company's name
  pk = REFAUDIT  sk = AUDIT#<at>#<kind>#<key>   one change made through the reference API

An entry changed through the API carries a revision `rev`; a change is one transaction (the
entry conditioned on the revision read before, and its audit entry), so two operators cannot
overwrite each other unseen and the trail never misses a change.

One partition per entry: a review reads exactly the entries its order can touch, in one batch
read, so a 10,000-SKU price list costs an order no more than its own lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from shared.aws.dynamo import TableAdapter, TransactionCancelled, batch_get, from_item, query_prefix, raise_if_transient, to_item, to_value, transact_write
from shared.divisions import resolve
from shared.orders import OrderIn
from shared.phone import normalized as normalized_phone
from shared.reference import (
    BlacklistEntry,
    BlacklistKind,
    BuyerProfile,
    Company,
    CreditAccount,
    FxRate,
    PriceEntry,
    ReferenceData,
    ReferenceFile,
    RemoteArea,
    address_fingerprint,
)

TABLE_ENV = "REVIEW_TABLE"
_SK = "REF"
_AUDIT_PK = "REFAUDIT"
# The API's kind of entry -> the partition-key prefix it is stored under.
PREFIXES = {"prices": "PRICE", "credit": "CREDIT", "profiles": "PROFILE", "blacklist": "BLACKLIST", "remote_areas": "REMOTE", "fx_rates": "FX", "companies": "COMPANY"}
_MODELS: dict[str, type[BaseModel]] = {
    "PRICE": PriceEntry, "CREDIT": CreditAccount, "PROFILE": BuyerProfile, "BLACKLIST": BlacklistEntry,
    "REMOTE": RemoteArea, "FX": FxRate, "COMPANY": Company,
}  # fmt: skip


class StaleRevision(Exception):
    """The entry changed (or appeared, or went) since it was read."""


def entry_pk(kind: str, key: str) -> str:
    """The API's key of an entry (a blacklist's is KIND:value) as its partition key."""
    return f"{PREFIXES[kind]}#{key.replace(':', '#', 1) if kind == 'blacklist' else key}"


def _price_pk(sku: str) -> str:
    return f"PRICE#{sku}"


def _credit_pk(buyer_id: str) -> str:
    return f"CREDIT#{buyer_id}"


def _profile_pk(buyer_id: str) -> str:
    return f"PROFILE#{buyer_id}"


def _blacklist_pk(kind: BlacklistKind, value: str) -> str:
    return f"BLACKLIST#{kind.value}#{value}"


def _remote_pk(code: str) -> str:
    return f"REMOTE#{code}"


class ReferenceStore(TableAdapter):
    TABLE_ENV = TABLE_ENV

    # -- writes (seeding, the reference-data feeds) ---------------------------------------------

    def put(self, entry: PriceEntry | CreditAccount | BuyerProfile | BlacklistEntry | RemoteArea | FxRate | Company) -> None:
        self.db.put_item(TableName=self.table, Item=to_item({"pk": _pk_of(entry), "sk": _SK, "data": entry.model_dump(mode="json")}))

    def load_file(self, reference: ReferenceFile) -> int:
        entries: list[BaseModel] = [
            *reference.prices, *reference.credit, *reference.profiles, *reference.blacklist, *reference.remote_areas, *reference.fx_rates, *reference.companies,
        ]  # fmt: skip
        for entry in entries:
            self.put(entry)  # type: ignore[arg-type]
        return len(entries)

    # -- reads -----------------------------------------------------------------------------------

    def for_orders(self, orders: Iterable[OrderIn]) -> ReferenceData:
        """Every entry these orders' review can consult, in batch reads of 100 keys."""
        keys: set[str] = set()
        for order in orders:
            keys.update(_keys_of(order))
        items = batch_get(self.db, self.table, [{"pk": pk, "sk": _SK} for pk in sorted(keys)])
        found: dict[str, list[Any]] = {prefix: [] for prefix in _MODELS}
        for item in items:
            prefix = item["pk"].split("#", 1)[0]
            if prefix in _MODELS:
                found[prefix].append(_MODELS[prefix].model_validate(item["data"]))
        return ReferenceData.of(found["PRICE"], found["CREDIT"], found["PROFILE"], found["BLACKLIST"], found["REMOTE"], found["FX"], found["COMPANY"])

    # -- the reference API: one entry, a kind's entries, audited changes -------------------------

    def entry(self, kind: str, key: str) -> tuple[dict[str, Any] | None, int]:
        """The entry's data and revision (0 for one never changed through the API), or (None, 0)."""
        try:
            answer = self.db.get_item(TableName=self.table, Key=to_item({"pk": entry_pk(kind, key), "sk": _SK}), ConsistentRead=True)
        except ClientError as error:
            raise_if_transient(error)
            raise
        item = from_item(answer["Item"]) if "Item" in answer else None
        return (item["data"], int(item.get("rev", 0))) if item else (None, 0)

    def entries(self, kind: str, limit: int, after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` entries of a kind and the key to go on from (the reference table is small:
        an administrator's listing scans it)."""
        prefix = PREFIXES[kind] + "#"
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :prefix) AND sk = :sk",
            "ExpressionAttributeValues": {":prefix": to_value(prefix), ":sk": to_value(_SK)},
        }
        if after:
            kwargs["ExclusiveStartKey"] = to_item({"pk": after, "sk": _SK})
        found: list[dict[str, Any]] = []
        while True:
            page = self.db.scan(**kwargs)
            for raw in page.get("Items", []):
                item = from_item(raw)
                found.append(item)
                if len(found) == limit:
                    return [i["data"] for i in found], item["pk"]
            if "LastEvaluatedKey" not in page:
                return [i["data"] for i in found], None
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def change(self, kind: str, key: str, data: dict[str, Any] | None, existed: bool, read_revision: int, audit: dict[str, Any]) -> None:
        """Writes (or, with data None, deletes) an entry and its audit entry in one transaction,
        if the entry is still as it was read (absent, or present with that revision)."""
        pk, key_item = entry_pk(kind, key), to_item({"pk": entry_pk(kind, key), "sk": _SK})
        if not existed:
            unchanged: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        elif read_revision == 0:  # loaded by the seed or a feed, never changed through the API
            unchanged = {"ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(rev)"}
        else:
            unchanged = {"ConditionExpression": "rev = :rev", "ExpressionAttributeValues": {":rev": to_value(read_revision)}}
        if data is None:
            write = {"Delete": {"TableName": self.table, "Key": key_item, **unchanged}}
        else:
            item = to_item({"pk": pk, "sk": _SK, "data": data, "rev": read_revision + 1})
            write = {"Put": {"TableName": self.table, "Item": item, **unchanged}}
        record = {"pk": _AUDIT_PK, "sk": f"AUDIT#{audit['at']}#{kind}#{key}", **{k: json.dumps(v, ensure_ascii=False) if k in ("before", "after", "changes") else v for k, v in audit.items()}}
        try:
            transact_write(self.db, [write, {"Put": {"TableName": self.table, "Item": to_item(record), "ConditionExpression": "attribute_not_exists(pk)"}}])
        except TransactionCancelled as error:
            raise StaleRevision(f"{kind} {key} changed since it was read; read it again") from error

    def audit(self, limit: int = 100) -> list[dict[str, Any]]:
        items = query_prefix(self.db, self.table, _AUDIT_PK, "AUDIT#", newest_first=True, limit=limit)
        return [{k: json.loads(v) if k in ("before", "after", "changes") else v for k, v in i.items() if k not in ("pk", "sk")} for i in items]


def _pk_of(entry: BaseModel) -> str:
    if isinstance(entry, PriceEntry):
        return _price_pk(entry.sku)
    if isinstance(entry, CreditAccount):
        return _credit_pk(entry.buyer_id)
    if isinstance(entry, BuyerProfile):
        return _profile_pk(entry.buyer_id)
    if isinstance(entry, BlacklistEntry):
        return _blacklist_pk(entry.kind, entry.value)
    if isinstance(entry, RemoteArea):
        return _remote_pk(entry.code)
    if isinstance(entry, FxRate):
        return entry_pk("fx_rates", entry.currency)
    if isinstance(entry, Company):
        return entry_pk("companies", entry.credit_code)
    raise TypeError(f"not reference data: {type(entry).__name__}")


def _keys_of(order: OrderIn) -> set[str]:
    buyer = order.buyer.buyer_id
    keys = {_price_pk(line.sku) for line in order.lines}
    keys |= {_credit_pk(buyer), _profile_pk(buyer), _blacklist_pk(BlacklistKind.BUYER, buyer)}
    if order.currency != "CNY":
        keys.add(entry_pk("fx_rates", order.currency))
    if order.invoice is not None and (order.invoice.tax_id or "").strip():
        keys.add(entry_pk("companies", order.invoice.tax_id.strip().upper()))
    receiver = order.receiver
    if receiver is not None:
        if receiver.phone.strip():
            keys.add(_blacklist_pk(BlacklistKind.PHONE, normalized_phone(receiver.phone)))
        if receiver.detail.strip():
            keys.add(_blacklist_pk(BlacklistKind.ADDRESS, address_fingerprint(receiver)))
        keys |= {_remote_pk(code) for code in resolve(receiver.province, receiver.city, receiver.district).codes}
    return keys
