"""The conversation log: conversations, every Rasa event, the messages projected from them,
the projection's cursor and dead letters, and the questions the knowledge base could not
answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from bot.models_base import Base
from knowledge.decision import Decision

FAQ_DECISION = "faq_decision"  # the key in a bot message's metadata
FAQ_SOURCE = "faq_source"  # ... which indexed doc answered ("faq:<id>", "policy:<page>#<section>")
KNOWLEDGE_VERSION = "knowledge_version"  # ... which build of the index


class _DecisionType(TypeDecorator):
    """An FAQ `Decision` stored as its value (VARCHAR, so no database enum to migrate)."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else Decision(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Decision | None:
        return None if value is None else Decision(value)


class Conversation(Base):
    """One chat; `id` is Rasa's sender id. Status: bot -> handoff -> bot ... -> closed."""

    __tablename__ = "conversations"

    id = Column(String(100), primary_key=True)
    channel = Column(String(40))
    status = Column(String(20), nullable=False, default="bot")
    customer_email = Column(String(254))
    started_at = Column(DateTime, nullable=False)
    last_activity_at = Column(DateTime, nullable=False, index=True)
    closed_at = Column(DateTime)


class LoggedEvent(Base):
    """Every Rasa event, exactly once (unique digest) and in order (seq) per conversation."""

    __tablename__ = "logged_events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "digest"),
        UniqueConstraint("conversation_id", "seq"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(ForeignKey("conversations.id"), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    type = Column(String(40), nullable=False)
    timestamp = Column(Float, nullable=False)
    digest = Column(String(64), nullable=False)
    payload = Column(JSON, nullable=False)


class Message(Base):
    """A customer, bot or agent message, with what the NLU and actions made of it."""

    __tablename__ = "messages"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(ForeignKey("conversations.id"), nullable=False, index=True)
    event_id = Column(ForeignKey("logged_events.id"), nullable=False, unique=True)
    sender = Column(String(10), nullable=False)  # customer | bot | agent
    text = Column(Text)
    buttons = Column(JSON)
    intent = Column(String(80), index=True)
    confidence = Column(Float)
    negativity = Column(Float)  # set when the negativity rule took the message to a person
    entities = Column(JSON)
    action = Column(String(80))
    retrieval = Column(JSON)
    faq_decision = Column(_DecisionType())  # an FAQ action's message: what it decided
    latency_ms = Column(Float)
    agent_id = Column(ForeignKey("agents.id"))
    created_at = Column(DateTime, nullable=False, index=True)


class ConversationTag(Base):
    """A reviewer's label on a conversation ("bug", "needs FAQ", ...), filterable."""

    __tablename__ = "conversation_tags"
    __table_args__ = (UniqueConstraint("conversation_id", "tag"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), nullable=False, index=True)  # no FK: the log is async
    tag = Column(String(40), nullable=False, index=True)
    added_by = Column(String(120), nullable=False)
    created_at = Column(DateTime, nullable=False)


class UnansweredQuestion(Base):
    """A question the knowledge base could not answer well, kept for review."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), index=True)
    text = Column(Text, nullable=False)
    best_score = Column(Float)
    best_doc = Column(String(200))
    outcome = Column(String(20), nullable=False)  # escalated | not_helpful
    index_version = Column(String(32))
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)


class LogCursor(Base):
    """How far the log has projected Rasa's tracker store: the id of the last `events` row
    handled (logged or dead-lettered). Moved in the same transaction as that row's write."""

    __tablename__ = "log_cursors"

    name = Column(String(40), primary_key=True)
    position = Column(Integer, nullable=False)
    updated_at = Column(DateTime)


class DeadLetter(Base):
    """An event the log could not store (it broke a constraint, or could not be read), kept
    (redacted) with its error so it never blocks the events after it: a tracker-store row, or
    a message from RabbitMQ (no `source_id`; no conversation if it named none)."""

    __tablename__ = "dead_letters"

    id = Column(Integer, primary_key=True)
    source_id = Column(Integer, unique=True)  # Rasa's `events.id`; None from RabbitMQ
    conversation_id = Column(String(255), index=True)
    event_type = Column(String(255))
    payload = Column(Text, nullable=False)  # Rasa's `events.data` or the message body
    error = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
