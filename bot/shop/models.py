"""The shop's records: customers, their orders and order lines, and return authorisations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship

from bot.models_base import Base


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
    status = Column(String(20), nullable=False)  # see bot.shop.orders.OrderStatus
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
