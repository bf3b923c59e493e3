"""Reading the conversation log for the live feeds: the widget's and the ticket view's messages,
the conversation's status, channel and reach (the review screen reads it in `review`).

A service over one engine, like the rest of `bot.services.Services`, so the web app's views
reach the log through it and a test can hand them a fake instead of a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.conversations.models import Conversation, Message
from bot.support.models import Agent

PUSHED_BOT_ACTIONS = ("action_ask_rating",)  # bot messages not sent in reply to a request
NO_CONVERSATION_STATUS = "bot"  # what a conversation the log has not seen yet counts as


@dataclass(frozen=True)
class FeedMessage:
    """One logged message as the live feeds show it."""

    id: int
    sender: str  # customer | bot | agent
    text: str
    buttons: tuple[dict[str, Any], ...]
    agent: str | None  # the agent's name, for an agent's message
    intent: str | None
    confidence: float | None
    action: str | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        """The message on the wire (the widget's and the console's scripts read these keys)."""
        return {
            "id": self.id,
            "from": self.sender,
            "text": self.text,
            "buttons": list(self.buttons),
            "agent": self.agent,
            "intent": self.intent,
            "confidence": self.confidence,
            "action": self.action,
            "at": self.at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class CustomerReach:
    """What decides whether, and how, a platform delivers an agent's reply."""

    channel: str | None  # Rasa's input channel name; None for a conversation not yet logged
    last_customer_message_at: datetime | None


def _feed_message(message: Message, agent_name: str | None) -> FeedMessage:
    return FeedMessage(
        id=message.id,
        sender=message.sender,
        text=message.text or "",
        buttons=tuple(message.buttons or ()),
        agent=agent_name,
        intent=message.intent,
        confidence=message.confidence,
        action=message.action,
        at=message.created_at,
    )


class TranscriptService:
    """The log's live reads; each call is one short session (blocking: run it off the loop)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def messages_after(
        self, conversation_id: str, after: int, pushed_only: bool = False, limit: int = 200
    ) -> list[FeedMessage]:
        """Messages with id > `after`, oldest first. `pushed_only`: just what the widget
        cannot get from its own request (agent messages and bot prompts an agent triggered)."""
        query = (
            select(Message, Agent.name)
            .outerjoin(Agent, Agent.id == Message.agent_id)
            .where(Message.conversation_id == conversation_id, Message.id > after)
            .order_by(Message.id)
            .limit(limit)
        )
        if pushed_only:
            query = query.where(
                or_(Message.sender == "agent", Message.action.in_(PUSHED_BOT_ACTIONS))
            )
        with Session(self._engine) as session:
            return [_feed_message(m, name) for m, name in session.execute(query)]

    def last_message_id(self, conversation_id: str) -> int:
        """Where a feed that starts now starts (0 for an empty conversation)."""
        query = select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
        with Session(self._engine) as session:
            return session.execute(query).scalar() or 0

    def conversation_status(self, conversation_id: str) -> str:
        with Session(self._engine) as session:
            conversation = session.get(Conversation, conversation_id)
            return conversation.status if conversation else NO_CONVERSATION_STATUS

    def customer_reach(self, conversation_id: str) -> CustomerReach:
        """The conversation's channel and when the customer last wrote."""
        last_customer = select(func.max(Message.created_at)).where(
            Message.conversation_id == conversation_id, Message.sender == "customer"
        )
        with Session(self._engine) as session:
            conversation = session.get(Conversation, conversation_id)
            last = session.execute(last_customer).scalar()
        return CustomerReach(conversation.channel if conversation else None, last)

    def channels_of(self, conversation_ids: Sequence[str]) -> dict[str, str | None]:
        """Each conversation's channel, for the console's queue (one query for the page)."""
        if not conversation_ids:
            return {}
        query = select(Conversation.id, Conversation.channel).where(
            Conversation.id.in_(list(conversation_ids))
        )
        with Session(self._engine) as session:
            return dict(session.execute(query).all())
