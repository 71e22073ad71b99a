"""Review reference data on DynamoDB, in the review table (docs/data-model.md):

  pk = PRICE#<sku>                sk = REF   a price-list entry
  pk = CREDIT#<buyer_id>          sk = REF   a B2B credit account (limit, outstanding)
  pk = PROFILE#<buyer_id>         sk = REF   what is usual for a buyer
  pk = BLACKLIST#<kind>#<value>   sk = REF   a blacklisted buyer id, phone (digits) or address (fingerprint)
  pk = REMOTE#<division code>     sk = REF   a remote province, city or district

One partition per entry: a review reads exactly the entries its order can touch, in one batch
read, so a 10,000-SKU price list costs an order no more than its own lines.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from shared.aws.dynamo import TableAdapter, batch_get, to_item
from shared.divisions import resolve
from shared.orders import OrderIn
from shared.phone import normalized as normalized_phone
from shared.reference import (
    BlacklistEntry,
    BlacklistKind,
    BuyerProfile,
    CreditAccount,
    PriceEntry,
    ReferenceData,
    ReferenceFile,
    RemoteArea,
    address_fingerprint,
)

TABLE_ENV = "REVIEW_TABLE"
_SK = "REF"


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

    def put(self, entry: PriceEntry | CreditAccount | BuyerProfile | BlacklistEntry | RemoteArea) -> None:
        self.db.put_item(TableName=self.table, Item=to_item({"pk": _pk_of(entry), "sk": _SK, "data": entry.model_dump(mode="json")}))

    def load_file(self, reference: ReferenceFile) -> int:
        entries: list[BaseModel] = [*reference.prices, *reference.credit, *reference.profiles, *reference.blacklist, *reference.remote_areas]
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
        prices, credit, profiles, blacklist, remote = [], [], [], [], []
        for item in items:
            kind, data = item["pk"].split("#", 1)[0], item["data"]
            if kind == "PRICE":
                prices.append(PriceEntry.model_validate(data))
            elif kind == "CREDIT":
                credit.append(CreditAccount.model_validate(data))
            elif kind == "PROFILE":
                profiles.append(BuyerProfile.model_validate(data))
            elif kind == "BLACKLIST":
                blacklist.append(BlacklistEntry.model_validate(data))
            elif kind == "REMOTE":
                remote.append(RemoteArea.model_validate(data))
        return ReferenceData.of(prices, credit, profiles, blacklist, remote)


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
    raise TypeError(f"not reference data: {type(entry).__name__}")


def _keys_of(order: OrderIn) -> set[str]:
    buyer = order.buyer.buyer_id
    keys = {_price_pk(line.sku) for line in order.lines}
    keys |= {_credit_pk(buyer), _profile_pk(buyer), _blacklist_pk(BlacklistKind.BUYER, buyer)}
    receiver = order.receiver
    if receiver is not None:
        if receiver.phone.strip():
            keys.add(_blacklist_pk(BlacklistKind.PHONE, normalized_phone(receiver.phone)))
        if receiver.detail.strip():
            keys.add(_blacklist_pk(BlacklistKind.ADDRESS, address_fingerprint(receiver)))
        keys |= {_remote_pk(code) for code in resolve(receiver.province, receiver.city, receiver.district).codes}
    return keys
