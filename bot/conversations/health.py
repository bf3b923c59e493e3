"""The conversation log's health: its cursor, backlog, lag and dead letters.

Read from the database alone, so any process can say whether the log is keeping up: the web
app's `/api/health` (through `bot.conversations.log_monitor`) and `csbot status`. With
RabbitMQ, `bot.conversations.log_consumer.log_status` fills in the queue's side.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.conversations import cursor
from bot.conversations.models import DeadLetter

MAX_LAG_S = 60.0  # an event unlogged for longer than this means the log is stuck


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
        position = cursor.position(connection)
        backlog, oldest = cursor.backlog(connection, position)
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
