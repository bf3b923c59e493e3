"""Escalation to tickets: create, auto-classify, route to a queue, and work them as an agent.

Ticket lifecycle: queued -> assigned -> resolved (-> reopened = queued again). Each step is a
TicketEvent, which is what agent metrics are computed from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.agents import AgentView
from bot.classifier import CATEGORIES, PRIORITIES, Classification, LabelledTicket
from bot.db import Agent, CsatRating, Ticket, TicketEvent

QUEUES = {
    "orders": ("delivery", "order_changes"),
    "returns": ("returns_refunds", "damaged_defective"),
    "billing": ("billing",),
    "accounts": ("account",),
    "products": ("product_question", "installation", "warranty_repair"),
    "care": ("complaint",),
}
QUEUE_OF = {category: queue for queue, categories in QUEUES.items() for category in categories}
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
OPEN = ("queued", "assigned")
ONLINE_WINDOW = timedelta(minutes=2)
SEEN_EVERY = timedelta(seconds=30)  # console polls every second; record presence less often


class TicketError(ValueError):
    """A ticket action that is not allowed; the message says why."""


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    queue: str
    category: str
    priority: str
    position: int  # 1 = next in line
    agents_online: int
    is_new: bool


def summarise(lines: Sequence[tuple[str, str]], limit: int = 12) -> str:
    """'Customer: ...' / 'Bot: ...' lines of the latest turns, for the agent's first look."""
    return "\n".join(f"{who.capitalize()}: {text}" for who, text in lines[-limit:] if text)


