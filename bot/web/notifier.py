"""One poller per web process that wakes the push streams (`bot.web.push`) when there is news
for them.

The log is written by another process (the projection in Rasa, or the log consumer), so
something must look in the database. Each open stream used to, four times a second on the
shared thread pool: a hundred open widgets were four hundred queries a second, and one
cookie could open any number. Now one task looks every CSBOT_STREAM_CHECK_S at what came
after the newest message and ticket event it saw, and wakes only the streams waiting on a
conversation that got a message, or on TICKETS (the console's queue) when a ticket changed;
those then read what is new for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.conversations.models import Message
from bot.support.models import TicketEvent
from bot.web.keys import SERVICES, SETTINGS

log = logging.getLogger(__name__)
TICKETS = "tickets"  # the topic of any ticket change: created, taken, corrected, resolved...


def changes(engine: Engine, seen: tuple[int, int] | None) -> tuple[set[str], tuple[int, int]]:
    """(topics with news since `seen`, the newest (message id, ticket event id) now); the
    first call (`seen` None) only marks where to start. Blocking."""
    with engine.connect() as connection:
        newest_event = connection.execute(select(func.max(TicketEvent.id))).scalar() or 0
        if seen is None:
            newest_message = connection.execute(select(func.max(Message.id))).scalar() or 0
            return set(), (newest_message, newest_event)
        # After a deletion SQLite hands out the deleted top ids again: start below them.
        newest_message = connection.execute(select(func.max(Message.id))).scalar() or 0
        since = min(seen[0], newest_message)
        rows = connection.execute(
            select(Message.conversation_id, func.max(Message.id))
            .where(Message.id > since)
            .group_by(Message.conversation_id)
        ).all()
    topics = {conversation for conversation, _ in rows}
    if newest_event != seen[1]:
        topics.add(TICKETS)
    return topics, (max([since, *(newest for _, newest in rows)]), newest_event)


class Notifier:
    def __init__(self, engine: Engine, every_s: float) -> None:
        self._engine = engine
        self._every_s = every_s
        # Only topics someone waits on: a stream that ends drops its event, and the entry.
        self._waiting: weakref.WeakValueDictionary[str, asyncio.Event] = (
            weakref.WeakValueDictionary()
        )
        self._seen: tuple[int, int] | None = None
        self._closed = False

    def watch(self, topic: str) -> asyncio.Event:
        """An event set at the next news for `topic` (a conversation id, or TICKETS). Take it
        before reading and wait on it after: news in between is not missed."""
        event = self._waiting.get(topic)
        if event is None:
            event = asyncio.Event()
            if self._closed:
                event.set()
            else:
                self._waiting[topic] = event
        return event

    async def check(self) -> None:
        """Look once, and wake whoever waits on what changed."""
        try:
            topics, self._seen = await asyncio.to_thread(changes, self._engine, self._seen)
        except SQLAlchemyError as exc:  # the database is away: streams wait, then look again
            log.warning("push notifier: %s", type(exc).__name__)
            return
        for topic in topics:
            event = self._waiting.pop(topic, None)
            if event is not None:
                event.set()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Wake every stream (the app is stopping) and every later watcher at once."""
        self._closed = True
        for event in list(self._waiting.values()):
            event.set()
        self._waiting.clear()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            await self.check()


NOTIFIER = web.AppKey("push_notifier", Notifier)


async def polling(app: web.Application) -> AsyncIterator[None]:
    """The app's one notifier, polling while the app runs (`cleanup_ctx`); where to start
    is marked before the first stream opens."""
    notifier = Notifier(app[SERVICES].engine, app[SETTINGS].stream_check_s)
    app[NOTIFIER] = notifier
    await notifier.check()
    task = asyncio.create_task(notifier.run())
    yield
    notifier.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
