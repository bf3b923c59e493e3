"""The agent's side of a ticket: queue, take, reply, correct, resolve, reassign, reopen.

Every change is a conditional update (or a row lock) checked against the ticket's current
owner and status, so two agents can never both hold a ticket and nobody silently works
another agent's ticket; admins may reassign, and that is recorded like every other step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.outages import reports_outages
from bot.pack.model import PRIORITIES, TicketSettings
from bot.support.agents import AgentView
from bot.support.lifecycle import (
    OPEN,
    PRIORITY_RANK,
    TicketError,
    TicketEventKind,
    latest_ticket,
    record_event,
)
from bot.support.models import Agent, Ticket
from bot.support.presence import Presence

DEFAULT_REOPEN_WINDOW = timedelta(hours=72)
# "thanks!", "ok bye": a courtesy after the agent left is not a new request. Matched word by
# word over a set of phrases, not by a regular expression: a nested quantifier there took
# seconds per message and held the GIL (one "ok . . . . . . so" froze the web app).
_COURTESY_PHRASES = frozenset(
    {
        "thanks", "thank", "thank you", "thx", "ty", "cheers", "ok", "okay", "great",
        "perfect", "cool", "bye", "goodbye", "you too", "much appreciated",
        "have a good day", "have a nice day", "have a good one", "have a nice one",
    }
)  # fmt: skip
_LONGEST_PHRASE = max(len(phrase.split()) for phrase in _COURTESY_PHRASES)
_COURTESY_PUNCTUATION = str.maketrans({mark: " " for mark in "!.,:)"})
_COURTESY_MAX_CHARS = 200  # a courtesy is short; anything longer asks for something


def is_courtesy(text: str) -> bool:
    """Is `text` only thanks, goodbyes and punctuation? Linear in the text's length."""
    if len(text) > _COURTESY_MAX_CHARS:
        return False
    spaced = text.lower().translate(_COURTESY_PUNCTUATION)
    if not all(char.isalpha() or char.isspace() for char in spaced):
        return False
    words = spaced.split()
    reachable = [True] + [False] * len(words)  # reachable[i]: words[:i] are all courtesies
    for start in range(len(words)):
        if reachable[start]:
            for end in range(start + 1, min(start + _LONGEST_PHRASE, len(words)) + 1):
                if " ".join(words[start:end]) in _COURTESY_PHRASES:
                    reachable[end] = True
    return reachable[-1]


def asks_for_more(text: str) -> bool:
    """Would a message after resolution need a person again? Not a button payload, not a
    courtesy."""
    text = text.strip()
    return bool(text) and not text.startswith("/") and not is_courtesy(text)


@dataclass(frozen=True)
class Reopened:
    ticket_id: int
    agent_name: str | None  # the agent who had it, back on it because they are online
    agents_online: int


