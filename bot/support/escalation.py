"""Escalation: open a ticket for a conversation, classify it, queue it, and say where it is."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.pack.model import TicketSettings
from bot.privacy.redact import redact
from bot.support.classifier import Classification, ClassifierNotTrained
from bot.support.lifecycle import OPEN, PRIORITY_RANK, TicketEventKind, record_event
from bot.support.models import Ticket
from bot.support.presence import Presence

log = logging.getLogger(__name__)
# A threat of a chargeback or legal action has a deadline: urgent, whatever the topic.
LEGAL_THREAT = re.compile(
    r"\b(?:charge ?backs?|lawyers?|solicitors?|attorneys?|sue (?:you|your|the)|suing|"
    r"legal action|small claims|(?:to|in) court|court case|trading standards|ombudsman|"
    r"better business bureau|bbb|consumer (?:protection|rights|affairs) "
    r"(?:agency|body|office|bureau))\b",
    re.IGNORECASE,
)


def with_legal_urgency(label: Classification, text: str) -> Classification:
    """The classifier's label, made urgent when the customer threatens legal action."""
    if label.priority != "urgent" and LEGAL_THREAT.search(text):
        return dataclasses.replace(label, priority="urgent")
    return label


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
    """'Customer: ...' / 'Bot: ...' lines of the latest turns, for the agent's first look,
    personal data redacted."""
    return "\n".join(f"{who.capitalize()}: {redact(text)}" for who, text in lines[-limit:] if text)


def position(session: Session, ticket: Ticket) -> int:
    """Place in the ticket's queue: more urgent first, then longest waiting."""
    waiting = session.execute(
        select(Ticket).where(Ticket.queue == ticket.queue, Ticket.status == "queued")
    ).scalars()
    mine = (PRIORITY_RANK[ticket.priority], ticket.created_at, ticket.id)
    return 1 + sum((PRIORITY_RANK[t.priority], t.created_at, t.id) < mine for t in waiting)


class EscalationService:
    def __init__(
        self,
        engine: Engine,
        classify: Callable[[str], Classification],
        presence: Presence,
        ticket_settings: TicketSettings,
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        """`ticket_settings`: the shop's categories and their queues (its pack's); `classify`
        must answer in those categories (the pack's trained classifier does)."""
        self._engine = engine
        self._classify = classify
        self._presence = presence
        self._clock = clock
        self._tickets = ticket_settings
        # Without a trained classifier a ticket still opens: agents triage it by hand.
        self.unclassified = Classification(ticket_settings.unclassified, "normal", 0.0, 0.0)
        # Orders the customer did not place, a taken-over account: urgent, whatever the words.
        self.security = Classification(ticket_settings.security, "urgent", 1.0, 1.0)

    def _label(self, text: str) -> Classification:
        try:
            label = self._classify(text)
        except ClassifierNotTrained as exc:
            log.error("ticket classifier missing (%s); the ticket is triaged by hand", exc)
            label = self.unclassified
        if label.category not in self._tickets.names:
            log.error("the classifier answered %r, not a category of this shop", label.category)
            label = self.unclassified
        return with_legal_urgency(label, text)

    def open(
        self,
        conversation_id: str,
        reason: str,
        transcript: Sequence[tuple[str, str]],
        topic: str | None = None,
        label: Classification | None = None,
    ) -> Opened:
        """Open a ticket for the conversation, or return the one already open.

        `label` skips the classifier where the case is known (`self.security`: a taken-over
        account is urgent, for the shop's security category's queue, whatever the words).
        A label given for a category this shop does not have raises ValueError.

        `topic` is the text to classify (what the customer needs help with); by default all
        the customer's messages; it is stored (and classified) with personal data redacted.
        Blocking (database, and the classifier's MiniLM encode).
        """
        now = self._clock()
        customer_words = " ".join(t for who, t in transcript if who == "customer")
        topic = redact(topic or customer_words) or reason
        # Classify before the write transaction: the encode must not hold a database lock.
        if label is None and not self._open_ticket(conversation_id):
            label = self._label(topic)
        with Session(self._engine) as session, session.begin():
            ticket = self._open_ticket(conversation_id, session)
            is_new = ticket is None
            if is_new:
                label = label or self._label(topic)
                queue = self._tickets.queue_of(label.category)
                ticket = _new_ticket(conversation_id, reason, transcript, topic, label, queue, now)
                session.add(ticket)
                session.flush()
                record_event(
                    session, ticket.id, TicketEventKind.CREATED, None, now, {"reason": reason}
                )
            return Opened(
                ticket.id,
                ticket.queue,
                ticket.category,
                ticket.priority,
                position(session, ticket),
                self._presence.online_count(session),
                is_new,
            )

    def _open_ticket(self, conversation_id: str, session: Session | None = None) -> Ticket | None:
        query = select(Ticket).where(
            Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN)
        )
        if session is not None:
            return session.execute(query).scalar_one_or_none()
        with Session(self._engine) as own:
            return own.execute(query).scalar_one_or_none()


def _new_ticket(
    conversation_id: str,
    reason: str,
    transcript: Sequence[tuple[str, str]],
    topic: str,
    label: Classification,
    queue: str,
    now: datetime,
) -> Ticket:
    return Ticket(
        conversation_id=conversation_id,
        status="queued",
        reason=reason,
        summary=summarise(transcript) or "(no messages yet)",
        topic=topic,
        category=label.category,
        priority=label.priority,
        predicted_category=label.category,
        predicted_priority=label.priority,
        queue=queue,
        created_at=now,
    )
