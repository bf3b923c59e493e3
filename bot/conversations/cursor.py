"""The conversation log's durable cursor (`log_cursors`): where in Rasa's `events` it stands.

Exactly-once rests on it: a projector stores an event only in the transaction that moves the
cursor from the position it read to the event's id (a conditional UPDATE, which also takes
SQLite's write lock), so of several projectors (one per Rasa process) exactly one stores
it, and the others get `Moved` and re-read. The backlog, what `/api/health` and
`csbot status` report, is the rows after it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversations.models import LogCursor
from bot.conversations.tracker_events import TRACKER_EVENTS

CURSOR = "conversation_log"


class Moved(Exception):
    """Another projector moved the cursor first; re-read it."""


def position(connection: Connection, cursor: str = CURSOR) -> int:
    position = connection.execute(
        select(LogCursor.position).where(LogCursor.name == cursor)
    ).scalar()
    return position or 0


def claim(session: Session, expected: int, new: int, cursor: str = CURSOR) -> None:
    """Move the cursor from `expected` to `new`, first thing in the transaction."""
    moved = session.execute(
        update(LogCursor)
        .where(LogCursor.name == cursor, LogCursor.position == expected)
        .values(position=new, updated_at=datetime.utcnow())
    )
    if moved.rowcount == 1:
        return
    if expected == 0 and session.get(LogCursor, cursor) is None:  # new, or from before 0003
        session.add(LogCursor(name=cursor, position=new, updated_at=datetime.utcnow()))
        try:
            session.flush()
            return
        except IntegrityError:
            pass
    raise Moved


def backlog(connection: Connection, position: int) -> tuple[int, float | None]:
    """How many tracker-store events are not logged yet, and the oldest one's timestamp."""
    if not connection.dialect.has_table(connection, TRACKER_EVENTS.name):
        return 0, None  # Rasa has not started on this database yet
    count, oldest = connection.execute(
        select(func.count(), func.min(TRACKER_EVENTS.c.timestamp)).where(
            TRACKER_EVENTS.c.id > position
        )
    ).one()
    return count, oldest
