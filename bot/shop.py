"""The shop's services wired to one database engine: what the actions and console use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.agents import AgentService
from bot.classifier import Classification, classify
from bot.db import create_schema, make_engine
from bot.orders import OrderService
from bot.returns import ReturnService
from bot.tickets import TicketService
from bot.unanswered import UnansweredLog


@dataclass(frozen=True)
class Shop:
    engine: Engine
    orders: OrderService
    returns: ReturnService
    unanswered: UnansweredLog
    agents: AgentService
    tickets: TicketService

    @classmethod
    def from_engine(
        cls,
        engine: Engine,
        clock: Callable[[], datetime] = datetime.utcnow,
        classifier: Callable[[str], Classification] = classify,
    ) -> Shop:
        orders = OrderService(engine)
        return cls(
            engine,
            orders,
            ReturnService(engine, orders, clock=clock),
            UnansweredLog(engine, clock=clock),
            AgentService(engine),
            TicketService(engine, classifier, clock=clock),
        )

    @classmethod
    def open(cls, database_url: str, **services) -> Shop:
        """Connect, bringing the schema up to date first."""
        engine = make_engine(database_url)
        create_schema(engine)
        return cls.from_engine(engine, **services)
