"""What changed in the log since a mark: which conversations got a message and whether any
ticket changed. The web app's one push notifier (`bot.web.notifier`) asks this every
CSBOT_STREAM_CHECK_S and wakes only the streams with news.

The log is written by another process (the projection in Rasa, or the log consumer), so the
database is the only place to look; one cheap query per look, whatever the number of open
streams.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.conversations.models import Message
from bot.outages import reported
from bot.support.models import TicketEvent


@dataclass(frozen=True)
class Mark:
    """Where a look stopped: the newest message and ticket event ids it saw."""

    message_id: int
    ticket_event_id: int


@dataclass(frozen=True)
class Changes:
    conversations: frozenset[str]  # those with a message after the mark
    tickets: bool  # any ticket created, taken, corrected, resolved... after the mark
    mark: Mark  # where the next look starts


class ChangeFeed:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def since(self, seen: Mark | None) -> Changes:
        """What changed after `seen`; the first look (`seen` None) only marks where to start.
        Blocking. Any database error is DatabaseUnavailable: the caller looks again later."""
        with reported(every_error=True), self._engine.connect() as connection:
            newest_event = connection.execute(select(func.max(TicketEvent.id))).scalar() or 0
            newest_message = connection.execute(select(func.max(Message.id))).scalar() or 0
            if seen is None:
                return Changes(frozenset(), False, Mark(newest_message, newest_event))
            # After a deletion SQLite hands out the deleted top ids again: start below them.
            since = min(seen.message_id, newest_message)
            rows = connection.execute(
                select(Message.conversation_id, func.max(Message.id))
                .where(Message.id > since)
                .group_by(Message.conversation_id)
            ).all()
        newest = max([since, *(top for _, top in rows)])
        return Changes(
            frozenset(conversation for conversation, _ in rows),
            newest_event != seen.ticket_event_id,
            Mark(newest, newest_event),
        )
