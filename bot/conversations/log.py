"""The conversation log: every Rasa event stored once, in order, and projected into messages.

`ConversationLog.store` adds one event and its projection inside the caller's transaction,
skipping an event it already has (same conversation and content digest), so replaying events
never duplicates them. `bot.conversations.projection.LogProjector` feeds it from Rasa's
tracker store, the source of truth, moving its cursor in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.conversations.models import (
    FAQ_DECISION,
    Conversation,
    LoggedEvent,
    Message,
)
from bot.privacy.rasa_events import redact_event
from knowledge.decision import Decision

RETRIEVAL_SLOTS = {"faq_candidates", "faq_best_score"}
Event = dict[str, Any]


def digest(event: Event) -> str:
    """The event's identity within its conversation: what Rasa's broker published, i.e.
    `{"sender_id": ..., **event.as_dict()}`, and what the tracker store's row rebuilds."""
    return hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()


def _when(event: Event) -> datetime:
    return datetime.utcfromtimestamp(float(event.get("timestamp") or time.time()))


class ConversationLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, event: Event) -> bool:
        """Store one event and its projection in a transaction of its own; False if it was
        already stored."""
        with Session(self.engine) as session, session.begin():
            return self.store(session, event)

    def store(self, session: Session, event: Event) -> bool:
        """Store one event, personal data redacted, and its projection in `session`'s
        transaction; False if it was already stored. Raises what the database raises (the
        caller decides what to retry)."""
        event = redact_event(event)
        sender = str(event["sender_id"])
        key = digest(event)
        when = _when(event)
        conversation = session.get(Conversation, sender, with_for_update=True)
        if conversation is None:
            conversation = Conversation(id=sender, started_at=when, last_activity_at=when)
            session.add(conversation)
            session.flush()
        seen = select(LoggedEvent.id).where(
            LoggedEvent.conversation_id == sender, LoggedEvent.digest == key
        )
        if session.execute(seen).first():
            return False
        last_seq = session.execute(
            select(func.max(LoggedEvent.seq)).where(LoggedEvent.conversation_id == sender)
        ).scalar()
        row = LoggedEvent(
            conversation_id=sender,
            seq=(last_seq or 0) + 1,
            type=str(event.get("event")),
            timestamp=float(event.get("timestamp") or 0),
            digest=key,
            payload=event,
        )
        session.add(row)
        session.flush()
        conversation.last_activity_at = max(conversation.last_activity_at, when)
        self._project(session, conversation, row, event, when)
        session.flush()  # a constraint the projection breaks fails here, not at commit
        return True

    def _project(
        self,
        session: Session,
        conversation: Conversation,
        row: LoggedEvent,
        event: Event,
        when: datetime,
    ) -> None:
        kind = event.get("event")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            conversation.channel = conversation.channel or event.get("input_channel")
            session.add(
                Message(
                    conversation_id=conversation.id,
                    event_id=row.id,
                    sender="customer",
                    text=event.get("text"),
                    intent=intent.get("name"),
                    confidence=intent.get("confidence"),
                    negativity=intent.get("negativity"),
                    entities=parse.get("entities") or [],
                    created_at=when,
                )
            )
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            agent_id = metadata.get("agent_id")
            session.add(
                Message(
                    conversation_id=conversation.id,
                    event_id=row.id,
                    sender="agent" if agent_id else "bot",
                    agent_id=agent_id,
                    text=event.get("text"),
                    buttons=(event.get("data") or {}).get("buttons"),
                    action=None if agent_id else self._last_action(session, conversation.id),
                    faq_decision=None if agent_id else Decision.read(metadata.get(FAQ_DECISION)),
                    latency_ms=self._latency_ms(session, conversation.id, when),
                    created_at=when,
                )
            )
        elif kind == "slot" and event.get("name") in RETRIEVAL_SLOTS:
            self._attach_retrieval(session, conversation.id, event["name"], event.get("value"))
        elif kind == "slot" and event.get("name") == "verified_customer" and event.get("value"):
            conversation.customer_email = event["value"]
        elif kind == "pause":
            conversation.status = "handoff"
        elif kind == "resume" and conversation.status == "handoff":
            conversation.status = "bot"

    @staticmethod
    def _last_action(session: Session, conversation_id: str) -> str | None:
        query = (
            select(LoggedEvent.payload)
            .where(LoggedEvent.conversation_id == conversation_id, LoggedEvent.type == "action")
            .order_by(LoggedEvent.seq.desc())
            .limit(1)
        )
        payload = session.execute(query).scalar()
        return payload.get("name") if payload else None

    @staticmethod
    def _latency_ms(session: Session, conversation_id: str, when: datetime) -> float | None:
        query = (
            select(Message.created_at)
            .where(Message.conversation_id == conversation_id, Message.sender == "customer")
            .order_by(Message.id.desc())
            .limit(1)
        )
        asked = session.execute(query).scalar()
        return (when - asked).total_seconds() * 1000 if asked else None

    @staticmethod
    def _attach_retrieval(session: Session, conversation_id: str, name: str, value: Any) -> None:
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.sender == "bot")
            .order_by(Message.id.desc())
            .limit(1)
        )
        message = session.execute(query).scalar()
        if message is not None:
            message.retrieval = {**(message.retrieval or {}), name: value}
