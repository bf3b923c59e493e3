"""Rasa's tracker store for csbot: every conversation kept in csbot's database.

    tracker_store:
      type: bot.conversations.tracker_store.DurableTrackerStore
      url: postgresql://user:password@host/db   # optional; CSBOT_DATABASE_URL by default

With it a Rasa restart forgets nothing: a verified customer, a form half filled, the pause
that keeps the bot quiet while an agent owns the conversation all come back from the
database. It is Rasa's own `SQLTrackerStore` (same `events` table, one row per event, same
queries) with four changes:

- csbot's engine (`make_engine`) and URL: SQLite by default, sharing `var/csbot.db` with
  csbot's tables in WAL mode with a busy timeout, or PostgreSQL by URL (Rasa's `sql` type
  would need the URL split into dialect/host/db/username);
- every database call runs in a worker thread, not on Rasa's event loop;
- a call that fails for a reason a retry can fix (database locked or down) is retried with
  backoff, for at most a quarter of Rasa's lock lifetime (`TICKET_LOCK_LIFETIME`, 60 s by
  default; 15 s with replicas): a turn reads and saves its conversation inside Rasa's lock
  on it, and a save still retrying when the lock expired would let the customer's next
  message run beside it on the conversation as it was before (two turns of one
  conversation at once). A read and a save together stay under half the lifetime, leaving
  the rest for the turn's own work. Past that, Rasa's `FailSafeTrackerStore` keeps the turn
  in memory only (lost on a restart) or, on a failed read, starts the conversation afresh:
  a stall that long loses a turn rather than interleaving two;
- it hosts the `LogProjector` that keeps the conversation log caught up with the `events`
  table, and wakes it after each save; unless CSBOT_RABBITMQ_URL is set: then Rasa's Pika
  event broker carries the events to RabbitMQ and `csbot log-consumer` is the log's one
  writer (`bot.conversations.log_consumer`). The broker gets a turn's events once they are
  committed here (Rasa's `stream_events` publishes before saving, after a read of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any, TypeVar

from rasa.core import lock_store
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.conversations.projection import LogProjector
from bot.conversations.tracker_events import TRACKER_EVENTS
from bot.outages import transient
from bot.privacy.redact import default_redactor
from bot.runtime.database import make_engine
from bot.runtime.revisions import require_head
from bot.runtime.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
STARTUP_PATIENCE_S = 60.0
LOCK_SHARE = 0.25  # of Rasa's lock lifetime, for one read or one save (see above)
SCHEMA_LOCK_KEY = 0x637362_6F74  # any fixed number: csbot's advisory lock for creating tables


def _retry_sync(work: Callable[[], T], patience_s: float, what: str) -> T:
    """Run `work`, retrying transient database errors for up to `patience_s` seconds."""
    deadline, delay = time.monotonic() + patience_s, 0.5
    while True:
        try:
            return work()
        except Exception as exc:
            if not transient(exc) or time.monotonic() + delay > deadline:
                raise
            log.warning("%s: database unavailable (%s); retrying", what, type(exc).__name__)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def patience(rasa_timeout_s: float, lock_lifetime_s: float) -> float:
    """How long one read or save retries: a share of the conversation lock's lifetime, and
    never more than three times the web app's wait for Rasa."""
    return min(3 * rasa_timeout_s, LOCK_SHARE * lock_lifetime_s)


@contextlib.contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time creates tables: Rasa replicas starting together
    on a fresh database would otherwise both CREATE TABLE events, and one fail. (SQLite
    serialises writers itself.)"""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        yield


class DurableTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` on csbot's database, patient with outages, feeding the log."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: Any = None,
        **kwargs: Any,
    ) -> None:
        settings = Settings.from_env()
        self.engine = make_engine(host or settings.database_url)
        # Read when Rasa opens the store: the lifetime its lock store gives every lock.
        self.patience_s = patience(settings.rasa_timeout_s, lock_store.LOCK_LIFETIME)
        self.monotonic: Callable[[], float] = time.monotonic  # tests pass a fake clock
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        _retry_sync(self._create_tables, STARTUP_PATIENCE_S, "tracker store start-up")
        self.sessionmaker = sessionmaker(bind=self.engine)
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        self.projector: LogProjector | None = None
        if not settings.rabbitmq_url:  # with RabbitMQ the log consumer writes the log
            # Load the redaction stack (presidio, spaCy) here, before the projector's thread
            # needs it: importing spaCy in that thread while Rasa loads the model (which
            # imports spaCy too) failed both imports in a restarted replica, dead-lettering
            # events and leaving it without a model.
            default_redactor()
            self.projector = LogProjector(self.engine)
            self.projector.start()

    def _create_tables(self) -> None:
        """Rasa's own tables, on a database whose csbot schema (the log's cursor included) is
        at head already: migrating is `csbot migrate`'s step, so Rasa refuses to start on
        another revision (`SchemaNotCurrent`, not retried) instead of migrating it."""
        require_head(self.engine.url.render_as_string(hide_password=False))
        with schema_lock(self.engine):
            TRACKER_EVENTS.create(self.engine, checkfirst=True)  # `events`, ids never reused
            self.Base.metadata.create_all(self.engine)  # anything else of Rasa's (none in 3.6)

    async def _patiently(self, work: Callable[[], T], what: str) -> T:
        """Run blocking `work` in a thread, retrying transient database errors."""
        deadline, delay = self.monotonic() + self.patience_s, 0.2
        while True:
            started = self.monotonic()
            try:
                return await asyncio.to_thread(work)
            except Exception as exc:
                # The next try must end by the deadline too, and may take as long as this
                # one did (SQLite's busy timeout alone is 10 s).
                took = self.monotonic() - started
                if not transient(exc) or self.monotonic() + delay + took > deadline:
                    raise
                log.warning("%s: database unavailable (%s); retrying", what, type(exc).__name__)
                await self.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def save(self, tracker: DialogueStateTracker) -> None:
        saved = await self._patiently(
            lambda: self._save_new_events(tracker), "saving a conversation"
        )
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, saved, tracker.sender_id)
        if self.projector is not None:
            self.projector.wake()

    def _save_new_events(self, tracker: DialogueStateTracker) -> list[Event]:
        """SQLTrackerStore.save's body: the events not stored yet, in one transaction (so a
        retry after a failure stores exactly those again); returns them."""
        with self.session_scope() as session:
            stored = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).count()
            new = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            for event in new:
                data = event.as_dict()
                intent = data.get("parse_data", {}).get("intent", {}).get("name")
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        return new

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        events = await self._patiently(
            lambda: self._load_events(sender_id, fetch_events_from_all_sessions),
            "reading a conversation",
        )
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _load_events(self, sender_id: str, all_sessions: bool) -> list[dict[str, Any]]:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, all_sessions).all()
            return [json.loads(row.data) for row in rows]

    async def keys(self) -> Iterable[str]:
        def load() -> list[str]:
            with self.session_scope() as session:
                return [s for (s,) in session.query(self.SQLEvent.sender_id).distinct()]

        return await self._patiently(load, "listing conversations")
