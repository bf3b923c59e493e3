"""How one event enters the conversation log: stored once, or kept in `dead_letters`.

Both ways the log is fed go through `log_event`: the projector
(`bot.conversations.projection`, rows of Rasa's `events` after its cursor) and the log
consumer (`bot.conversations.log_consumer`, messages from RabbitMQ). So they share one rule
for failures, retried only when a retry can fix it:
- the database is unavailable or locked (`OperationalError`, a dropped connection): the error
  propagates, the caller waits and tries the same event again; nothing after it is skipped;
- anything else (the event breaks a constraint, e.g. a `bot` event naming an agent that does
  not exist, or cannot be read): the event goes to `dead_letters` with its error, redacted,
  and the caller moves on to the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.conversations.cursor import Moved
from bot.conversations.log import ConversationLog
from bot.conversations.models import DeadLetter
from bot.outages import transient
from bot.privacy.redact import redact

log = logging.getLogger(__name__)
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
    except Moved:
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
