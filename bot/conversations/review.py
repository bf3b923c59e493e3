"""The review workbench's reads: conversations by outcome, intent, channel, agent, tag, last
activity and words; one conversation's timeline with the bot's and the humans' halves side
by side; tags; and the rows of an export.

Every filter is an `IN (subquery)` over an indexed column (messages.intent, tickets and
ratings by conversation, the full-text index), so the list stays one indexed query however
many messages there are; a timeline is read a page at a time, joined to the page's logged
events only, so a 2,000-message conversation costs what a 100-message one does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversations.models import Conversation, ConversationTag, LoggedEvent, Message
from bot.conversations.search import matching_messages
from bot.support.models import Agent, CsatRating, Ticket, TicketEvent

OUTCOMES = {
    "contained": "Contained (no person needed)",
    "handed_off": "Handed off to a person",
    "fallback": "Fallback (not understood)",
    "not_helpful": 'FAQ answer marked "didn\'t help"',
    "negative": "Strongly negative customer",
    "low_csat": "Low CSAT (1-2)",
}
LOW_CSAT = 2
FALLBACK_INTENT = "nlu_fallback"
NOT_HELPFUL_INTENT = "faq_not_helpful"
RANKING_SHOWN = 5
EXPORT_LIMIT = 10_000  # conversations in one export
TAG_MAX = 40


class ReviewError(ValueError):
    """A filter or tag the workbench cannot use; the message says what is wrong."""


@dataclass(frozen=True)
class ReviewFilter:
    outcome: str | None = None
    intent: str | None = None
    channel: str | None = None
    agent_id: int | None = None
    tag: str | None = None
    active_from: datetime | None = None
    active_to: datetime | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if self.outcome and self.outcome not in OUTCOMES:
            raise ReviewError(f"outcome must be one of {', '.join(OUTCOMES)}")

    def as_query(self) -> dict[str, str]:
        """The filter as URL query parameters (for links and the audit trail)."""
        values = {
            "outcome": self.outcome,
            "intent": self.intent,
            "channel": self.channel,
            "agent": str(self.agent_id) if self.agent_id is not None else None,
            "tag": self.tag,
            "from": self.active_from.date().isoformat() if self.active_from else None,
            "q": self.text or None,
        }
        return {k: v for k, v in values.items() if v}


def _customer_messages(*where: Any) -> Any:
    return select(Message.conversation_id).where(Message.sender == "customer", *where)


def _outcome(name: str) -> Any:
    ticketed = select(Ticket.conversation_id)
    return {
        "contained": Conversation.id.not_in(ticketed),
        "handed_off": Conversation.id.in_(ticketed),
        "fallback": Conversation.id.in_(_customer_messages(Message.intent == FALLBACK_INTENT)),
        "not_helpful": Conversation.id.in_(
            _customer_messages(Message.intent == NOT_HELPFUL_INTENT)
        ),
        "negative": or_(
            Conversation.id.in_(_customer_messages(Message.negativity.is_not(None))),
            Conversation.id.in_(
                select(Ticket.conversation_id).where(Ticket.reason == "negative_sentiment")
            ),
        ),
        "low_csat": Conversation.id.in_(
            select(CsatRating.conversation_id).where(CsatRating.score <= LOW_CSAT)
        ),
    }[name]


def conditions(engine: Engine, f: ReviewFilter) -> list[Any]:
    """The SQL conditions on `Conversation` that the filter asks for."""
    found: list[Any] = []
    if f.outcome:
        found.append(_outcome(f.outcome))
    if f.intent:
        found.append(Conversation.id.in_(_customer_messages(Message.intent == f.intent)))
    if f.channel:
        found.append(Conversation.channel == f.channel)
    if f.agent_id is not None:
        found.append(
            or_(
                Conversation.id.in_(
                    select(Message.conversation_id).where(Message.agent_id == f.agent_id)
                ),
                Conversation.id.in_(
                    select(Ticket.conversation_id).where(Ticket.agent_id == f.agent_id)
                ),
            )
        )
    if f.tag:
        found.append(
            Conversation.id.in_(
                select(ConversationTag.conversation_id).where(ConversationTag.tag == f.tag)
            )
        )
    if f.active_from:
        found.append(Conversation.last_activity_at >= f.active_from)
    if f.active_to:
        found.append(Conversation.last_activity_at < f.active_to)
    words = matching_messages(engine, f.text)
    if words is not None:
        found.append(Conversation.id.in_(select(Message.conversation_id).where(words)))
    return found


@dataclass(frozen=True)
class ReviewRow:
    id: str
    channel: str | None
    status: str
    customer_email: str | None
    started_at: datetime
    last_activity_at: datetime
    messages: int
    handed_off: bool
    tags: tuple[str, ...]


def find(
    engine: Engine, f: ReviewFilter, page: int = 1, per_page: int = 25
) -> tuple[list[ReviewRow], int]:
    """One page of matching conversations, newest activity first, and how many match."""
    where = conditions(engine, f)
    query = (
        select(Conversation)
        .where(*where)
        .order_by(Conversation.last_activity_at.desc(), Conversation.id)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    with Session(engine) as session:
        total = session.execute(select(func.count(Conversation.id)).where(*where)).scalar_one()
        found = session.execute(query).scalars().all()
        ids = [c.id for c in found]
        counts, tags, handed = _page_details(session, ids)
    return [
        ReviewRow(
            c.id,
            c.channel,
            c.status,
            c.customer_email,
            c.started_at,
            c.last_activity_at,
            counts.get(c.id, 0),
            c.id in handed,
            tuple(tags.get(c.id, ())),
        )
        for c in found
    ], total


def _page_details(
    session: Session, ids: list[str]
) -> tuple[dict[str, int], dict[str, list[str]], set[str]]:
    """Message counts, tags and handoffs of one page's conversations only."""
    if not ids:
        return {}, {}, set()
    counts = dict(
        session.execute(
            select(Message.conversation_id, func.count(Message.id))
            .where(Message.conversation_id.in_(ids))
            .group_by(Message.conversation_id)
        ).all()
    )
    tags: dict[str, list[str]] = defaultdict(list)
    for conversation_id, tag in session.execute(
        select(ConversationTag.conversation_id, ConversationTag.tag)
        .where(ConversationTag.conversation_id.in_(ids))
        .order_by(ConversationTag.tag)
    ):
        tags[conversation_id].append(tag)
    handed = set(
        session.execute(select(Ticket.conversation_id).where(Ticket.conversation_id.in_(ids)))
        .scalars()
        .all()
    )
    return counts, tags, handed


