"""The conversation log as a projection of Rasa's tracker store.

Rasa's SQL tracker store (table `events`, written by `bot.conversations.tracker_store`) is the
source of truth: a turn's events are committed there before the customer sees the reply.
`LogProjector` derives the log from it: it reads the rows after a durable cursor
(`log_cursors`) in id order and stores each with `ConversationLog`, moving the cursor in the
same transaction. So each event is logged exactly once and in order, nothing waits in memory
(the backlog is the rows after the cursor, however long the log is down), and a crash loses
nothing: the next start carries on from the cursor.

This module is the loop and its thread: the order (an id not yet committed elsewhere is
waited for, `hole_grace_s`) and the retries with backoff. What it leans on lives beside it:
`tracker_events` (Rasa's table), `cursor` (the cursor and how a transaction claims an
event), `intake` (one event stored, or a poison one kept in `dead_letters`, and which
failures are retried), `health` (what `/api/health` reports about the log).

Several projectors (one per Rasa process) may run at once: each event's transaction first
moves the cursor from the position it read (a conditional UPDATE, which also takes SQLite's
write lock), so exactly one of them stores it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine, Row

from bot.conversations import cursor as cursors
from bot.conversations.intake import DEAD_LETTER, Received, log_event
from bot.conversations.log import ConversationLog
from bot.conversations.tracker_events import TRACKER_EVENTS, tracker_event
from bot.outages import transient

log = logging.getLogger(__name__)


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
        cursor: str = cursors.CURSOR,
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
            position = cursors.position(connection, self.cursor)
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
            except cursors.Moved:
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
            claim=lambda session: cursors.claim(session, expected, row.id, self.cursor),
        )
        self.dead_lettered += outcome == DEAD_LETTER

    def backlog(self) -> int:
        with self.engine.connect() as connection:
            return cursors.backlog(connection, cursors.position(connection, self.cursor))[0]

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
