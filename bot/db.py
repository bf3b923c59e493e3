"""Database schema and engine for the shop's orders, returns and handoff requests.

SQLAlchemy 1.4 in the 2.0 style (`future=True`, `select()`), so an upgrade to 2.0 is painless.
SQLite by default, PostgreSQL by setting CSBOT_DATABASE_URL.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

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
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    email = Column(String(254), nullable=False, unique=True, index=True)
    created_at = Column(DateTime, nullable=False)

    orders = relationship("Order", back_populates="customer")


class Order(Base):
    """An order; its id is the six-digit order number customers quote."""

    __tablename__ = "orders"

    id = Column(Integer, primary_key=True, autoincrement=False)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    status = Column(String(20), nullable=False)  # see bot.orders.OrderStatus
    placed_at = Column(DateTime, nullable=False)
    shipped_at = Column(DateTime)
    delivered_at = Column(DateTime)
    estimated_delivery = Column(DateTime)
    carrier = Column(String(40))
    tracking_number = Column(String(40))
    shipping_address = Column(Text, nullable=False)

    customer = relationship("Customer", back_populates="orders")
    items = relationship("OrderItem", back_populates="order", order_by="OrderItem.id")


class OrderItem(Base):
    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    sku = Column(String(20), nullable=False)
    name = Column(String(200), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_cents = Column(Integer, nullable=False)  # integer cents: exact on SQLite too

    order = relationship("Order", back_populates="items")


class ReturnRequest(Base):
    __tablename__ = "return_requests"

    id = Column(Integer, primary_key=True)
    rma = Column(String(20), nullable=False, unique=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    order_item_id = Column(ForeignKey("order_items.id"), nullable=False, unique=True)
    reason = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="authorised")
    conversation_id = Column(String(100))
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)


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


# --- conversation log, tickets, agents -------------------------------------------------


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
    intent = Column(String(80))
    confidence = Column(Float)
    entities = Column(JSON)
    action = Column(String(80))
    retrieval = Column(JSON)
    latency_ms = Column(Float)
    agent_id = Column(ForeignKey("agents.id"))
    created_at = Column(DateTime, nullable=False, index=True)


class Agent(Base):
    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(60), nullable=False, unique=True)
    name = Column(String(120), nullable=False)
    password_hash = Column(String(200), nullable=False)
    role = Column(String(10), nullable=False, default="agent")  # agent | admin
    skills = Column(JSON, nullable=False, default=list)  # queues they work (see bot.tickets)
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
    kind = Column(
        String(20), nullable=False
    )  # created|assigned|replied|corrected|resolved|reopened
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


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine (and the SQLite file's folder); callers own and dispose it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def create_schema(engine: Engine) -> None:
    """Bring the schema up to date with the Alembic migrations (a no-op when current)."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
