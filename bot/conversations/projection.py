"""The conversation log as a projection of Rasa's tracker store.

Rasa's SQL tracker store (table `events`, written by `bot.conversations.tracker_store`) is the
source of truth: a turn's events are committed there before the customer sees the reply.
`LogProjector` derives the log from it: it reads the rows after a durable cursor
(`log_cursors`) in id order and stores each with `ConversationLog`, moving the cursor in the
same transaction. So each event is logged exactly once and in order, nothing waits in memory
(the backlog is the rows after the cursor, however long the log is down), and a crash loses
nothing: the next start carries on from the cursor.

A failure is retried only when a retry can fix it:
- the database is unavailable or locked (`OperationalError`, a dropped connection): wait,
  with backoff, and try the same event again; nothing after it is skipped;
- anything else (the event breaks a constraint, e.g. a `bot` event naming an agent that does
  not exist, or cannot be read): the event goes to `dead_letters` with its error, and the
  projector moves on to the next one.

Several projectors (one per Rasa process) may run at once: each event's transaction first
moves the cursor from the position it read (a conditional UPDATE, which also takes SQLite's
write lock), so exactly one of them stores it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversations.log import ConversationLog
from bot.conversations.models import DeadLetter, LogCursor
from bot.outages import transient
from bot.privacy.redact import redact

log = logging.getLogger(__name__)
CURSOR = "conversation_log"
MAX_LAG_S = 60.0  # an event unlogged for longer than this means the log is stuck

# Rasa's `events` table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), read-only here.
# It is not one of csbot's models, so the migrations leave it alone. The tracker store
# creates it from this definition (the same columns and index as Rasa's) for one reason:
# AUTOINCREMENT, so SQLite never hands out the id of a deleted row again; the log reads
# rows after its cursor, and a reused id (after a privacy deletion) would never be logged.
TRACKER_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
    sqlite_autoincrement=True,
)


def tracker_event(sender_id: str, data: str) -> dict[str, Any]:
    """A tracker-store row as the event Rasa's broker published: `{"sender_id", **as_dict()}`
    (the row's `data` is `json.dumps(event.as_dict())`), so its digest is the same."""
    return {"sender_id": sender_id, **json.loads(data)}


class _Moved(Exception):
    """Another projector moved the cursor first; re-read it."""


STORED, DUPLICATE, DEAD_LETTER = "stored", "duplicate", "dead letter"


@dataclass(frozen=True)
class Received:
    """An event as it reached the log, before it is read: its JSON text and where it is from."""

    raw: str
    conversation_id: str | None
    event_type: str | None
    source_id: int | None = None  # Rasa's `events.id`; None for a message from RabbitMQ


def log_event(
    engine: Engine,
    conversation_log: ConversationLog,
    received: Received,
    read: Callable[[], dict[str, Any]],
    claim: Callable[[Session], None] | None = None,
) -> str:
    """Store one event (`read()` builds it from `received`) in a transaction of its own, after
    `claim` (the projector moves its cursor there): STORED, or DUPLICATE when the log has it
    already. An event that cannot be read or breaks a constraint goes to `dead_letters`
    (DEAD_LETTER) so it never blocks the ones after it. Transient database errors propagate:
    the caller waits and tries the same event again. Both the projector and
    `bot.conversations.log_consumer` store each event through here."""
    try:
        event = read()
        with Session(engine) as session, session.begin():
            if claim is not None:
                claim(session)
            return STORED if conversation_log.store(session, event) else DUPLICATE
    except _Moved:
        raise
    except Exception as exc:
        if transient(exc):
            raise
        _dead_letter(engine, received, exc, claim)
        return DEAD_LETTER


def _dead_letter(
    engine: Engine,
    received: Received,
    exc: Exception,
    claim: Callable[[Session], None] | None,
) -> None:
    error = f"{type(exc).__name__}: {exc}"[:4000]
    origin = f"event {received.source_id}" if received.source_id is not None else "message"
    log.error(
        "conversation log: %s (%s) of conversation %s not stored, kept in dead_letters: %s",
        origin,
        received.event_type,
        received.conversation_id,
        error.splitlines()[0] if error else "",
    )
    with Session(engine) as session, session.begin():
        if claim is not None:
            claim(session)
        session.add(
            DeadLetter(
                source_id=received.source_id,
                conversation_id=received.conversation_id,
                event_type=received.event_type,
                payload=redact(received.raw),  # kept, but no personal data in it
                error=error,
            )
        )


class LogProjector:
    """Keeps the conversation log caught up with the tracker store, on a thread of its own."""

    def __init__(
        self,
        engine: Engine,
        batch: int = 200,
        poll_s: float = 1.0,
        retry_initial: float = 0.2,
        retry_max: float = 5.0,
        hole_grace_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        cursor: str = CURSOR,
        settle_s: float = 0.0,
    ) -> None:
        """`cursor` names its position in `log_cursors`; `settle_s`: leave events younger
        than this for now (the log consumer's sweep, which the broker normally beats)."""
        self.engine = engine
        self.cursor = cursor
        self.settle_s = settle_s
        self.log = ConversationLog(engine)
        self.batch = batch
        self.poll_s = poll_s
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.hole_grace_s = hole_grace_s
        self.clock = clock
        self.failures = 0  # transient database errors seen (and retried)
        self.dead_lettered = 0
        self._holes: dict[int, float] = {}  # first missing id -> when it was first seen
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one pass -------------------------------------------------------------------------

    def step(self) -> int:
        """Handle the committed events after the cursor, up to one batch; return how many.
        Transient database errors propagate: the caller waits and calls again."""
        events = TRACKER_EVENTS
        with self.engine.connect() as connection:
            position = _position(connection, self.cursor)
            columns = (events.c.id, events.c.sender_id, events.c.type_name, events.c.data)
            rows = connection.execute(
                select(*columns, events.c.timestamp)
                .where(events.c.id > position)
                .order_by(events.c.id)
                .limit(self.batch)
            ).all()
        handled, settled = 0, time.time() - self.settle_s
        for row in rows:
            if self.settle_s and (row.timestamp or 0) > settled:
                break
            if row.id != position + 1 and not self._gap_expired(position + 1):
                break  # an earlier id may still be committing elsewhere (PostgreSQL)
            try:
                self._handle(row, position)
            except _Moved:
                break
            position = row.id
            handled += 1
        self._holes = {start: seen for start, seen in self._holes.items() if start > position}
        return handled

    def _gap_expired(self, missing: int) -> bool:
        """Ids are handed out before commit, so a gap is either a transaction still in flight
        or one that rolled back; after `hole_grace_s` it is taken to be the latter."""
        first_seen = self._holes.setdefault(missing, self.clock())
        return self.clock() - first_seen >= self.hole_grace_s

    def _handle(self, row: Row, expected: int) -> None:
        received = Received(row.data or "", row.sender_id, row.type_name, row.id)
        outcome = log_event(
            self.engine,
            self.log,
            received,
            lambda: tracker_event(row.sender_id, row.data),
            claim=lambda session: _claim(session, expected, row.id, self.cursor),
        )
        self.dead_lettered += outcome == DEAD_LETTER

    def backlog(self) -> int:
        with self.engine.connect() as connection:
            return _backlog(connection, _position(connection, self.cursor))[0]

    def catch_up(self, timeout: float = 30.0) -> bool:
        """Project until nothing is left (True) or `timeout` passes (False), retrying
        through outages. For the CLI and tests; the thread does this continuously."""
        deadline = time.monotonic() + timeout
        delay = self.retry_initial
        while time.monotonic() < deadline:
            try:
                if self.step() == 0 and self.backlog() == 0:
                    return True
                delay = self.retry_initial
            except Exception as exc:
                if not transient(exc):
                    raise
                self.failures += 1
                time.sleep(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            time.sleep(0.02)
        return False

    # --- the thread -----------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="conversation-log", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """New events were committed: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self.retry_initial
        while not self._stop.is_set():
            self._wake.clear()
            try:
                handled = self.step()
                delay = self.retry_initial
            except Exception as exc:  # the thread must outlive any failure
                if transient(exc):
                    self.failures += 1
                    log.warning("conversation log: database unavailable (%s); retrying", exc)
                else:
                    log.exception("conversation log: projection failed; retrying")
                self._stop.wait(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            if handled < self.batch:
                self._wake.wait(self.poll_s)


def _position(connection: Connection, cursor: str = CURSOR) -> int:
    position = connection.execute(
        select(LogCursor.position).where(LogCursor.name == cursor)
    ).scalar()
    return position or 0


def _claim(session: Session, expected: int, new: int, cursor: str = CURSOR) -> None:
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
    raise _Moved


def _backlog(connection: Connection, position: int) -> tuple[int, float | None]:
    """How many tracker-store events are not logged yet, and the oldest one's timestamp."""
    if not connection.dialect.has_table(connection, TRACKER_EVENTS.name):
        return 0, None  # Rasa has not started on this database yet
    count, oldest = connection.execute(
        select(func.count(), func.min(TRACKER_EVENTS.c.timestamp)).where(
            TRACKER_EVENTS.c.id > position
        )
    ).one()
    return count, oldest


@dataclass(frozen=True)
class LogHealth:
    """What `/api/health` and `csbot status` report about the conversation log. With
    RabbitMQ (`bot.conversations.log_consumer.log_status`) the backlog is the queue's depth
    and `broker`/`consumers` say whether anything is consuming it; there is no cursor."""

    position: int | None  # last tracker-store event handled (None: fed by RabbitMQ)
    backlog: int | None  # events not logged yet (None: RabbitMQ did not say)
    oldest_backlog_s: float | None  # age of the oldest of them
    dead_letters: int
    latest_dead_letter: str | None
    broker: str | None = None  # RabbitMQ "up" or "down"; None when the log is projected
    consumers: int | None = None  # log consumers on the queue

    def problems(self, backlog_limit: int, max_lag_s: float = MAX_LAG_S) -> list[str]:
        found = []
        if self.broker == "down":
            found.append("RabbitMQ is not answering (the log's queue is unknown)")
        if self.consumers == 0:
            found.append("no log consumer is reading the queue")
        if self.backlog is None:
            return found
        if self.backlog > backlog_limit:
            found.append(f"log backlog {self.backlog} events (limit {backlog_limit})")
        if self.oldest_backlog_s is not None and self.oldest_backlog_s > max_lag_s:
            found.append(f"log {self.oldest_backlog_s:.0f}s behind")
        return found

    def as_dict(self) -> dict[str, Any]:
        fields = {
            "position": self.position,
            "backlog": self.backlog,
            "oldest_backlog_s": self.oldest_backlog_s,
            "dead_letters": self.dead_letters,
            "latest_dead_letter": self.latest_dead_letter,
        }
        if self.broker is not None:
            fields |= {"broker": self.broker, "consumers": self.consumers}
        return fields


def log_health(engine: Engine, now: float | None = None) -> LogHealth:
    """The log's cursor, backlog and dead letters, from the database alone (any process)."""
    now = time.time() if now is None else now
    with engine.connect() as connection:
        position = _position(connection)
        backlog, oldest = _backlog(connection, position)
        dead = connection.execute(select(func.count()).select_from(DeadLetter)).scalar()
        latest = connection.execute(
            select(
                DeadLetter.source_id,
                DeadLetter.event_type,
                DeadLetter.conversation_id,
                DeadLetter.error,
            )
            .order_by(DeadLetter.id.desc())
            .limit(1)
        ).first()
    latest_text = None
    if latest is not None:
        origin = "message" if latest.source_id is None else f"event {latest.source_id}"
        latest_text = (
            f"{origin} ({latest.event_type}) of conversation "
            f"{latest.conversation_id}: {latest.error.splitlines()[0][:300]}"
        )
    return LogHealth(
        position=position,
        backlog=backlog,
        oldest_backlog_s=None if oldest is None else max(0.0, now - oldest),
        dead_letters=dead or 0,
        latest_dead_letter=latest_text,
    )