def facets(engine: Engine) -> dict[str, list[Any]]:
    """What the filter's drop-downs offer: intents, channels, agents and tags in use."""
    with Session(engine) as session:
        intents = session.execute(
            select(Message.intent).where(Message.intent.is_not(None)).distinct()
        ).scalars()
        channels = session.execute(
            select(Conversation.channel).where(Conversation.channel.is_not(None)).distinct()
        ).scalars()
        agents = session.execute(select(Agent.id, Agent.name).order_by(Agent.name)).all()
        tags = session.execute(select(ConversationTag.tag).distinct()).scalars()
        return {
            "intents": sorted(intents),
            "channels": sorted(channels),
            "agents": [(a.id, a.name) for a in agents],
            "tags": sorted(tags),
        }


# --- one conversation's timeline ---------------------------------------------------------


def _nlu(payload: dict[str, Any] | None) -> dict[str, Any]:
    parse = (payload or {}).get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = [
        {"name": r.get("name"), "confidence": r.get("confidence")}
        for r in (parse.get("intent_ranking") or [])[:RANKING_SHOWN]
    ]
    return {"ranking": ranking, "original_intent": intent.get("original")}


def _entity(found: dict[str, Any], text: str) -> dict[str, Any]:
    """An entity with its value and the words the customer wrote for it ("one" for the
    quantity 1): the teach box annotates those words, which are in the message."""
    start, end = found.get("start"), found.get("end")
    span = text[start:end] if isinstance(start, int) and isinstance(end, int) else None
    value = found.get("value")
    return {"entity": found.get("entity"), "value": value, "text": span or str(value)}


def _entry(message: Message, agent: str | None, payload: dict | None) -> dict[str, Any]:
    retrieval = message.retrieval or {}
    return {
        "id": message.id,
        "from": message.sender,
        "text": message.text or "",
        "at": message.created_at.isoformat(timespec="seconds"),
        "agent": agent,
        "intent": message.intent,
        "confidence": message.confidence,
        "entities": [_entity(e, message.text or "") for e in message.entities or []],
        "negativity": message.negativity,
        "action": message.action,
        "latency_ms": message.latency_ms,
        "faq_candidates": list(retrieval.get("faq_candidates") or []),
        "faq_best_score": retrieval.get("faq_best_score"),
        "faq_decision": message.faq_decision.value if message.faq_decision else None,
        "buttons": message.buttons or [],
        **(_nlu(payload) if message.sender == "customer" else {}),
    }


