"""The review list: one page of matching conversations, what each row shows, and what the
filter's drop-downs offer.

A page costs four queries however long it is: the count, the page, then the message counts,
tags and handoffs of that page's conversations only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversations.models import Conversation, ConversationTag, Message
from bot.conversations.review.filters import ReviewFilter, conditions
from bot.support.models import Agent, Ticket


@dataclass(frozen=True)
class ReviewRow:
    """A conversation as the review list shows it."""

    id: str
    channel: str | None
    status: str
    customer_email: str | None
    started_at: datetime
    last_activity_at: datetime
    messages: int
    handed_off: bool
    tags: tuple[str, ...]


@dataclass(frozen=True)
class ReviewPage:
    rows: tuple[ReviewRow, ...]
    total: int  # how many conversations match, on every page


class AgentChoice(NamedTuple):
    id: int
    name: str


@dataclass(frozen=True)
class Facets:
    """What the filter's drop-downs offer: the values in use, sorted."""

    intents: tuple[str, ...]
    channels: tuple[str, ...]
    agents: tuple[AgentChoice, ...]  # by name
    tags: tuple[str, ...]


def find(session: Session, f: ReviewFilter, page: int, per_page: int) -> ReviewPage:
    """One page of matching conversations, newest activity first, and how many match."""
    where = conditions(session, f)
    query = (
        select(Conversation)
        .where(*where)
        .order_by(Conversation.last_activity_at.desc(), Conversation.id)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    total = session.execute(select(func.count(Conversation.id)).where(*where)).scalar_one()
    found = session.execute(query).scalars().all()
    counts, tags, handed = _page_details(session, [c.id for c in found])
    rows = tuple(
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
    )
    return ReviewPage(rows, total)


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


def facets(session: Session) -> Facets:
    intents = session.execute(
        select(Message.intent).where(Message.intent.is_not(None)).distinct()
    ).scalars()
    channels = session.execute(
        select(Conversation.channel).where(Conversation.channel.is_not(None)).distinct()
    ).scalars()
    agents = session.execute(select(Agent.id, Agent.name).order_by(Agent.name)).all()
    tags = session.execute(select(ConversationTag.tag).distinct()).scalars()
    return Facets(
        intents=tuple(sorted(intents)),
        channels=tuple(sorted(channels)),
        agents=tuple(AgentChoice(a.id, a.name) for a in agents),
        tags=tuple(sorted(tags)),
    )
