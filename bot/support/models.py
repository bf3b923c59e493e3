"""Support records: agent accounts, tickets, the ticket timeline and CSAT ratings."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)

from bot.runtime.database import Base


class Agent(Base):
    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(60), nullable=False, unique=True)
    name = Column(String(120), nullable=False)
    password_hash = Column(String(200), nullable=False)
    role = Column(String(10), nullable=False, default="agent")  # agent | admin
    skills = Column(JSON, nullable=False, default=list)  # queues they work (bot.support.lifecycle)
    last_seen_at = Column(DateTime)  # console activity: "is anyone online?"


class Ticket(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), nullable=False, index=True)  # no FK: the log is async
    status = Column(String(20), nullable=False, default="queued")  # queued|assigned|resolved
    reason = Column(String(40), nullable=False)
    summary = Column(Text, nullable=False)
    category = Column(String(40), nullable=False)
    priority = Column(String(10), nullable=False)
    predicted_category = Column(String(40), nullable=False)
    predicted_priority = Column(String(10), nullable=False)
    topic = Column(Text)  # what the classifier read: training data when an agent corrects it
    queue = Column(String(40), nullable=False)
    agent_id = Column(ForeignKey("agents.id"))
    created_at = Column(DateTime, nullable=False, index=True)
    assigned_at = Column(DateTime)
    first_response_at = Column(DateTime)
    resolved_at = Column(DateTime)
    reopened = Column(Integer, nullable=False, default=0)


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(ForeignKey("tickets.id"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)  # see bot.support.lifecycle.EVENT_KINDS
    agent_id = Column(ForeignKey("agents.id"))
    detail = Column(JSON)
    created_at = Column(DateTime, nullable=False)


class CsatRating(Base):
    __tablename__ = "csat_ratings"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), nullable=False, index=True)  # no FK: the log is async
    ticket_id = Column(ForeignKey("tickets.id"))
    score = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False)
