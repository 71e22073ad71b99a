"""The canonical order: what every channel's payload becomes at intake.

Money is Decimal with an ISO-4217 currency, never float; quantities are whole units; times are
UTC. Validation errors name the field and the rule, so a channel sees exactly what to fix.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from shared.clock import to_utc
from shared.ids import order_id_for

NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True), Field(min_length=1, max_length=200)]  # ids: surrounding blanks are not part of one
# Two decimals, at most 12 digits: yuan and fen; the 'allow_inf_nan' guard keeps NaN/Infinity out.
Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]


def _not_a_boolean(value: object) -> object:
    # pydantic's lax int takes true as 1; a count sent as true/false is a sender's bug, not a 1.
    if isinstance(value, bool):
        raise ValueError("a whole number is needed, not true/false")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean)]

MAX_LINES = 500  # keeps one order item far below DynamoDB's 400 KB


class Channel(StrEnum):
    OWN_SHOP = "own_shop"
    ERP = "erp"
    SHOPIFY = "shopify"
    TMALL = "tmall"
    JD = "jd"
    DOUYIN = "douyin"
    PARTNER = "partner"


class PaymentStatus(StrEnum):
    PAID = "PAID"
    UNPAID = "UNPAID"
    CASH_ON_DELIVERY = "COD"


class CustomerType(StrEnum):
    CONSUMER = "B2C"
    BUSINESS = "B2B"  # buys on credit terms; review checks the credit limit


class Buyer(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid")

    buyer_id: NonEmptyText
    name: str | None = Field(default=None, max_length=100)
    customer_type: CustomerType = CustomerType.CONSUMER
    # 订购人身份证号: customs needs the payer's resident ID on a cross-border import parcel.
    id_number: str | None = Field(default=None, max_length=30, description="The buyer's ID number, sent by cross-border channels")
    # Personal data like the receiver's phone: kept in the order's content only (no index holds
    # it), masked wherever oms writes it elsewhere (notice records, timeline). Decision 126.
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="The buyer's email, where the channel gives it: customer notices go there")


class InvoiceKind(StrEnum):
    NORMAL = "normal"  # 增值税普通发票
    VAT_SPECIAL = "vat_special"  # 增值税专用发票: needs the buyer's tax id


class InvoiceRequest(BaseModel, defer_build=True):
    """The buyer's request for a 发票. Whether title and tax id are valid is a review rule."""

    model_config = ConfigDict(extra="forbid")

    kind: InvoiceKind = InvoiceKind.NORMAL
    title: str = Field(default="", max_length=200)
    tax_id: str | None = Field(default=None, max_length=30, description="统一社会信用代码, 18 characters")
    amount: Amount | None = Field(default=None, ge=0, description="When absent, the order total")


class ReceiverAddress(BaseModel, defer_build=True):
    """Where the parcel goes. Completeness is a review rule, not a parsing rule: a channel may
    deliver an order before the buyer has filled in the address."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=30)
    province: str = Field(default="", max_length=50)
    city: str = Field(default="", max_length=50)
    district: str = Field(default="", max_length=50)
    detail: str = Field(default="", max_length=300)
    postal_code: str | None = Field(default=None, max_length=12)
    country: str = Field(default="CN", pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 destination country; province holds a state or region abroad")


class OrderLine(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid")

    sku: NonEmptyText
    # The SKU as the channel names it, kept when the SKU mapping turned it into `sku` (after-sales
    # and the channel's own reports speak of it).
    channel_sku: str | None = Field(default=None, max_length=200)
    # The channel's own id of the line (Shopify line item id, Tmall oid, JD skuId, Douyin sku order
    # id): refunds name the line by it. An identity, not content: left out of the fingerprint.
    channel_line_id: str | None = Field(default=None, max_length=64)
    # Zero passes intake (some channels send cancelled lines as 0) and review rejects it; negative is malformed.
    quantity: WholeNumber = Field(ge=1, le=100_000)
    unit_price: Amount = Field(ge=0)
    discount: Amount = Field(default=Decimal("0.00"), ge=0)
    # 赠品: the platform marks the line as a free gift (price 0, or fully discounted).
    gift: bool = False

    @model_validator(mode="after")
    def _discount_within_line(self) -> OrderLine:
        if self.discount > self.unit_price * self.quantity:
            raise ValueError("discount is larger than the line amount (unit_price × quantity)")
        return self

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity - self.discount


class Charge(BaseModel, defer_build=True):
    """A charge on the order besides its lines and shipping (tax, insurance, packaging, service)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=40)
    amount: Amount


class OrderIn(BaseModel, defer_build=True):
    """An order as a channel hands it to oms (the canonical intake schema)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    external_id: NonEmptyText = Field(description="The order's id in its channel")
    buyer: Buyer
    receiver: ReceiverAddress | None = None
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$", description="ISO-4217 code")
    lines: list[OrderLine] = Field(min_length=1, max_length=MAX_LINES)
    payment_status: PaymentStatus = PaymentStatus.PAID
    order_total: Amount | None = Field(default=None, ge=0, description="What the channel says the buyer pays; review compares it with lines + shipping + charges − order discount")
    shipping_fee: Amount = Field(default=Decimal("0.00"), ge=0, description="Freight the buyer pays (运费)")
    charges: list[Charge] = Field(default_factory=list, max_length=20, description="Other charges (tax, insurance, ...); negative amounts are credits")
    order_discount: Amount = Field(default=Decimal("0.00"), ge=0, description="Discount on the whole order, not allocated to lines (店铺券)")
    cross_border: bool = Field(default=False, description="A cross-border import parcel (跨境): customs needs the buyer's ID number")
    invoice: InvoiceRequest | None = None
    promised_delivery_date: date | None = Field(default=None, description="The date the channel promised the buyer")
    placed_at: datetime = Field(description="When the buyer placed the order (ISO-8601 with zone)")

    @field_validator("placed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("placed_at needs a time zone (for example 2026-11-11T00:00:05+08:00)")
        to_utc(value, "placed_at")  # oms stores and indexes times in UTC (shared/clock.iso)
        return value

    @property
    def order_id(self) -> str:
        return order_id_for(self.channel.value, self.external_id)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def expected_total(self) -> Decimal:
        """What the buyer should pay: lines + shipping + charges − the order's own discount."""
        return self.total + self.shipping_fee + sum((c.amount for c in self.charges), Decimal("0.00")) - self.order_discount

    def content_fingerprint(self) -> str:
        """Equal for two deliveries of the same content, whatever their key order. Fields added
        later are left out while they hold their default, so stored orders keep their fingerprint."""
        return hashlib.sha256(self.model_dump_json(exclude=self._later_fields_at_default()).encode()).hexdigest()

    def _later_fields_at_default(self) -> dict:
        exclude: dict = {name: True for name in _LATER_ORDER_FIELDS if getattr(self, name) == OrderIn.model_fields[name].get_default(call_default_factory=True)}
        if self.buyer.id_number is None:
            exclude["buyer"] = {"id_number"}
        if self.receiver is not None and self.receiver.country == "CN":
            exclude["receiver"] = {"country"}
        exclude["lines"] = {i: {"channel_line_id"} | (set() if line.gift else {"gift"}) for i, line in enumerate(self.lines)}
        return exclude


_LATER_ORDER_FIELDS = ("shipping_fee", "charges", "order_discount", "cross_border")
