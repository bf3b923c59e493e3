"""The product's services wired to one database engine: what the actions, the web app and
the CLI use. Tests build it over a scratch database with their own clock and classifier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.conversations.analytics import AnalyticsService
from bot.conversations.changes import ChangeFeed
from bot.conversations.log_monitor import LogMonitor
from bot.conversations.review import ReviewService
from bot.conversations.transcripts import TranscriptService
from bot.conversations.unanswered import UnansweredLog
from bot.pack import ShopFormat, ShopPack, load_pack
from bot.pack.locate import pack_dir
from bot.privacy.customer_data import CustomerData
from bot.privacy.requests import DeletionRequests
from bot.runtime.database import make_engine
from bot.runtime.revisions import require_head
from bot.shop.orders import OrderService
from bot.shop.returns import ReturnService
from bot.support.agents import AgentService
from bot.support.audit import AuditTrail
from bot.support.classifier import Classification, SavedClassifier
from bot.support.desk import TicketDesk
from bot.support.escalation import EscalationService
from bot.support.logins import Logins, Throttle, ThrottlePolicy
from bot.support.presence import Presence
from bot.support.ratings import RatingService
from bot.support.sessions import ConsoleSessions
from bot.support.tickets import DEFAULT_REOPEN_WINDOW, TicketService
from bot.workbench.teaching import TeachingService
from knowledge.catalogue import load_products


@dataclass(frozen=True)
class Services:
    engine: Engine
    orders: OrderService
    returns: ReturnService
    unanswered: UnansweredLog
    agents: AgentService
    presence: Presence
    escalation: EscalationService
    tickets: TicketService
    desk: TicketDesk  # the agent's ticket actions with what the customer is told
    ratings: RatingService
    sessions: ConsoleSessions
    audit: AuditTrail
    logins: Logins
    deletion_requests: DeletionRequests
    review: ReviewService
    transcripts: TranscriptService
    customer_data: CustomerData
    analytics: AnalyticsService
    teaching: TeachingService
    changes: ChangeFeed
    log_monitor: LogMonitor

    @classmethod
    def from_engine(
        cls,
        engine: Engine,
        clock: Callable[[], datetime] = datetime.utcnow,
        classifier: Callable[[str], Classification] | None = None,
        reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
        login_policy: ThrottlePolicy | None = None,
        pack: ShopPack | None = None,
    ) -> Services:
        """`pack` is the shop served (default: the one `CSBOT_SHOP` names): its return policy,
        catalogue categories, how it writes money, dates and order numbers, and its ticket
        categories and queues. `classifier` labels escalated tickets in those categories
        (default: the pack's saved classifier, loaded on the first ticket)."""
        pack = pack or load_pack(pack_dir())
        classifier = classifier or SavedClassifier(pack)
        category_of = {p.sku: p.category for p in load_products(pack.catalogue)}
        orders = OrderService(engine)
        presence = Presence(engine, clock=clock)
        agents = AgentService(engine, clock=clock)
        sessions = ConsoleSessions(engine, clock=clock)
        audit = AuditTrail(engine, clock=clock)
        throttle = Throttle(engine, login_policy, clock=clock)
        tickets = TicketService(
            engine, presence, pack.tickets, clock=clock, reopen_window=reopen_window
        )
        transcripts = TranscriptService(engine)
        return cls(
            engine=engine,
            orders=orders,
            returns=ReturnService(
                engine, orders, pack.returns, category_of, ShopFormat.of(pack), clock=clock
            ),
            unanswered=UnansweredLog(engine, clock=clock),
            agents=agents,
            presence=presence,
            escalation=EscalationService(engine, classifier, presence, pack.tickets, clock=clock),
            tickets=tickets,
            desk=TicketDesk(tickets, transcripts, audit, clock=clock, shop=pack.short_name),
            ratings=RatingService(engine, clock=clock),
            sessions=sessions,
            audit=audit,
            logins=Logins(agents, throttle, sessions, audit),
            deletion_requests=DeletionRequests(engine, clock=clock),
            review=ReviewService(engine, clock=clock),
            transcripts=transcripts,
            customer_data=CustomerData(engine, clock=clock),
            analytics=AnalyticsService(engine),
            teaching=TeachingService(engine, audit, clock=clock),
            changes=ChangeFeed(engine),
            log_monitor=LogMonitor(engine),
        )

    @classmethod
    def open(cls, database_url: str, **options) -> Services:
        """Connect to a database whose schema is at this code's head revision; the caller
        disposes `engine`. Migrating is `csbot migrate`'s explicit step, never a side effect
        of a process starting: on any other revision this raises `SchemaNotCurrent`, having
        created nothing (not even a SQLite file)."""
        require_head(database_url)
        engine = make_engine(database_url)
        try:
            return cls.from_engine(engine, **options)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Close the database connections (the engine's pool). What opened the services closes
        them, so callers above the services never touch the engine."""
        self.engine.dispose()