@dataclass
class Timeline:
    conversation: dict[str, Any] | None
    messages: list[dict[str, Any]]
    total: int
    tickets: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def timeline(engine: Engine, conversation_id: str, page: int = 1, per_page: int = 100) -> Timeline:
    """One page of a conversation's messages with what the NLU and actions made of each,
    and the human half: tickets (handoff reason, corrections, who resolved) and ratings."""
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
    with Session(engine) as session:
        conversation = session.get(Conversation, conversation_id)
        messages = [_entry(m, name, payload) for m, name, payload in session.execute(query)]
        return Timeline(
            conversation=_conversation(conversation) if conversation else None,
            messages=messages,
            total=session.execute(count).scalar_one(),
            tickets=_tickets(session, conversation_id),
            ratings=[
                {"score": r.score, "at": r.created_at.isoformat(timespec="seconds")}
                for r in session.execute(
                    select(CsatRating)
                    .where(CsatRating.conversation_id == conversation_id)
                    .order_by(CsatRating.id)
                ).scalars()
            ],
            tags=list(
                session.execute(
                    select(ConversationTag.tag)
                    .where(ConversationTag.conversation_id == conversation_id)
                    .order_by(ConversationTag.tag)
                ).scalars()
            ),
        )


def _conversation(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "channel": c.channel,
        "status": c.status,
        "customer_email": c.customer_email,
        "started_at": c.started_at.isoformat(timespec="seconds"),
        "last_activity_at": c.last_activity_at.isoformat(timespec="seconds"),
    }


def _tickets(session: Session, conversation_id: str) -> list[dict[str, Any]]:
    names = dict(session.execute(select(Agent.id, Agent.name)).all())
    tickets = session.execute(
        select(Ticket).where(Ticket.conversation_id == conversation_id).order_by(Ticket.id)
    ).scalars()
    found = []
    for t in tickets:
        events = session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)
        ).scalars()
        found.append(
            {
                "id": t.id,
                "reason": t.reason,
                "status": t.status,
                "category": t.category,
                "priority": t.priority,
                "agent": names.get(t.agent_id),
                "created_at": t.created_at.isoformat(timespec="seconds"),
                "steps": [
                    {
                        "kind": e.kind,
                        "agent": names.get(e.agent_id),
                        "detail": e.detail,
                        "at": e.created_at.isoformat(timespec="seconds"),
                    }
                    for e in events
                ],
            }
        )
    return found


# --- tags --------------------------------------------------------------------------------


def clean_tag(tag: str) -> str:
    cleaned = " ".join(str(tag).split()).lower()
    if not cleaned or len(cleaned) > TAG_MAX or not cleaned.isprintable():
        raise ReviewError(f"a tag is 1 to {TAG_MAX} printable characters")
    return cleaned


def add_tag(engine: Engine, conversation_id: str, tag: str, actor: str, at: datetime) -> bool:
    """Tag a conversation; False if it already had the tag."""
    row = ConversationTag(
        conversation_id=conversation_id, tag=clean_tag(tag), added_by=actor, created_at=at
    )
    try:
        with Session(engine) as session, session.begin():
            session.add(row)
    except IntegrityError:
        return False
    return True


def remove_tag(engine: Engine, conversation_id: str, tag: str) -> bool:
    with Session(engine) as session, session.begin():
        done = session.execute(
            delete(ConversationTag).where(
                ConversationTag.conversation_id == conversation_id,
                ConversationTag.tag == clean_tag(tag),
            )
        )
        return bool(done.rowcount)


# --- export ------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "conversation_id",
    "channel",
    "status",
    "last_activity_at",
    "tags",
    "message_id",
    "from",
    "agent",
    "at",
    "text",
    "intent",
    "confidence",
    "action",
    "latency_ms",
    "faq_best_score",
    "faq_decision",
)


def export(engine: Engine, f: ReviewFilter, limit: int = EXPORT_LIMIT) -> list[dict[str, Any]]:
    """The filtered conversations (at most `limit`, newest first), each with every message."""
    rows, _ = find(engine, f, 1, limit)
    ids = [r.id for r in rows]
    messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with Session(engine) as session:
        for start in range(0, len(ids), 500):  # bounded IN lists
            query = (
                select(Message, Agent.name)
                .outerjoin(Agent, Agent.id == Message.agent_id)
                .where(Message.conversation_id.in_(ids[start : start + 500]))
                .order_by(Message.id)
            )
            for m, name in session.execute(query):
                entry = _entry(m, name, None)
                messages[m.conversation_id].append(entry)
    return [
        {
            **{k: v for k, v in asdict(r).items() if k != "messages"},
            "started_at": r.started_at.isoformat(timespec="seconds"),
            "last_activity_at": r.last_activity_at.isoformat(timespec="seconds"),
            "tags": list(r.tags),
            "messages": messages.get(r.id, []),
        }
        for r in rows
    ]


def flat_rows(conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per message, for CSV."""
    return [
        {
            "conversation_id": c["id"],
            "channel": c["channel"],
            "status": c["status"],
            "last_activity_at": c["last_activity_at"],
            "tags": ";".join(c["tags"]),
            "message_id": m["id"],
            **{k: m[k] for k in EXPORT_FIELDS[6:]},
        }
        for c in conversations
        for m in c["messages"]
    ]
