"""Return requests: check eligibility, pick the item, issue a return authorisation (RMA)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.privacy.redact import redact
from bot.shop.models import ReturnRequest
from bot.shop.orders import LineItem, OrderService, OrderStatus, OrderView

RETURN_WINDOW_DAYS = 30
MIN_REASON_LENGTH = 3


class ReturnRefused(Exception):
    """The return cannot be authorised; str(exc) is a customer-facing explanation."""


@dataclass(frozen=True)
class ReturnAuthorisation:
    rma: str
    order_number: int
    item_name: str
    reason: str


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def match_item(items: Sequence[LineItem], text: str) -> LineItem | None:
    """Find the line item a customer means: by position ("2"), SKU, or most shared words."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(items):
        return items[int(text) - 1]
    for item in items:
        if item.sku.lower() == text.lower() or item.name.lower() == text.lower():
            return item
    wanted = _words(text)
    scored = sorted(((len(wanted & _words(i.name)), i.id, i) for i in items), reverse=True)
    if not scored or scored[0][0] == 0:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None  # ambiguous: ask again rather than guess
    return scored[0][2]


class ReturnService:
    def __init__(
        self,
        engine: Engine,
        orders: OrderService,
        clock: Callable[[], datetime] = datetime.utcnow,
        window_days: int = RETURN_WINDOW_DAYS,
    ) -> None:
        self._engine = engine
        self._orders = orders
        self._clock = clock
        self._window = timedelta(days=window_days)

    def _already_returned(self, order_number: int) -> set[int]:
        query = select(ReturnRequest.order_item_id).where(ReturnRequest.order_id == order_number)
        with Session(self._engine) as session:
            return set(session.execute(query).scalars())

    def returnable_items(self, order: OrderView) -> list[LineItem]:
        """Items that may still go back; raise ReturnRefused saying why when none may."""
        if order.status in (OrderStatus.PROCESSING,):
            raise ReturnRefused(
                f"Order #{order.number} hasn't shipped yet, so there is nothing to return - "
                "you can cancel it instead while it is still being prepared."
            )
        if order.status is OrderStatus.CANCELLED:
            raise ReturnRefused(f"Order #{order.number} was cancelled, so it can't be returned.")
        if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
            raise ReturnRefused(
                f"Order #{order.number} is still on its way. Once it has been delivered you "
                f"have {self._window.days} days to return it."
            )
        if self._clock() - order.delivered_at > self._window:
            raise ReturnRefused(
                f"Order #{order.number} was delivered more than {self._window.days} days ago, "
                "so it is outside our return window. If something is faulty, the warranty "
                "still covers it."
            )
        done = self._already_returned(order.number)
        items = [i for i in order.items if i.id not in done]
        if not items:
            raise ReturnRefused(f"Every item on order #{order.number} already has a return.")
        return items

    def authorise(
        self, order: OrderView, item: LineItem, reason: str, conversation_id: str | None = None
    ) -> ReturnAuthorisation:
        """Record the return and give its RMA number (one per item, so it is unique)."""
        reason = reason.strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise ReturnRefused("Please tell me briefly why you are returning it.")
        if item not in self.returnable_items(order):
            raise ReturnRefused(f"{item.name} can't be returned again.")
        rma = f"RMA-{order.number}-{item.id}"
        row = ReturnRequest(
            rma=rma,
            order_id=order.number,
            order_item_id=item.id,
            reason=redact(reason)[:2000],  # the customer's words, personal data out
            conversation_id=conversation_id,
            created_at=self._clock(),
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise ReturnRefused(f"{item.name} already has a return.") from None
        return ReturnAuthorisation(rma, order.number, item.name, reason)
