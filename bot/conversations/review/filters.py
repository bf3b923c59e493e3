"""What the review list can be filtered by, and each filter as SQL.

Every filter is an `IN (subquery)` over an indexed column (messages.intent, tickets and
ratings by conversation, the full-text index), so the list stays one indexed query however
many messages there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot import intents
from bot.conversations.models import Conversation, ConversationTag, Message
from bot.conversations.search import matching_messages
from bot.support.models import CsatRating, Ticket

LOW_CSAT = 2
FALLBACK_INTENT = intents.FALLBACK
NOT_HELPFUL_INTENT = intents.FAQ_NOT_HELPFUL


class ReviewError(ValueError):
    """A filter or tag the workbench cannot use; the message says what is wrong."""


class Outcome(str, Enum):
    """How a conversation went, as the reviewer filters by it. The value is the query
    parameter (`?outcome=fallback`), so links and audit entries keep their wording."""

    CONTAINED = "contained"
    HANDED_OFF = "handed_off"
    FALLBACK = "fallback"
    NOT_HELPFUL = "not_helpful"
    NEGATIVE = "negative"
    LOW_CSAT = "low_csat"

    @property
    def label(self) -> str:
        return _LABELS[self]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: str) -> Outcome:
        """The outcome a query parameter names; ReviewError (a 400 at the edge) otherwise."""
        try:
            return cls(value)
        except ValueError:
            raise ReviewError(f"outcome must be one of {', '.join(o.value for o in cls)}") from None


_LABELS = {
    Outcome.CONTAINED: "Contained (no person needed)",
    Outcome.HANDED_OFF: "Handed off to a person",
    Outcome.FALLBACK: "Fallback (not understood)",
    Outcome.NOT_HELPFUL: 'FAQ answer marked "didn\'t help"',
    Outcome.NEGATIVE: "Strongly negative customer",
    Outcome.LOW_CSAT: "Low CSAT (1-2)",
}


@dataclass(frozen=True)
class ReviewFilter:
    """What the reviewer asked for; every part optional. An outcome given as its query
    word is read into an `Outcome` here, so a wrong one fails before any query runs."""

    outcome: Outcome | None = None
    intent: str | None = None
    channel: str | None = None
    agent_id: int | None = None
    tag: str | None = None
    active_from: datetime | None = None
    active_to: datetime | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if self.outcome is not None:
            object.__setattr__(self, "outcome", Outcome.parse(self.outcome))

    def as_query(self) -> dict[str, str]:
        """The filter as URL query parameters (for links and the audit trail)."""
        values = {
            "outcome": self.outcome.value if self.outcome else None,
            "intent": self.intent,
            "channel": self.channel,
            "agent": str(self.agent_id) if self.agent_id is not None else None,
            "tag": self.tag,
            "from": self.active_from.date().isoformat() if self.active_from else None,
            "q": self.text or None,
        }
        return {k: v for k, v in values.items() if v}


def _customer_messages(*where: Any) -> Any:
    return select(Message.conversation_id).where(Message.sender == "customer", *where)


def _outcome(outcome: Outcome) -> ColumnElement:
    ticketed = select(Ticket.conversation_id)
    if outcome is Outcome.CONTAINED:
        return Conversation.id.not_in(ticketed)
    if outcome is Outcome.HANDED_OFF:
        return Conversation.id.in_(ticketed)
    if outcome is Outcome.FALLBACK:
        return Conversation.id.in_(_customer_messages(Message.intent == FALLBACK_INTENT))
    if outcome is Outcome.NOT_HELPFUL:
        return Conversation.id.in_(_customer_messages(Message.intent == NOT_HELPFUL_INTENT))
    if outcome is Outcome.NEGATIVE:
        return or_(
            Conversation.id.in_(_customer_messages(Message.negativity.is_not(None))),
            Conversation.id.in_(
                select(Ticket.conversation_id).where(Ticket.reason == "negative_sentiment")
            ),
        )
    return Conversation.id.in_(
        select(CsatRating.conversation_id).where(CsatRating.score <= LOW_CSAT)
    )


def conditions(session: Session, f: ReviewFilter) -> list[ColumnElement]:
    """The SQL conditions on `Conversation` that the filter asks for (the session's database
    picks the full-text search's form)."""
    found: list[ColumnElement] = []
    if f.outcome:
        found.append(_outcome(f.outcome))
    if f.intent:
        found.append(Conversation.id.in_(_customer_messages(Message.intent == f.intent)))
    if f.channel:
        found.append(Conversation.channel == f.channel)
    if f.agent_id is not None:
        found.append(
            or_(
                Conversation.id.in_(
                    select(Message.conversation_id).where(Message.agent_id == f.agent_id)
                ),
                Conversation.id.in_(
                    select(Ticket.conversation_id).where(Ticket.agent_id == f.agent_id)
                ),
            )
        )
    if f.tag:
        found.append(
            Conversation.id.in_(
                select(ConversationTag.conversation_id).where(ConversationTag.tag == f.tag)
            )
        )
    if f.active_from:
        found.append(Conversation.last_activity_at >= f.active_from)
    if f.active_to:
        found.append(Conversation.last_activity_at < f.active_to)
    words = matching_messages(session.get_bind(), f.text)
    if words is not None:
        found.append(Conversation.id.in_(select(Message.conversation_id).where(words)))
    return found
