"""Database schema and engine for the shop's orders, returns and handoff requests.

SQLAlchemy 1.4 in the 2.0 style (`future=True`, `select()`), so an upgrade to 2.0 is painless.
SQLite by default, PostgreSQL by setting CSBOT_DATABASE_URL.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
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


class HandoffRequest(Base):
    """A customer asked for a person; staff pick these up (live handoff comes later)."""

    __tablename__ = "handoff_requests"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), nullable=False, index=True)
    reason = Column(String(40), nullable=False)
    last_message = Column(Text)
    status = Column(String(20), nullable=False, default="open")
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


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
