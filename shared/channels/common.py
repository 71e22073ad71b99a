"""What every channel adapter shares: the result it hands to intake, the field types platforms
use (China-local times, amounts in fen, counts that must not be booleans) and the two validation
steps, each turning pydantic's errors into problems that name the field in the sender's terms."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WrapValidator

from shared.clock import CHINA_TIME, iso, to_utc
from shared.orders import OrderIn, WholeNumber
from shared.problems import InputRejected, problems_from_validation

CENT = Decimal("0.01")


def _in_china_time_when_naive(moment: datetime) -> datetime:
    # Taobao, JD and Douyin write local Beijing time without a zone ("2026-11-11 00:00:05").
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TIME)


ChinaTime = Annotated[datetime, AfterValidator(_in_china_time_when_naive)]


def _or_none(value: Any, handler: Any) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


# When the platform last changed the order (Shopify updated_at, Taobao/JD modified, Douyin
# update_time): only compared to tell a late copy from a newer one, so one oms cannot read is
# no reason to refuse the order.
UpdatedAt = Annotated[ChinaTime | None, WrapValidator(_or_none)]
CHANNEL_UPDATED_AT = "channel_updated_at"  # the key shared.amendments reads back from the timeline


def channel_updated(moment: datetime | None) -> dict[str, str]:
    """The order's `received_via` entry that says when the platform last changed it (UTC)."""
    if moment is None:
        return {}
    try:
        return {CHANNEL_UPDATED_AT: iso(to_utc(moment))}
    except ValueError:
        return {}
Count = Annotated[WholeNumber, Field(ge=1, le=100_000)]  # a line's quantity: 0 is no line
Money = Annotated[Decimal, Field(ge=0, max_digits=14, allow_inf_nan=False)]
Fen = Annotated[WholeNumber, Field(ge=0, le=10**13)]  # Douyin's amounts: whole fen (1/100 yuan)
Text = Annotated[str, Field(max_length=500)]


def _identifier(value: object) -> str:
    # Platforms send ids as JSON numbers (tid, orderId) or strings (Douyin's order_id); oms keeps text.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("an id is a number or a string")
    text = str(value).strip()
    if not text:
        raise ValueError("an id may not be empty")
    return text


PlatformId = Annotated[str, BeforeValidator(_identifier), Field(max_length=64)]


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class PlatformModel(BaseModel, defer_build=True):
    """A platform's payload as oms reads it: only the fields oms uses are declared; platforms add
    fields all the time, so unknown ones are ignored rather than refused."""

    model_config = ConfigDict(extra="ignore")


class ChannelOrder(BaseModel, defer_build=True):
    """A channel's order in canonical form, before its SKUs are mapped. `order.lines[i].sku`
    holds the code as the sender names it; `sku_fields[i]` says where it sat in the payload, so an
    unknown SKU is reported in the sender's terms."""

    order: OrderIn
    sku_fields: list[str]
    # True when the sender already uses oms's own SKUs (oms's REST API, the ERP import).
    internal_skus: bool = False
    # How the order reached oms (route, shop), recorded on its first timeline entry.
    received_via: dict[str, str] = Field(default_factory=dict)
    # Refunds the order's own payload shows under way (a Taobao sub-order's refund_status), as
    # after-sales requests (AfterSalesRequest's fields): intake sends them to after-sales as if
    # their messages came (decision 266).
    refunds_shown: list[dict[str, Any]] = Field(default_factory=list)


class ChannelLines:
    """The canonical lines of a channel order, and where each line's SKU code sat in the payload.
    A line's code is the first present of its candidates (the merchant's own code where the
    platform has one, else the platform's id): (field name, value) pairs, in order of preference."""

    def __init__(self, list_path: str):
        self.list_path = list_path
        self.lines: list[dict[str, Any]] = []
        self.sku_fields: list[str] = []

    def add(self, index: int, codes: list[tuple[str, str | None]], quantity: int, unit_price: Decimal, discount: Decimal, line_id: str | None = None) -> None:
        for field, code in codes:
            if code:
                break
        else:
            field, code = codes[0][0], ""
        self.sku_fields.append(f"{self.list_path}.{index}.{field}")
        line = {"sku": code, "quantity": quantity, "unit_price": unit_price, "discount": discount}
        if line_id:
            line["channel_line_id"] = line_id
        self.lines.append(line)


P = TypeVar("P", bound=BaseModel)


def read_platform(model: type[P], document: Any) -> P:
    """Validates a platform payload; errors name the platform's own field paths (400)."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise InputRejected(400, problems_from_validation(error.errors())) from None


def canonical(values: dict[str, Any], sku_fields: list[str], **extra: Any) -> ChannelOrder:
    """Builds the canonical order from converted values; a rule only the canonical order knows
    (a discount above its line, too many lines) is named by its canonical path (400)."""
    try:
        order = OrderIn.model_validate(values)
    except ValidationError as error:
        raise InputRejected(400, problems_from_validation(error.errors(), prefix="canonical")) from None
    return ChannelOrder(order=order, sku_fields=sku_fields, **extra)


def refuse_status(field: str, status: object, channel: str) -> InputRejected:
    return InputRejected.one(
        422, field, "status_not_fulfillable", f"{channel} order status {status!r} is not an order waiting to be shipped"
    )


def unwrap_answer(document: Any, answer_key: str, inner_key: str) -> Any:
    """The resource inside a TOP-style API answer ({"<api>_response": {"<resource>": {...}}}), or
    the document itself when the connector forwards the bare resource."""
    if isinstance(document, dict) and set(document) == {answer_key}:
        response = document[answer_key]
        return response.get(inner_key) if isinstance(response, dict) else response
    return document
