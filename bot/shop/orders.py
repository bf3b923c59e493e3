"""Order lookup: find an order only when the caller also knows the email on it.

There is one way to fail: "no such order" and "not the email on it" are the same outcome
(`LookupOutcome.NO_MATCH`), and nothing here answers whether a number exists on its own, so
no reply built on it can tell a stranger which order numbers are real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from bot.pack.formats import ShopFormat
from bot.shop.models import Customer, Order, OrderItem

EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class OrderStatus(str, Enum):
    PROCESSING = "processing"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class LookupOutcome(str, Enum):
    VERIFIED = "verified"  # the order exists and the email is the one on it
    NO_MATCH = "no_match"  # no such order, or not this email's: deliberately one outcome


@dataclass(frozen=True)
class LineItem:
    id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OrderView:
    """What a verified customer may see about their order."""

    number: int
    status: OrderStatus
    placed_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    estimated_delivery: datetime | None
    carrier: str | None
    tracking_number: str | None
    items: tuple[LineItem, ...]

    @property
    def total(self) -> Decimal:
        return sum((i.unit_price * i.quantity for i in self.items), Decimal("0"))


@dataclass(frozen=True)
class OrderLookup:
    outcome: LookupOutcome
    order: OrderView | None = None  # set exactly when VERIFIED


def parse_email(text: str | None) -> str | None:
    """Pull an email address out of free text, lower-cased."""
    match = EMAIL.search(text or "")
    return match.group(0).lower().rstrip(".") if match else None


def _view(order: Order) -> OrderView:
    return OrderView(
        number=order.id,
        status=OrderStatus(order.status),
        placed_at=order.placed_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        estimated_delivery=order.estimated_delivery,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        items=tuple(
            LineItem(i.id, i.sku, i.name, i.quantity, Decimal(i.unit_price_cents) / 100)
            for i in order.items
        ),
    )


class OrderService:
    """Read-only order access that never returns an order to the wrong person."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def lookup(self, number: int, email: str) -> OrderLookup:
        """The order when `email` is the one on it; NO_MATCH otherwise, whether or not the
        number exists (one query either way)."""
        query = (
            select(Order)
            .join(Customer)
            .where(Order.id == number, func.lower(Customer.email) == email.strip().lower())
            .options(selectinload(Order.items))
        )
        with Session(self._engine) as session:
            order = session.execute(query).scalar_one_or_none()
            if order is None:
                return OrderLookup(LookupOutcome.NO_MATCH)
            return OrderLookup(LookupOutcome.VERIFIED, _view(order))

    def purchased_skus(self, email: str) -> list[str]:
        """What this customer bought (not cancelled), for personal recommendations."""
        query = (
            select(OrderItem.sku)
            .join(Order)
            .join(Customer)
            .where(
                func.lower(Customer.email) == email.strip().lower(),
                Order.status != OrderStatus.CANCELLED.value,
            )
        )
        with Session(self._engine) as session:
            return list(dict.fromkeys(session.execute(query).scalars()))

    def baskets(self) -> list[list[str]]:
        """Each customer's purchased SKUs: the input for co-purchase similarity."""
        query = (
            select(Order.customer_id, OrderItem.sku)
            .join(OrderItem)
            .where(Order.status != OrderStatus.CANCELLED.value)
        )
        baskets: dict[int, list[str]] = {}
        with Session(self._engine) as session:
            for customer_id, sku in session.execute(query):
                baskets.setdefault(customer_id, []).append(sku)
        return list(baskets.values())


def describe_order(view: OrderView, fmt: ShopFormat) -> str:
    """A customer-facing status paragraph for one order, in the shop's money and dates."""
    _day = fmt.day
    items = ", ".join(f"{i.quantity} x {i.name}" for i in view.items)
    placed, total = _day(view.placed_at), fmt.money(view.total)
    head = f"Order {fmt.order(view.number)} (placed {placed}; {items}; total {total})"
    tracking = (
        f" with {view.carrier}, tracking number {view.tracking_number}"
        if view.carrier and view.tracking_number
        else ""
    )
    eta = _day(view.estimated_delivery) if view.estimated_delivery else "soon"
    if view.status is OrderStatus.PROCESSING:
        return f"{head} is being prepared in our warehouse. Estimated delivery: {eta}."
    if view.status is OrderStatus.SHIPPED:
        return f"{head} has shipped{tracking}. Estimated delivery: {eta}."
    if view.status is OrderStatus.OUT_FOR_DELIVERY:
        return f"{head} is out for delivery today{tracking}."
    if view.status is OrderStatus.DELIVERED:
        delivered = _day(view.delivered_at) if view.delivered_at else "recently"
        return f"{head} was delivered on {delivered}."
    return f"{head} was cancelled; any payment has been refunded to the original method."
