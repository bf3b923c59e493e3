"""One conversation's timeline: each message with what the NLU and the actions made of it,
beside the human half (tickets with every step, ratings, tags).

Read a page at a time, joined to the page's logged events only, so a 2,000-message
conversation costs what a 100-message one does; the tickets' steps come in one query for all
of the conversation's tickets, not one per ticket.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversations.models import Conversation, ConversationTag, LoggedEvent, Message
from bot.support.lifecycle import TicketEventKind
from bot.support.models import Agent, CsatRating, Ticket, TicketEvent
from knowledge.decision import Decision

RANKING_SHOWN = 5


def _seconds(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


@dataclass(frozen=True)
class IntentScore:
    name: str | None
    confidence: float | None


@dataclass(frozen=True)
class EntityMention:
    """An entity with its value and the words the customer wrote for it ("one" for the
    quantity 1): the teach box annotates those words, which are in the message."""

    entity: str | None
    value: Any
    text: str

    @classmethod
    def of(cls, found: dict[str, Any], message_text: str) -> EntityMention:
        start, end = found.get("start"), found.get("end")
        span = message_text[start:end] if isinstance(start, int) and isinstance(end, int) else None
        value = found.get("value")
        return cls(found.get("entity"), value, span or str(value))


@dataclass(frozen=True)
class TimelineMessage:
    """A message with the bot's reasoning: the intent ranking and the intent before an NLU
    override (customer messages), the FAQ candidates and decision (the FAQ action's)."""

    id: int
    sender: str  # customer | bot | agent
    text: str
    at: datetime
    agent: str | None
    intent: str | None
    confidence: float | None
    entities: tuple[EntityMention, ...]
    negativity: float | None
    action: str | None
    latency_ms: float | None
    faq_candidates: tuple[str, ...]
    faq_best_score: float | None
    faq_decision: Decision | None
    buttons: tuple[dict[str, Any], ...]
    ranking: tuple[IntentScore, ...] = ()
    original_intent: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The message in timeline.json and the export (the NLU keys on customer messages
        only, as they always were)."""
        found: dict[str, Any] = {
            "id": self.id,
            "from": self.sender,
            "text": self.text,
            "at": _seconds(self.at),
            "agent": self.agent,
            "intent": self.intent,
            "confidence": self.confidence,
            "entities": [
                {"entity": e.entity, "value": e.value, "text": e.text} for e in self.entities
            ],
            "negativity": self.negativity,
            "action": self.action,
            "latency_ms": self.latency_ms,
            "faq_candidates": list(self.faq_candidates),
            "faq_best_score": self.faq_best_score,
            "faq_decision": self.faq_decision.value if self.faq_decision else None,
            "buttons": list(self.buttons),
        }
        if self.sender == "customer":
            found["ranking"] = [{"name": r.name, "confidence": r.confidence} for r in self.ranking]
            found["original_intent"] = self.original_intent
        return found


def timeline_message(
    message: Message, agent: str | None, payload: dict[str, Any] | None
) -> TimelineMessage:
    """A logged message as the timeline shows it; `payload` is its Rasa event (the intent
    ranking is read from it), None where it is not wanted (the export)."""
    retrieval = message.retrieval or {}
    text = message.text or ""
    ranking: tuple[IntentScore, ...] = ()
    original = None
    if message.sender == "customer":
        parse = (payload or {}).get("parse_data") or {}
        ranking = tuple(
            IntentScore(r.get("name"), r.get("confidence"))
            for r in (parse.get("intent_ranking") or [])[:RANKING_SHOWN]
        )
        original = (parse.get("intent") or {}).get("original")
    return TimelineMessage(
        id=message.id,
        sender=message.sender,
        text=text,
        at=message.created_at,
        agent=agent,
        intent=message.intent,
        confidence=message.confidence,
        entities=tuple(EntityMention.of(e, text) for e in message.entities or []),
        negativity=message.negativity,
        action=message.action,
        latency_ms=message.latency_ms,
        faq_candidates=tuple(retrieval.get("faq_candidates") or ()),
        faq_best_score=retrieval.get("faq_best_score"),
        faq_decision=message.faq_decision,
        buttons=tuple(message.buttons or ()),
        ranking=ranking,
        original_intent=original,
    )


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    channel: str | None
    status: str
    customer_email: str | None
    started_at: datetime
    last_activity_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel,
            "status": self.status,
            "customer_email": self.customer_email,
            "started_at": _seconds(self.started_at),
            "last_activity_at": _seconds(self.last_activity_at),
        }


@dataclass(frozen=True)
class TicketStep:
    kind: TicketEventKind
    agent: str | None
    detail: dict[str, Any] | None  # a correction's before/after, a reopen's previous agent
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "agent": self.agent,
            "detail": self.detail,
            "at": _seconds(self.at),
        }


@dataclass(frozen=True)
class TicketHistory:
    """A handoff: why, how it was classified, who has it, and every step it took."""

    id: int
    reason: str
    status: str
    category: str
    priority: str
    agent: str | None
    created_at: datetime
    steps: tuple[TicketStep, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "status": self.status,
            "category": self.category,
            "priority": self.priority,
            "agent": self.agent,
            "created_at": _seconds(self.created_at),
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True)
class Rating:
    score: int
    at: datetime


@dataclass(frozen=True)
class Timeline:
    conversation: ConversationSummary | None  # None: the log has no such conversation
    messages: tuple[TimelineMessage, ...]  # this page's
    total: int  # messages in the whole conversation
    tickets: tuple[TicketHistory, ...] = ()
    ratings: tuple[Rating, ...] = ()
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """timeline.json's body (the page and page size are added by the view)."""
        return {
            "conversation": self.conversation.to_json() if self.conversation else None,
            "messages": [m.to_json() for m in self.messages],
            "total": self.total,
            "tickets": [t.to_json() for t in self.tickets],
            "ratings": [{"score": r.score, "at": _seconds(r.at)} for r in self.ratings],
            "tags": list(self.tags),
        }


def read_timeline(session: Session, conversation_id: str, page: int, per_page: int) -> Timeline:
    """One page of a conversation's messages and the whole of its human half."""
    query = (
        select(Message, Agent.name, LoggedEvent.payload)
        .join(LoggedEvent, LoggedEvent.id == Message.event_id)
        .outerjoin(Agent, Agent.id == Message.agent_id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    count = select(func.count(Message.id)).where(Message.conversation_id == conversation_id)
    ratings = (
        select(CsatRating.score, CsatRating.created_at)
        .where(CsatRating.conversation_id == conversation_id)
        .order_by(CsatRating.id)
    )
    tags = (
        select(ConversationTag.tag)
        .where(ConversationTag.conversation_id == conversation_id)
        .order_by(ConversationTag.tag)
    )
    conversation = session.get(Conversation, conversation_id)
    return Timeline(
        conversation=_summary(conversation) if conversation else None,
        messages=tuple(timeline_message(m, name, p) for m, name, p in session.execute(query)),
        total=session.execute(count).scalar_one(),
        tickets=_tickets(session, conversation_id),
        ratings=tuple(Rating(score, at) for score, at in session.execute(ratings)),
        tags=tuple(session.execute(tags).scalars()),
    )


def _summary(c: Conversation) -> ConversationSummary:
    return ConversationSummary(
        c.id, c.channel, c.status, c.customer_email, c.started_at, c.last_activity_at
    )


def _tickets(session: Session, conversation_id: str) -> tuple[TicketHistory, ...]:
    """The conversation's tickets with their steps: two queries whatever the count."""
    tickets = session.execute(
        select(Ticket, Agent.name)
        .outerjoin(Agent, Agent.id == Ticket.agent_id)
        .where(Ticket.conversation_id == conversation_id)
        .order_by(Ticket.id)
    ).all()
    steps: dict[int, list[TicketStep]] = defaultdict(list)
    events = (
        select(TicketEvent, Agent.name)
        .outerjoin(Agent, Agent.id == TicketEvent.agent_id)
        .where(TicketEvent.ticket_id.in_([t.id for t, _ in tickets]))
        .order_by(TicketEvent.id)
    )
    for event, name in session.execute(events) if tickets else ():
        steps[event.ticket_id].append(
            TicketStep(TicketEventKind(event.kind), name, event.detail, event.created_at)
        )
    return tuple(
        TicketHistory(
            id=t.id,
            reason=t.reason,
            status=t.status,
            category=t.category,
            priority=t.priority,
            agent=name,
            created_at=t.created_at,
            steps=tuple(steps[t.id]),
        )
        for t, name in tickets
    )
