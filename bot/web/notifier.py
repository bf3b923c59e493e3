"""One poller per web process that wakes the push streams (`bot.web.push`) when there is news
for them.

The log is written by another process (the projection in Rasa, or the log consumer), so
something must look in the database. Each open stream used to, four times a second on the
shared thread pool: a hundred open widgets were four hundred queries a second, and one
cookie could open any number. Now one task asks the services' `ChangeFeed` every
CSBOT_STREAM_CHECK_S what came after the newest message and ticket event it saw, and wakes
only the streams waiting on a conversation that got a message, or on TICKETS (the console's
queue) when a ticket changed; those then read what is new for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator

from aiohttp import web

from bot.conversations.changes import ChangeFeed, Changes, Mark
from bot.outages import DatabaseUnavailable
from bot.web.keys import NOTIFIER, SERVICES, SETTINGS

log = logging.getLogger(__name__)
TICKETS = "tickets"  # the topic of any ticket change: created, taken, corrected, resolved...


def topics(changes: Changes) -> set[str]:
    """The topics with news: each conversation that got a message, and TICKETS."""
    return set(changes.conversations) | ({TICKETS} if changes.tickets else set())


class Notifier:
    def __init__(self, feed: ChangeFeed, every_s: float) -> None:
        self._feed = feed
        self._every_s = every_s
        # Only topics someone waits on: a stream that ends drops its event, and the entry.
        self._waiting: weakref.WeakValueDictionary[str, asyncio.Event] = (
            weakref.WeakValueDictionary()
        )
        self._seen: Mark | None = None
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
            changes = await asyncio.to_thread(self._feed.since, self._seen)
        except DatabaseUnavailable as exc:  # streams wait, then it looks again
            log.warning("push notifier: %s", exc.reason)
            return
        self._seen = changes.mark
        for topic in topics(changes):
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


async def polling(app: web.Application) -> AsyncIterator[None]:
    """The app's one notifier, polling while the app runs (`cleanup_ctx`); where to start
    is marked before the first stream opens."""
    notifier = Notifier(app[SERVICES].changes, app[SETTINGS].stream_check_s)
    app[NOTIFIER] = notifier
    await notifier.check()
    task = asyncio.create_task(notifier.run())
    yield
    notifier.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
