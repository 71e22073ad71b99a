"""The canonical after-sales request every channel's refund or cancellation becomes, and how its
lines meet the order's. Pure: no AWS."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from shared.ids import order_id_for
from shared.orders import Amount, Channel, OrderIn, OrderLine
from shared.problems import InputRejected, Problem, problems_from_validation


class AfterSalesKind(StrEnum):
    CANCEL = "cancel"  # the whole order is called off
    REFUND = "refund"  # money back for lines (or all of them); goods stay or come back
    EXCHANGE = "exchange"  # 换货: the goods come back and the same item ships again (decision 137)


# In a replacement order's external id (an exchange after shipment, decision 137): the channel's
# order id, this, then a digest of the exchange's id. The channel knows no such order: no write-back.
REPLACEMENT_MARK = "#exchange-"


class RefundState(StrEnum):
    """Where the refund is on the platform (its own status is kept too, as channel_status)."""

    REQUESTED = "requested"  # the buyer asked; oms stops what it can at once
    AGREED = "agreed"  # the seller agreed (waiting for goods back, or for the money to go)
    SUCCESS = "success"  # the money went back
    CLOSED = "closed"  # refused or withdrawn: nothing to undo


class RequestedLine(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid")

    line_id: str | None = Field(default=None, max_length=64, description="The channel's line id")
    sku: str | None = Field(default=None, max_length=200, description="The SKU as the channel or oms names it, when there is no line id")
    quantity: int | None = Field(default=None, ge=1, le=100_000, description="Absent: the whole line")

    @model_validator(mode="after")
    def _named(self) -> RequestedLine:
        if not (self.line_id or self.sku):
            raise ValueError("a refunded line is named by its line_id or its sku")
        return self


class AfterSalesRequest(BaseModel, defer_build=True):
    """A refund or cancellation as oms reads it from any channel (also oms's own POST /refunds)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    channel_order_id: str = Field(min_length=1, max_length=64)
    refund_id: str = Field(min_length=1, max_length=100, description="The channel's refund / after-sales id; one refund is applied once")
    kind: AfterSalesKind = AfterSalesKind.REFUND
    whole_order: bool = Field(default=False, description="Every line of the order (a cancellation always is)")
    lines: list[RequestedLine] = Field(default_factory=list, max_length=500)
    amount: Amount | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    channel_status: str = Field(default="", max_length=60)
    state: RefundState = RefundState.REQUESTED
    reason: str = Field(default="", max_length=500)
    restock: bool | None = Field(default=None, description="Shopify's restock flag, kept for the record")

    @model_validator(mode="after")
    def _says_what(self) -> AfterSalesRequest:
        if not self.everything and not self.lines:
            raise PydanticCustomError("no_lines", "a refund names its lines, or says it covers the whole order (whole_order: true)")
        return self

    @property
    def order_id(self) -> str:
        return order_id_for(self.channel.value, self.channel_order_id)

    @property
    def everything(self) -> bool:
        return self.kind == AfterSalesKind.CANCEL or self.whole_order


def read_request(values: dict[str, Any], field_of: dict[str, str] | None = None) -> AfterSalesRequest:
    """The canonical request from a channel's converted values; a missing or bad value is named by
    the channel's own field (`field_of` maps canonical names to the platform's) in a 400."""
    try:
        request = AfterSalesRequest.model_validate(values)
    except ValidationError as error:
        problems = problems_from_validation(error.errors())
        raise InputRejected(400, [_renamed(p, field_of or {}) for p in problems]) from None
    return request


def _renamed(problem: Problem, field_of: dict[str, str]) -> Problem:
    head, _, rest = problem.field.partition(".")
    return problem.model_copy(update={"field": ".".join(p for p in (field_of.get(head, head), rest) if p)})


class Nonsense(Exception):
    """A request that cannot apply to the order it names: it goes to the dead-letter queue with
    this reason (an unknown order or line, more units than were ordered)."""

    def __init__(self, rule: str, reason: str):
        super().__init__(reason)
        self.rule, self.reason = rule, reason


class OrderNotYetReceived(Nonsense):
    """A refund or cancellation for an order oms does not have (yet): kept until it comes
    (shared/aftersales/usecases/waiting.py), a dead letter only if it has not come after a while."""

    def __init__(self, reason: str):
        super().__init__("unknown_order", reason)


class WaitingForOrder(Exception):
    """The request is kept and its message is delivered again later (SQS), by when the order may
    have come: not a fault (shared/sqs_batch.py logs one INFO line)."""

    retry_later = True


class RefundedUnits(BaseModel, defer_build=True):
    index: int  # the line's position in the order's current content
    line_id: str
    sku: str
    quantity: int


def line_key(line: OrderLine) -> str:
    return line.channel_line_id or line.channel_sku or line.sku


class Claimed(BaseModel, defer_build=True):
    """Units of the order's current lines that earlier refunds still expect back or asked the
    warehouse to stop (after release the order's content keeps them): by line index, with the
    refunds that claim them."""

    units: dict[int, int] = Field(default_factory=dict)
    by: dict[int, list[str]] = Field(default_factory=dict)

    def add(self, index: int, quantity: int, refund_id: str) -> None:
        self.units[index] = self.units.get(index, 0) + quantity
        self.by.setdefault(index, []).append(refund_id)

    def refund_ids(self) -> str:
        """Every refund that claims units, for a message: "RF-A, RF-T"."""
        return ", ".join(sorted({refund for refunds in self.by.values() for refund in refunds}))


def refunded_units(order: OrderIn, request: AfterSalesRequest, claimed: Claimed | None = None) -> list[RefundedUnits]:
    """Which units of the order's current lines the request refunds; raises Nonsense. A line
    refund counts the units `claimed` by earlier refunds of the same lines: together they may not
    pass what was ordered, and a line named without a quantity means what is left of it. A
    whole-order refund (or a cancellation) refunds what earlier refunds left unclaimed: none when
    they claim every unit."""
    claimed = claimed or Claimed()
    if request.everything:
        left = [(i, line, line.quantity - claimed.units.get(i, 0)) for i, line in enumerate(order.lines)]
        return [RefundedUnits(index=i, line_id=line_key(line), sku=line.sku, quantity=quantity) for i, line, quantity in left if quantity > 0]
    taken: dict[int, int] = {}
    for n, wanted in enumerate(request.lines):
        index = _find(order, wanted)
        if index is None:
            named = f"line id {wanted.line_id!r}" if wanted.line_id else f"SKU {wanted.sku!r}"
            raise Nonsense("unknown_line", f"refund {request.refund_id} line {n}: order {request.order_id} has no line with {named}")
        line = order.lines[index]
        earlier = claimed.units.get(index, 0)
        taken[index] = taken.get(index, 0) + (wanted.quantity or max(line.quantity - earlier, 1))
        if taken[index] + earlier > line.quantity:
            by = f" ({earlier} of them by refund {', '.join(claimed.by[index])})" if earlier else ""
            raise Nonsense(
                "quantity_above_ordered",
                f"refund {request.refund_id} line {n}: {taken[index] + earlier} units of {line.sku} refunded{by}, the order has {line.quantity}",
            )
    return [RefundedUnits(index=i, line_id=line_key(order.lines[i]), sku=order.lines[i].sku, quantity=q) for i, q in sorted(taken.items())]


def _find(order: OrderIn, wanted: RequestedLine) -> int | None:
    if wanted.line_id:
        found = next((i for i, line in enumerate(order.lines) if line.channel_line_id == wanted.line_id), None)
        if found is not None or not wanted.sku:
            return found
    return next((i for i, line in enumerate(order.lines) if wanted.sku in (line.channel_sku, line.sku)), None)


def what_is_left(order: OrderIn, units: list[RefundedUnits]) -> OrderIn | None:
    """The order without the refunded units (discounts shrink in proportion); None when nothing is left."""
    refunded = {u.index: u.quantity for u in units}
    lines: list[OrderLine] = []
    for i, line in enumerate(order.lines):
        left = line.quantity - refunded.get(i, 0)
        if left <= 0:
            continue
        discount = line.discount if left == line.quantity else (line.discount * left / line.quantity).quantize(Decimal("0.01"))
        lines.append(line.model_copy(update={"quantity": left, "discount": discount}))
    if not lines:
        return None
    refunded_value = order.total - sum((line.amount for line in lines), Decimal("0.00"))
    total = None if order.order_total is None else max(order.order_total - refunded_value, Decimal("0.00"))
    return order.model_copy(update={"lines": lines, "order_total": total})
