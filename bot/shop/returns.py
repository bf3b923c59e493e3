"""Return requests: check eligibility, pick the item, issue a return authorisation (RMA)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.letters import folded
from bot.pack.formats import ShopFormat
from bot.pack.model import ReturnPolicy, ReturnRule
from bot.privacy.redact import redact
from bot.shop.models import ReturnRequest
from bot.shop.orders import LineItem, OrderService, OrderStatus, OrderView

MIN_REASON_LENGTH = 3


class ReturnRefused(Exception):
    """The return cannot be authorised; str(exc) is a customer-facing explanation."""


@dataclass(frozen=True)
class ReturnAuthorisation:
    rma: str
    order_number: int
    item_name: str
    reason: str
    order_shown: str = ""  # the order number as the shop writes it ("TH-10452")
    condition: str | None = None  # the policy's condition for this item ("unopened only")
    instructions: str = ""  # what the customer does next (the pack's return instructions)


STOP_WORDS = frozenset({"the", "a", "an", "my", "one", "ones", "it", "them", "that", "those"})


def _words(text: str) -> set[str]:
    """Words, singular ("boots" and "boot" are one word), without the little ones."""
    words = set(re.findall(r"[a-z0-9]+", folded(text).lower())) - STOP_WORDS
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words}


def match_item(items: Sequence[LineItem], text: str) -> LineItem | None:
    """Find the line item a customer means: by position ("2"), SKU, or most shared words."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(items):
        return items[int(text) - 1]
    for item in items:
        if item.sku.lower() == text.lower() or folded(item.name).lower() == folded(text).lower():
            return item
    wanted = _words(text)
    scored = sorted(((len(wanted & _words(i.name)), i.id, i) for i in items), reverse=True)
    if not scored or scored[0][0] == 0:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None  # ambiguous: ask again rather than guess
    return scored[0][2]


class ReturnService:
    """Which items may go back under the shop's return policy (its pack's `returns`, with the
    per-category exceptions), and the return authorisations themselves."""

    def __init__(
        self,
        engine: Engine,
        orders: OrderService,
        policy: ReturnPolicy,
        category_of: Mapping[str, str],
        fmt: ShopFormat,
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._engine = engine
        self._orders = orders
        self._policy = policy
        self._category_of = category_of  # sku -> category slug, from the catalogue
        self._fmt = fmt
        self._clock = clock

    def _already_returned(self, order_number: int) -> set[int]:
        query = select(ReturnRequest.order_item_id).where(ReturnRequest.order_id == order_number)
        with Session(self._engine) as session:
            return set(session.execute(query).scalars())

    def rule_for(self, item: LineItem) -> ReturnRule | None:
        """The policy's exception for this item's category, if there is one."""
        return self._policy.rule_for(self._category_of.get(item.sku, ""), item.name)

    def _window(self, item: LineItem) -> timedelta:
        category = self._category_of.get(item.sku, "")
        return timedelta(days=self._policy.window_for(category, item.name))

    def returnable_items(self, order: OrderView) -> list[LineItem]:
        """Items that may still go back; raise ReturnRefused saying why when none may."""
        number, days = self._fmt.order(order.number), self._policy.window_days
        if order.status in (OrderStatus.PROCESSING,):
            raise ReturnRefused(
                f"Order {number} hasn't shipped yet, so there is nothing to return - "
                "you can cancel it instead while it is still being prepared."
            )
        if order.status is OrderStatus.CANCELLED:
            raise ReturnRefused(f"Order {number} was cancelled, so it can't be returned.")
        if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
            raise ReturnRefused(
                f"Order {number} is still on its way. Once it has been delivered you "
                f"have {days} days to return it."
            )
        done = self._already_returned(order.number)
        waiting = [i for i in order.items if i.id not in done]
        if not waiting:
            raise ReturnRefused(f"Every item on order {number} already has a return.")
        age = self._clock() - order.delivered_at
        items = [i for i in waiting if age <= self._window(i)]
        if items:
            return items
        never = {r.reason for i in waiting if (r := self.rule_for(i)) and r.window_days == 0}
        if never and all(self._window(i).days == 0 for i in waiting):
            raise ReturnRefused(
                " ".join(sorted(never)) + " If something is faulty, the warranty still covers it."
            )
        longest = max(self._window(i).days for i in waiting)
        raise ReturnRefused(
            f"Order {number} was delivered more than {longest} days ago, "
            "so it is outside our return window. If something is faulty, the warranty "
            "still covers it."
        )

    def authorise(
        self, order: OrderView, item: LineItem, reason: str, conversation_id: str | None = None
    ) -> ReturnAuthorisation:
        """Record the return and give its RMA number (one per item, so it is unique)."""
        reason = reason.strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise ReturnRefused("Please tell me briefly why you are returning it.")
        if item.id in self._already_returned(order.number):
            raise ReturnRefused(f"{item.name} can't be returned again.")
        if item not in self.returnable_items(order):
            rule = self.rule_for(item)
            why = f" {rule.reason}" if rule is not None else ""
            raise ReturnRefused(f"{item.name} can't be returned.{why}")
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
        rule = self.rule_for(item)
        condition = rule.reason if rule is not None and rule.unopened_only else None
        return ReturnAuthorisation(
            rma,
            order.number,
            item.name,
            reason,
            order_shown=self._fmt.order(order.number),
            condition=condition,
            instructions=self._policy.instructions,
        )
