"""The review workbench as one service over the database: what the console's review screen
and anything else reading conversations for review call (`bot.services.Services.review`).

It owns the engine, the sessions and the clock; the modules beside it do one job each on a
session they are given (`filters`, `listing`, `timeline`, `tags`, `export`). Every call is
blocking: the web app runs it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversations.review import export, listing, tags, timeline
from bot.conversations.review.export import EXPORT_LIMIT, ExportedConversation
from bot.conversations.review.filters import ReviewFilter
from bot.conversations.review.listing import Facets, ReviewPage
from bot.conversations.review.timeline import Timeline


class ReviewService:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def find(self, f: ReviewFilter, page: int = 1, per_page: int = 25) -> ReviewPage:
        """One page of matching conversations, newest activity first, and how many match."""
        with Session(self._engine) as session:
            return listing.find(session, f, page, per_page)

    def facets(self) -> Facets:
        """What the filter's drop-downs offer: intents, channels, agents and tags in use."""
        with Session(self._engine) as session:
            return listing.facets(session)

    def timeline(self, conversation_id: str, page: int = 1, per_page: int = 100) -> Timeline:
        """One page of a conversation's messages with what the NLU and actions made of each,
        and the human half: tickets (handoff reason, corrections, who resolved) and ratings."""
        with Session(self._engine) as session:
            return timeline.read_timeline(session, conversation_id, page, per_page)

    def add_tag(self, conversation_id: str, tag: str, actor: str) -> bool:
        """Tag a conversation as `actor`, now; False if it already had the tag. ReviewError
        for a tag that cannot be stored."""
        row = tags.new_tag(conversation_id, tag, actor, self._clock())
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            return False
        return True

    def remove_tag(self, conversation_id: str, tag: str) -> bool:
        """False if the conversation had no such tag."""
        with Session(self._engine) as session, session.begin():
            return tags.remove_tag(session, conversation_id, tag)

    def export(self, f: ReviewFilter, limit: int = EXPORT_LIMIT) -> list[ExportedConversation]:
        """The filtered conversations (at most `limit`, newest first), each with every
        message."""
        with Session(self._engine) as session:
            found = listing.find(session, f, 1, limit)
            return export.with_messages(session, found.rows)
