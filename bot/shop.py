"""The shop's services wired to one database engine: what the actions talk to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.db import create_schema, make_engine
from bot.handoff import HandoffService
from bot.orders import OrderService
from bot.returns import ReturnService
from bot.unanswered import UnansweredLog


@dataclass(frozen=True)
class Shop:
    engine: Engine
    orders: OrderService
    returns: ReturnService
    handoffs: HandoffService
    unanswered: UnansweredLog

    @classmethod
    def from_engine(cls, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> Shop:
        orders = OrderService(engine)
        return cls(
            engine,
            orders,
            ReturnService(engine, orders, clock=clock),
            HandoffService(engine, clock=clock),
            UnansweredLog(engine, clock=clock),
        )

    @classmethod
    def open(cls, database_url: str) -> Shop:
        """Connect, creating the schema when the database is new."""
        engine = make_engine(database_url)
        create_schema(engine)
        return cls.from_engine(engine)
