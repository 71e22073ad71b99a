"""The platforms' codes for oms's carriers: one table as data (shared/data/carrier_codes.json),
checked when loaded. A carrier a platform has no code for cannot be written back there: the
write-back fails with that reason instead of sending a code the platform would misread."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

CODES_FILE = Path(__file__).resolve().parent.parent / "data" / "carrier_codes.json"


class ShopifyCarrier(BaseModel):
    company: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://.*\{number\}")


class CarrierCodes(BaseModel):
    name: str = Field(min_length=1)
    tmall: str = Field(min_length=1)
    jd: str = Field(pattern=r"^\d+$")  # JD names logistics companies by number
    douyin: str = Field(min_length=1)
    shopify: ShopifyCarrier


class CarrierTable(BaseModel):
    carriers: dict[str, CarrierCodes] = Field(min_length=1)


class UnknownCarrier(ValueError):
    def __init__(self, carrier: str | None, channel: str):
        super().__init__(f"carrier {carrier!r} has no {channel} code in shared/data/carrier_codes.json")


@lru_cache(maxsize=1)
def carrier_table() -> CarrierTable:
    return CarrierTable.model_validate(json.loads(CODES_FILE.read_text("utf-8")))


def codes_of(carrier: str | None, channel: str) -> CarrierCodes:
    found = carrier_table().carriers.get((carrier or "").lower())
    if found is None:
        raise UnknownCarrier(carrier, channel)
    return found
