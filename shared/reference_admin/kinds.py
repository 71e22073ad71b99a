"""The kinds of reference entries the API maintains: for each, its model (what a valid entry is)
and its key (what names one entry in the API's paths and in the store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.reference import BlacklistEntry, BuyerProfile, Company, CreditAccount, FxRate, PriceEntry, RemoteArea


@dataclass(frozen=True)
class ReferenceKind:
    name: str
    model: type[BaseModel]
    key_of: Callable[[Any], str]
    description: str


KINDS: dict[str, ReferenceKind] = {
    k.name: k
    for k in (
        ReferenceKind("prices", PriceEntry, lambda e: e.sku, "price list: list price, floor, ceiling, discount limit, usual quantity; key: the SKU"),
        ReferenceKind("credit", CreditAccount, lambda e: e.buyer_id, "B2B credit accounts: limit and outstanding (CNY); key: the buyer id"),
        ReferenceKind("profiles", BuyerProfile, lambda e: e.buyer_id, "buyer profiles: the usual quantity per line; key: the buyer id"),
        ReferenceKind("blacklist", BlacklistEntry, lambda e: f"{e.kind.value}:{e.value}", "blacklisted buyer ids, phones and addresses; key: KIND:value (an address's value is its fingerprint)"),
        ReferenceKind("remote_areas", RemoteArea, lambda e: e.code, "remote areas by GB/T 2260 code; key: the code"),
        ReferenceKind("fx_rates", FxRate, lambda e: e.currency, "FX rates (CNY per unit) with their date; key: the currency"),
        ReferenceKind("companies", Company, lambda e: e.credit_code, "registered companies: credit code and registered name; key: the credit code"),
    )
}


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """Field by field, in the entry's own order: what a change did."""
    before, after = before or {}, after or {}
    fields = list(dict.fromkeys([*before, *after]))
    return [FieldChange(field=f, before=before.get(f), after=after.get(f)) for f in fields if before.get(f) != after.get(f)]
