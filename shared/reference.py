"""Reference data the review rules consult: price list, credit accounts, buyer profiles,
blacklists and remote areas. Pure models and lookups; shared/aws/reference_store.py loads them.

A review gets a ReferenceData holding just what its order needs (one batch read per order on
AWS) or everything (the what-if replay and the benchmarks load the whole set once).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.divisions import resolve
from shared.orders import Amount, ReceiverAddress
from shared.phone import normalized as normalized_phone
from shared.uscc import is_valid as is_valid_credit_code

Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class PriceEntry(BaseModel, defer_build=True):
    """One SKU of the price list: what a line's net unit price may be, and its usual quantity."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1)
    list_price: Amount = Field(gt=0)
    floor: Amount | None = Field(default=None, ge=0, description="Lowest net unit price allowed")
    ceiling: Amount | None = Field(default=None, gt=0, description="Highest unit price allowed")
    max_discount_rate: Rate | None = Field(default=None, description="This SKU's own discount limit (0.2 = 20%)")
    typical_quantity: int | None = Field(default=None, gt=0, description="A high but ordinary quantity per line")


class CreditAccount(BaseModel, defer_build=True):
    """A B2B buyer's credit terms (from the ERP): limit and what it owes now."""

    model_config = ConfigDict(extra="forbid")

    buyer_id: str = Field(min_length=1)
    limit: Amount = Field(ge=0)
    outstanding: Amount = Field(ge=0)


class BuyerProfile(BaseModel, defer_build=True):
    """What is usual for one buyer, computed from its history."""

    model_config = ConfigDict(extra="forbid")

    buyer_id: str = Field(min_length=1)
    typical_line_quantity: int = Field(gt=0)


class BlacklistKind(StrEnum):
    BUYER = "BUYER"  # buyer id as the channel sends it
    PHONE = "PHONE"  # normalized digits (shared.phone.normalized)
    ADDRESS = "ADDRESS"  # address_fingerprint(receiver)


class BlacklistEntry(BaseModel, defer_build=True):
    """One blacklisted buyer id, phone or address. An address entry may be given as the address
    itself; its fingerprint (what orders are matched on) is computed here."""

    model_config = ConfigDict(extra="forbid")

    kind: BlacklistKind
    value: str = Field(default="", description="Buyer id, phone digits or address fingerprint")
    address: ReceiverAddress | None = Field(default=None, exclude=True)
    reason: str = ""

    @model_validator(mode="after")
    def _value_from_address(self) -> BlacklistEntry:
        if self.kind is BlacklistKind.ADDRESS and self.address is not None:
            self.value = address_fingerprint(self.address)
        elif self.kind is BlacklistKind.PHONE:
            self.value = normalized_phone(self.value)
        if not self.value:
            raise ValueError("a blacklist entry needs a value (or, for an address, the address)")
        return self


class RemoteArea(BaseModel, defer_build=True):
    """A division (GB/T 2260 code of a province, city or district) carriers charge extra for."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^\d{2}(\d{2}){0,2}$")
    name: str = ""


class FxRate(BaseModel, defer_build=True):
    """How many yuan one unit of a currency was worth on a date: prices in other currencies are
    compared with the CNY price list through it."""

    model_config = ConfigDict(extra="forbid")

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    rate: Decimal = Field(gt=0, max_digits=16, decimal_places=8, description="CNY per unit of the currency")
    as_of: date = Field(description="The day the rate was published")

    @model_validator(mode="after")
    def _not_cny(self) -> FxRate:
        if self.currency == "CNY":
            raise ValueError("CNY is the price list's own currency: it needs no rate")
        return self


class Company(BaseModel, defer_build=True):
    """A registered company (工商登记): its unified social credit code and registered name, so an
    invoice's title and tax id can be checked to belong together."""

    model_config = ConfigDict(extra="forbid")

    credit_code: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _valid_code(self) -> Company:
        self.credit_code = self.credit_code.strip().upper()
        if not is_valid_credit_code(self.credit_code):
            raise ValueError("credit_code is not a valid unified social credit code (GB 32100-2015 check character)")
        return self


def company_name_key(name: str) -> str:
    """Equal for two writings of one registered name: full-width brackets, spaces, case."""
    return _plain_text(name).replace("(", "").replace(")", "")


class ReferenceData(BaseModel, defer_build=True):
    prices: dict[str, PriceEntry] = Field(default_factory=dict)
    credit: dict[str, CreditAccount] = Field(default_factory=dict)
    profiles: dict[str, BuyerProfile] = Field(default_factory=dict)
    blacklist: dict[BlacklistKind, frozenset[str]] = Field(default_factory=dict)
    remote_codes: frozenset[str] = frozenset()
    fx: dict[str, FxRate] = Field(default_factory=dict)
    companies: dict[str, Company] = Field(default_factory=dict)

    @classmethod
    def of(
        cls,
        prices: Iterable[PriceEntry] = (),
        credit: Iterable[CreditAccount] = (),
        profiles: Iterable[BuyerProfile] = (),
        blacklist: Iterable[BlacklistEntry] = (),
        remote: Iterable[RemoteArea] = (),
        fx_rates: Iterable[FxRate] = (),
        companies: Iterable[Company] = (),
    ) -> ReferenceData:
        kinds: dict[BlacklistKind, set[str]] = {}
        for entry in blacklist:
            kinds.setdefault(entry.kind, set()).add(entry.value)
        return cls(
            prices={p.sku: p for p in prices},
            credit={c.buyer_id: c for c in credit},
            profiles={p.buyer_id: p for p in profiles},
            blacklist={k: frozenset(v) for k, v in kinds.items()},
            remote_codes=frozenset(r.code for r in remote),
            fx={f.currency: f for f in fx_rates},
            companies={c.credit_code: c for c in companies},
        )


class ReferenceFile(BaseModel, defer_build=True):
    """Reference data as a file holds it (events/seed/review_reference.json, the sample set)."""

    model_config = ConfigDict(extra="forbid")

    prices: list[PriceEntry] = Field(default_factory=list)
    credit: list[CreditAccount] = Field(default_factory=list)
    profiles: list[BuyerProfile] = Field(default_factory=list)
    blacklist: list[BlacklistEntry] = Field(default_factory=list)
    remote_areas: list[RemoteArea] = Field(default_factory=list)
    fx_rates: list[FxRate] = Field(default_factory=list)
    companies: list[Company] = Field(default_factory=list)

    def data(self) -> ReferenceData:
        return ReferenceData.of(self.prices, self.credit, self.profiles, self.blacklist, self.remote_areas, self.fx_rates, self.companies)


def _plain_text(text: str) -> str:
    # Full-width digits and letters, spaces and case differ between channels for the same place.
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def address_fingerprint(receiver: ReceiverAddress) -> str:
    """Equal for two spellings of the same delivery address (province suffixes, spaces, full-width
    characters); the key of the address blacklist and of "many orders to one address". Computed
    once per order by whoever holds its keys (review's Subject, RecentOrder.of, index_attributes):
    no process-wide cache (decision 177)."""
    return _fingerprint(receiver.province, receiver.city, receiver.district, receiver.detail)


def _fingerprint(province: str, city: str, district: str, detail: str) -> str:
    resolved = resolve(province, city, district)
    place = resolved.district_code or resolved.city_code or "|".join(_plain_text(p) for p in (province, city, district))
    return hashlib.sha256(f"{place}|{_plain_text(detail)}".encode()).hexdigest()[:24]