class TicketService:
    def __init__(
        self,
        engine: Engine,
        classify: Callable[[str], Classification],
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._engine = engine
        self._classify = classify
        self._clock = clock
        self._seen: dict[int, datetime] = {}

    # --- escalation -----------------------------------------------------------------------
    def open(
        self,
        conversation_id: str,
        reason: str,
        transcript: Sequence[tuple[str, str]],
        topic: str | None = None,
    ) -> Opened:
        """Open a ticket for the conversation, or return the one already open.

        `topic` is the text to classify (what the customer needs help with); by default all
        the customer's messages.
        """
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            ticket = session.execute(
                select(Ticket).where(
                    Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN)
                )
            ).scalar_one_or_none()
            is_new = ticket is None
            if is_new:
                customer_words = " ".join(t for who, t in transcript if who == "customer")
                label = self._classify(topic or customer_words or reason)
                ticket = Ticket(
                    conversation_id=conversation_id, status="queued", reason=reason,
                    summary=summarise(transcript) or "(no messages yet)",
                    category=label.category, priority=label.priority,
                    predicted_category=label.category, predicted_priority=label.priority,
                    queue=QUEUE_OF[label.category], created_at=now,
                )  # fmt: skip
                session.add(ticket)
                session.flush()
                self._event(session, ticket, "created", None, {"reason": reason})
            return Opened(
                ticket.id, ticket.queue, ticket.category, ticket.priority,
                self._position(session, ticket), self._agents_online(session, now), is_new,
            )  # fmt: skip

    def _position(self, session: Session, ticket: Ticket) -> int:
        waiting = session.execute(
            select(Ticket).where(Ticket.queue == ticket.queue, Ticket.status == "queued")
        ).scalars()
        ahead = [
            t for t in waiting
            if (PRIORITY_RANK[t.priority], t.created_at, t.id)
            < (PRIORITY_RANK[ticket.priority], ticket.created_at, ticket.id)
        ]  # fmt: skip
        return len(ahead) + 1

    def _agents_online(self, session: Session, now: datetime) -> int:
        return session.execute(
            select(func.count(Agent.id)).where(Agent.last_seen_at >= now - ONLINE_WINDOW)
        ).scalar_one()

    def _event(
        self, session: Session, ticket: Ticket, kind: str, agent_id: int | None, detail=None
    ) -> None:
        session.add(TicketEvent(
            ticket_id=ticket.id, kind=kind, agent_id=agent_id, detail=detail,
            created_at=self._clock(),
        ))  # fmt: skip

    # --- the agent console ------------------------------------------------------------------
    def seen(self, agent: AgentView) -> None:
        """Record that the agent is at the console (what 'an agent is online' means)."""
        now = self._clock()
        if now - self._seen.get(agent.id, datetime.min) < SEEN_EVERY:
            return
        with Session(self._engine) as session, session.begin():
            session.get(Agent, agent.id).last_seen_at = now
        self._seen[agent.id] = now

    def queue(self, agent: AgentView) -> list[Ticket]:
        """Open tickets this agent may work, most urgent first, then longest waiting."""
        query = select(Ticket).where(Ticket.status.in_(OPEN))
        if not agent.is_admin:
            query = query.where(Ticket.queue.in_(agent.skills))
        with Session(self._engine, expire_on_commit=False) as session:
            tickets = list(session.execute(query).scalars())
        return sorted(tickets, key=lambda t: (PRIORITY_RANK[t.priority], t.created_at))

    def get(self, ticket_id: int, agent: AgentView) -> Ticket:
        with Session(self._engine, expire_on_commit=False) as session:
            ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketError(f"there is no ticket #{ticket_id}")
        if not agent.is_admin and ticket.queue not in agent.skills:
            raise TicketError(f"ticket #{ticket_id} is in the {ticket.queue} queue, not yours")
        return ticket

    def _change(self, ticket_id: int, agent: AgentView, change: Callable[[Session, Ticket], None]):
        self.get(ticket_id, agent)  # access check
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            ticket = session.get(Ticket, ticket_id, with_for_update=True)
            change(session, ticket)
            return ticket

    def assign(self, ticket_id: int, agent: AgentView) -> tuple[Ticket, bool]:
        """Take the ticket; True when this agent newly joined (tell the customer)."""
        joined = {"new": False}

        def take(session: Session, ticket: Ticket) -> None:
            if ticket.status == "resolved":
                raise TicketError(f"ticket #{ticket.id} is already resolved")
            if ticket.agent_id == agent.id:
                return
            ticket.agent_id, ticket.status = agent.id, "assigned"
            ticket.assigned_at = ticket.assigned_at or self._clock()
            joined["new"] = True
            self._event(session, ticket, "assigned", agent.id, None)

        return self._change(ticket_id, agent, take), joined["new"]

    def replied(self, ticket_id: int, agent: AgentView) -> Ticket:
        def reply(session: Session, ticket: Ticket) -> None:
            if ticket.agent_id != agent.id:
                raise TicketError("take the ticket before replying")
            ticket.first_response_at = ticket.first_response_at or self._clock()
            self._event(session, ticket, "replied", agent.id, None)

        return self._change(ticket_id, agent, reply)

    def correct(self, ticket_id: int, agent: AgentView, category: str, priority: str) -> Ticket:
        if category not in CATEGORIES or priority not in PRIORITIES:
            raise TicketError("unknown category or priority")

        def fix(session: Session, ticket: Ticket) -> None:
            before = {"category": ticket.category, "priority": ticket.priority}
            ticket.category, ticket.priority = category, priority
            ticket.queue = QUEUE_OF[category]
            after = {"category": category, "priority": priority}
            self._event(session, ticket, "corrected", agent.id, {"before": before, "after": after})

        return self._change(ticket_id, agent, fix)

    def resolve(self, ticket_id: int, agent: AgentView) -> Ticket:
        def close(session: Session, ticket: Ticket) -> None:
            if ticket.status == "resolved":
                raise TicketError(f"ticket #{ticket.id} is already resolved")
            ticket.status, ticket.resolved_at = "resolved", self._clock()
            ticket.agent_id = ticket.agent_id or agent.id
            self._event(session, ticket, "resolved", agent.id, None)

        return self._change(ticket_id, agent, close)

    def reopen_if_resolved(self, conversation_id: str) -> bool:
        """A customer coming back on a resolved ticket's conversation soon after reopens it."""
        with Session(self._engine) as session, session.begin():
            ticket = session.execute(
                select(Ticket).where(Ticket.conversation_id == conversation_id)
                .order_by(Ticket.id.desc()).limit(1)
            ).scalar_one_or_none()  # fmt: skip
            if ticket is None or ticket.status != "resolved":
                return False
            ticket.status, ticket.reopened = "queued", ticket.reopened + 1
            self._event(session, ticket, "reopened", None, None)
            return True

    def latest(self, conversation_id: str) -> Ticket | None:
        with Session(self._engine, expire_on_commit=False) as session:
            return session.execute(
                select(Ticket).where(Ticket.conversation_id == conversation_id)
                .order_by(Ticket.id.desc()).limit(1)
            ).scalar_one_or_none()  # fmt: skip

    def rate(self, conversation_id: str, score: int) -> None:
        if not 1 <= score <= 5:
            raise TicketError("a rating is 1 to 5")
        ticket = self.latest(conversation_id)
        with Session(self._engine) as session, session.begin():
            session.add(CsatRating(
                conversation_id=conversation_id, ticket_id=ticket.id if ticket else None,
                score=score, created_at=self._clock(),
            ))  # fmt: skip

    def corrections(self) -> list[LabelledTicket]:
        """Tickets whose labels agents corrected: extra training data for the classifier."""
        query = select(Ticket).where(
            (Ticket.category != Ticket.predicted_category)
            | (Ticket.priority != Ticket.predicted_priority)
        )
        with Session(self._engine) as session:
            rows = session.execute(query).scalars()
            return [
                LabelledTicket(_customer_text(t.summary), t.category, t.priority)
                for t in rows if _customer_text(t.summary)
            ]  # fmt: skip


def _customer_text(summary: str) -> str:
    return " ".join(
        line.split(": ", 1)[1] for line in summary.splitlines() if line.startswith("Customer: ")
    )