class TicketService:
    def __init__(
        self,
        engine: Engine,
        presence: Presence,
        ticket_settings: TicketSettings,
        clock: Callable[[], datetime] = datetime.utcnow,
        reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
    ) -> None:
        """`ticket_settings`: the shop's categories and their queues (its pack's), which an
        agent's correction must use and the console offers."""
        self._engine = engine
        self._presence = presence
        self.ticket_settings = ticket_settings
        self._clock = clock
        self.reopen_window = reopen_window

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

    def latest(self, conversation_id: str) -> Ticket | None:
        with Session(self._engine, expire_on_commit=False) as session:
            return session.execute(latest_ticket(conversation_id)).scalar_one_or_none()

    def _owner_name(self, session: Session, ticket_id: int) -> str:
        agent_id = session.get(Ticket, ticket_id).agent_id
        agent = session.get(Agent, agent_id) if agent_id else None
        return agent.name if agent else "nobody"

    def take(self, ticket_id: int, agent: AgentView) -> tuple[Ticket, bool]:
        """Take a queued ticket; True when this agent newly joined (tell the customer).
        Of two agents taking at once exactly one wins; the other gets a TicketError."""
        current = self.get(ticket_id, agent)
        if current.status == "assigned" and current.agent_id == agent.id:
            return current, False
        now = self._clock()
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            taken = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status == "queued")
                .values(agent_id=agent.id, status="assigned", assigned_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                ticket = session.get(Ticket, ticket_id)
                if ticket.status == "resolved":
                    raise TicketError(f"ticket #{ticket_id} is already resolved")
                raise TicketError(
                    f"{self._owner_name(session, ticket_id)} already took ticket #{ticket_id}"
                )
            record_event(session, ticket_id, TicketEventKind.ASSIGNED, agent.id, now)
            return session.get(Ticket, ticket_id), True

    def reassign(self, ticket_id: int, admin: AgentView, to_agent_id: int) -> Ticket:
        """An admin hands an open ticket to another agent (or to themselves)."""
        if not admin.is_admin:
            raise TicketError("only an admin can reassign a ticket")
        now = self._clock()
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            ticket = session.get(Ticket, ticket_id, with_for_update=True)
            if ticket is None or ticket.status not in OPEN:
                raise TicketError(f"ticket #{ticket_id} is not open")
            if session.get(Agent, to_agent_id) is None:
                raise TicketError("there is no such agent")
            before = ticket.agent_id
            ticket.agent_id, ticket.status = to_agent_id, "assigned"
            ticket.assigned_at = now
            detail = {"from": before, "to": to_agent_id}
            record_event(session, ticket_id, TicketEventKind.REASSIGNED, admin.id, now, detail)
            return ticket

    def _owned_change(
        self, ticket_id: int, agent: AgentView, change: Callable[[Session, Ticket], None]
    ) -> Ticket:
        """Apply `change` to the ticket under a row lock if this agent holds it."""
        self.get(ticket_id, agent)  # queue access
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            ticket = session.get(Ticket, ticket_id, with_for_update=True)
            self._check_owner(session, ticket, agent)
            change(session, ticket)
            return ticket

    def _check_owner(self, session: Session, ticket: Ticket, agent: AgentView) -> None:
        if ticket.status == "resolved":
            raise TicketError(f"ticket #{ticket.id} is already resolved")
        if ticket.status != "assigned":
            raise TicketError(f"take ticket #{ticket.id} first")
        if ticket.agent_id != agent.id:
            owner = self._owner_name(session, ticket.id)
            raise TicketError(f"ticket #{ticket.id} is {owner}'s; ask an admin to reassign it")

    def check_owner(self, ticket_id: int, agent: AgentView) -> None:
        """Raise TicketError unless this agent holds the open ticket (before telling the
        customer anything)."""
        self.get(ticket_id, agent)
        with Session(self._engine) as session:
            self._check_owner(session, session.get(Ticket, ticket_id), agent)

    def replied(self, ticket_id: int, agent: AgentView) -> Ticket:
        def reply(session: Session, ticket: Ticket) -> None:
            now = self._clock()
            ticket.first_response_at = ticket.first_response_at or now
            record_event(session, ticket.id, TicketEventKind.REPLIED, agent.id, now)

        return self._owned_change(ticket_id, agent, reply)

    def resolve(self, ticket_id: int, agent: AgentView) -> Ticket:
        def close(session: Session, ticket: Ticket) -> None:
            now = self._clock()
            ticket.status, ticket.resolved_at = "resolved", now
            record_event(session, ticket.id, TicketEventKind.RESOLVED, agent.id, now)

        return self._owned_change(ticket_id, agent, close)

    def correct(self, ticket_id: int, agent: AgentView, category: str, priority: str) -> Ticket:
        """Fix the classifier's labels (any agent who can see the ticket); moves its queue."""
        if category not in self.ticket_settings.names or priority not in PRIORITIES:
            raise TicketError("unknown category or priority")
        self.get(ticket_id, agent)
        now = self._clock()
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            ticket = session.get(Ticket, ticket_id, with_for_update=True)
            before = {"category": ticket.category, "priority": ticket.priority}
            ticket.category, ticket.priority = category, priority
            ticket.queue = self.ticket_settings.queue_of(category)
            after = {"category": category, "priority": priority}
            detail = {"before": before, "after": after}
            record_event(session, ticket.id, TicketEventKind.CORRECTED, agent.id, now, detail)
            return ticket

    @reports_outages  # the widget asks the customer to resend: DatabaseUnavailable
    def would_reopen(self, conversation_id: str, text: str) -> bool:
        """Whether `reopen_on_message` would reopen a ticket now (reads, changes nothing)."""
        if not asks_for_more(text):
            return False
        with Session(self._engine) as session:
            ticket = session.execute(latest_ticket(conversation_id)).scalar_one_or_none()
            return self._reopenable(ticket, self._clock())

    def _reopenable(self, ticket: Ticket | None, now: datetime) -> bool:
        if ticket is None or ticket.status != "resolved" or ticket.resolved_at is None:
            return False
        return now - ticket.resolved_at <= self.reopen_window

    @reports_outages
    def reopen_on_message(self, conversation_id: str, text: str) -> Reopened | None:
        """The customer wrote again within the reopen window after their ticket was resolved:
        reopen it, back to the same agent when they are online, else to the queue."""
        if not asks_for_more(text):
            return None
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            query = latest_ticket(conversation_id).with_for_update()
            ticket = session.execute(query).scalar_one_or_none()
            if not self._reopenable(ticket, now):
                return None
            previous = ticket.agent_id
            back_to_agent = previous is not None and self._presence.is_online(session, previous)
            ticket.status = "assigned" if back_to_agent else "queued"
            ticket.agent_id = previous if back_to_agent else None
            ticket.reopened += 1
            detail = {"previous_agent": previous, "back_to_agent": back_to_agent}
            record_event(session, ticket.id, TicketEventKind.REOPENED, None, now, detail)
            name = session.get(Agent, previous).name if back_to_agent else None
            return Reopened(ticket.id, name, self._presence.online_count(session))
