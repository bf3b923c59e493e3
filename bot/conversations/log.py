"""The conversation log: every Rasa event stored once, in order, and projected into messages.

`ConversationLog.write` stores one event in one transaction, skipping an event it already has
(same conversation and content digest), so a retry after an unclear failure never duplicates.
`BufferedWriter` feeds it from a queue on a background thread and retries while the database
is unavailable, so Rasa never waits on the database and nothing is dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot.conversations.models import Conversation, LoggedEvent, Message
from bot.privacy.redact import redact_event

log = logging.getLogger(__name__)
RETRIEVAL_SLOTS = {"faq_candidates", "faq_best_score"}
Event = dict[str, Any]


def digest(event: Event) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()


def _when(event: Event) -> datetime:
    return datetime.utcfromtimestamp(float(event.get("timestamp") or time.time()))


class ConversationLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, event: Event) -> bool:
        """Store one event, personal data redacted, and its projection; False if it was
        already stored."""
        event = redact_event(event)
        sender = str(event["sender_id"])
        key = digest(event)
        when = _when(event)
        with Session(self.engine) as session, session.begin():
            conversation = session.get(Conversation, sender, with_for_update=True)
            if conversation is None:
                conversation = Conversation(id=sender, started_at=when, last_activity_at=when)
                session.add(conversation)
                session.flush()
            seen = select(LoggedEvent.id).where(
                LoggedEvent.conversation_id == sender, LoggedEvent.digest == key
            )
            if session.execute(seen).first():
                return False
            last_seq = session.execute(
                select(func.max(LoggedEvent.seq)).where(LoggedEvent.conversation_id == sender)
            ).scalar()
            row = LoggedEvent(
                conversation_id=sender,
                seq=(last_seq or 0) + 1,
                type=str(event.get("event")),
                timestamp=float(event.get("timestamp") or 0),
                digest=key,
                payload=event,
            )
            session.add(row)
            session.flush()
            conversation.last_activity_at = max(conversation.last_activity_at, when)
            self._project(session, conversation, row, event, when)
        return True

    def _project(
        self,
        session: Session,
        conversation: Conversation,
        row: LoggedEvent,
        event: Event,
        when: datetime,
    ) -> None:
        kind = event.get("event")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            conversation.channel = conversation.channel or event.get("input_channel")
            session.add(
                Message(
                    conversation_id=conversation.id,
                    event_id=row.id,
                    sender="customer",
                    text=event.get("text"),
                    intent=intent.get("name"),
                    confidence=intent.get("confidence"),
                    entities=parse.get("entities") or [],
                    created_at=when,
                )
            )
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            agent_id = metadata.get("agent_id")
            session.add(
                Message(
                    conversation_id=conversation.id,
                    event_id=row.id,
                    sender="agent" if agent_id else "bot",
                    agent_id=agent_id,
                    text=event.get("text"),
                    buttons=(event.get("data") or {}).get("buttons"),
                    action=None if agent_id else self._last_action(session, conversation.id),
                    latency_ms=self._latency_ms(session, conversation.id, when),
                    created_at=when,
                )
            )
        elif kind == "slot" and event.get("name") in RETRIEVAL_SLOTS:
            self._attach_retrieval(session, conversation.id, event["name"], event.get("value"))
        elif kind == "slot" and event.get("name") == "verified_customer" and event.get("value"):
            conversation.customer_email = event["value"]
        elif kind == "pause":
            conversation.status = "handoff"
        elif kind == "resume" and conversation.status == "handoff":
            conversation.status = "bot"

    @staticmethod
    def _last_action(session: Session, conversation_id: str) -> str | None:
        query = (
            select(LoggedEvent.payload)
            .where(LoggedEvent.conversation_id == conversation_id, LoggedEvent.type == "action")
            .order_by(LoggedEvent.seq.desc())
            .limit(1)
        )
        payload = session.execute(query).scalar()
        return payload.get("name") if payload else None

    @staticmethod
    def _latency_ms(session: Session, conversation_id: str, when: datetime) -> float | None:
        query = (
            select(Message.created_at)
            .where(Message.conversation_id == conversation_id, Message.sender == "customer")
            .order_by(Message.id.desc())
            .limit(1)
        )
        asked = session.execute(query).scalar()
        return (when - asked).total_seconds() * 1000 if asked else None

    @staticmethod
    def _attach_retrieval(session: Session, conversation_id: str, name: str, value: Any) -> None:
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.sender == "bot")
            .order_by(Message.id.desc())
            .limit(1)
        )
        message = session.execute(query).scalar()
        if message is not None:
            message.retrieval = {**(message.retrieval or {}), name: value}


class BufferedWriter:
    """Queue + background thread in front of ConversationLog, retrying through outages."""

    def __init__(
        self, conversation_log: ConversationLog, retry_initial: float = 0.2, retry_max: float = 5.0
    ) -> None:
        self.log = conversation_log
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.queue: queue.Queue[Event | None] = queue.Queue()
        self.failures = 0  # database errors seen (and retried)
        self._thread = threading.Thread(target=self._run, name="conversation-log", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def put(self, event: Event) -> None:
        self.queue.put(dict(event))

    def _write_until_stored(self, event: Event) -> None:
        delay = self.retry_initial
        while True:
            try:
                self.log.write(event)
                return
            except (OperationalError, DBAPIError) as exc:
                self.failures += 1
                log.warning("conversation log: database unavailable (%s); retrying", exc)
                time.sleep(delay)
                delay = min(delay * 2, self.retry_max)

    def _run(self) -> None:
        while True:
            event = self.queue.get()
            try:
                if event is None:
                    return
                self._write_until_stored(event)
            except Exception:  # a malformed event must not stop the log for everyone
                log.exception("conversation log: could not store event %r", event)
            finally:
                self.queue.task_done()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued so far is stored (or `timeout` passes)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self.queue.unfinished_tasks

    def close(self, timeout: float = 30.0) -> None:
        self.flush(timeout)
        self.queue.put(None)
        self._thread.join(timeout)
