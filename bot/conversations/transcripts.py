"""Reading the conversation log for the live feeds: the widget's and the ticket view's messages,
the conversation's status, channel and reach (the review screen reads it in `review`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.conversations.models import Conversation, Message
from bot.support.models import Agent

PUSHED_BOT_ACTIONS = ("action_ask_rating",)  # bot messages not sent in reply to a request


def _row(message: Message, agent_name: str | None) -> dict[str, Any]:
    return {
        "id": message.id,
        "from": message.sender,
        "text": message.text or "",
        "buttons": message.buttons or [],
        "agent": agent_name,
        "intent": message.intent,
        "confidence": message.confidence,
        "action": message.action,
        "at": message.created_at.isoformat(timespec="seconds"),
    }


def messages_after(
    engine: Engine, conversation_id: str, after: int, pushed_only: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Messages with id > `after`, oldest first. `pushed_only`: just what the widget cannot
    get from its own request (agent messages and bot prompts an agent triggered)."""
    query = (
        select(Message, Agent.name)
        .outerjoin(Agent, Agent.id == Message.agent_id)
        .where(Message.conversation_id == conversation_id, Message.id > after)
        .order_by(Message.id)
        .limit(limit)
    )
    if pushed_only:
        query = query.where(or_(Message.sender == "agent", Message.action.in_(PUSHED_BOT_ACTIONS)))
    with Session(engine) as session:
        return [_row(m, name) for m, name in session.execute(query)]


def last_message_id(engine: Engine, conversation_id: str) -> int:
    query = select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
    with Session(engine) as session:
        return session.execute(query).scalar() or 0


def conversation_status(engine: Engine, conversation_id: str) -> str:
    with Session(engine) as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.status if conversation else "bot"


def customer_reach(engine: Engine, conversation_id: str) -> tuple[str | None, datetime | None]:
    """The conversation's channel (Rasa's input channel name) and when the customer last
    wrote: what decides whether, and how, a platform delivers an agent's reply."""
    with Session(engine) as session:
        conversation = session.get(Conversation, conversation_id)
        last = session.execute(
            select(func.max(Message.created_at)).where(
                Message.conversation_id == conversation_id, Message.sender == "customer"
            )
        ).scalar()
    return (conversation.channel if conversation else None), last


def channels_of(engine: Engine, conversation_ids: Sequence[str]) -> dict[str, str | None]:
    """Each conversation's channel, for the console's queue."""
    if not conversation_ids:
        return {}
    query = select(Conversation.id, Conversation.channel).where(
        Conversation.id.in_(list(conversation_ids))
    )
    with Session(engine) as session:
        return dict(session.execute(query).all())
