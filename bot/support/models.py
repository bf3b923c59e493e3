"""Support records: agent accounts, their console sessions, login throttling and audit trail,
tickets, the ticket timeline and CSAT ratings."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from bot.models_base import Base


class Agent(Base):
    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(60), nullable=False, unique=True)
    name = Column(String(120), nullable=False)
    password_hash = Column(String(200), nullable=False)
    role = Column(String(10), nullable=False, default="agent")  # agent | admin
    skills = Column(JSON, nullable=False, default=list)  # queues they work (bot.support.lifecycle)
    last_seen_at = Column(DateTime)  # console activity: "is anyone online?"


class ConsoleSession(Base):
    """A logged-in console browser. The cookie carries a random token; only its SHA-256 is
    stored, so a copy of the database opens no sessions. Logout and password changes set
    `revoked_at`; the row then refuses the cookie however long it would otherwise live."""

    __tablename__ = "console_sessions"

    id = Column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    agent_id = Column(ForeignKey("agents.id"), nullable=False, index=True)
    address = Column(String(64))  # client address at login
    created_at = Column(DateTime, nullable=False, index=True)
    last_seen_at = Column(DateTime, nullable=False)
    revoked_at = Column(DateTime)


class LoginThrottle(Base):
    """Failed console logins per key ("pair:10.0.0.7|alex", "addr:10.0.0.7", "user:alex") and
    the block they earned; in the database so every web process and a restart see the same
    count. A "known:10.0.0.7|alex" row records the address's last login to the account
    (`last_failure_at` holds when; see bot.support.logins)."""

    __tablename__ = "login_throttle"

    key = Column(String(200), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    last_failure_at = Column(DateTime, nullable=False, index=True)
    blocked_until = Column(DateTime)


class AuditEntry(Base):
    """Who did what to which ticket or conversation, when: the admins' audit trail.
    No foreign key to tickets: deleting a customer's data must not erase or block the
    record that it was deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_agent_created", "agent_id", "created_at"),)

    id = Column(Integer, primary_key=True)
    agent_id = Column(ForeignKey("agents.id"))  # None: an operator on the command line
    actor = Column(String(120), nullable=False)  # username, or "cli:<user>"
    action = Column(String(20), nullable=False, index=True)  # see bot.support.audit.ACTIONS
    ticket_id = Column(Integer, index=True)
    conversation_id = Column(String(100), index=True)
    detail = Column(JSON)
    created_at = Column(DateTime, nullable=False, index=True)


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
    kind = Column(String(20), nullable=False)  # a bot.support.lifecycle.TicketEventKind value
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
