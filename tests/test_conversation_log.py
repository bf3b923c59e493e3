"""The conversation log stores each event once, in order: projected from Rasa's tracker
store, through database outages, past poison events, by several projectors at once."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.conversations.health import log_health
from bot.conversations.log import ConversationLog, digest
from bot.conversations.models import Conversation, DeadLetter, LogCursor, LoggedEvent, Message
from bot.conversations.projection import LogProjector
from bot.conversations.tracker_events import TRACKER_EVENTS
from bot.runtime.database import create_schema, make_engine


def rasa_events(sender: str, start: float = 1_780_000_000.0) -> list[dict]:
    """What Rasa publishes for one turn: user, action, bot, slots, listen."""
    return [
        {
            "sender_id": sender,
            "event": "action",
            "name": "action_session_start",
            "timestamp": start,
        },
        {
            "sender_id": sender,
            "event": "user",
            "text": "can I pay with paypal?",
            "timestamp": start + 1,
            "input_channel": "rest",
            "parse_data": {
                "intent": {"name": "payment_methods", "confidence": 0.93},
                "entities": [],
            },
        },
        {
            "sender_id": sender,
            "event": "action",
            "name": "action_answer_faq",
            "timestamp": start + 1.2,
        },
        {
            "sender_id": sender,
            "event": "bot",
            "text": "Yes, PayPal works.",
            "timestamp": start + 1.25,
        },
        {
            "sender_id": sender,
            "event": "slot",
            "name": "faq_candidates",
            "value": ["faq:payments-paypal"],
            "timestamp": start + 1.25,
        },
        {
            "sender_id": sender,
            "event": "slot",
            "name": "faq_best_score",
            "value": 0.81,
            "timestamp": start + 1.25,
        },
        {"sender_id": sender, "event": "action", "name": "action_listen", "timestamp": start + 1.3},
        {"sender_id": sender, "event": "pause", "timestamp": start + 2},
    ]


def test_events_are_stored_once_in_order_and_projected(db_url):
    engine = make_engine(db_url)
    create_schema(engine)
    log = ConversationLog(engine)
    events = rasa_events("c1")
    assert [log.write(e) for e in events] == [True] * len(events)
    assert [log.write(e) for e in events] == [False] * len(events)  # a replay adds nothing
    with Session(engine) as session:
        stored = session.execute(select(LoggedEvent).order_by(LoggedEvent.seq)).scalars().all()
        messages = session.execute(select(Message).order_by(Message.id)).scalars().all()
        conversation = session.get(Conversation, "c1")
    assert [(e.seq, e.type) for e in stored] == [(i, e["event"]) for i, e in enumerate(events, 1)]
    customer, bot = messages
    assert (customer.sender, customer.intent, customer.confidence) == (
        "customer",
        "payment_methods",
        0.93,
    )
    assert (bot.sender, bot.action, round(bot.latency_ms)) == ("bot", "action_answer_faq", 250)
    assert bot.retrieval == {"faq_candidates": ["faq:payments-paypal"], "faq_best_score": 0.81}
    assert (conversation.channel, conversation.status) == ("rest", "handoff")


def tracker_rows(engine, events: list[dict]) -> None:
    """Store events the way Rasa's SQL tracker store does: one `events` row each, the event
    without its sender as JSON in `data`."""
    TRACKER_EVENTS.create(engine, checkfirst=True)
    with engine.begin() as connection:
        for e in events:
            data = {k: v for k, v in e.items() if k != "sender_id"}
            connection.execute(
                insert(TRACKER_EVENTS).values(
                    sender_id=e["sender_id"],
                    type_name=e["event"],
                    timestamp=e.get("timestamp"),
                    intent_name=None,
                    action_name=e.get("name"),
                    data=json.dumps(data),
                )
            )


def logged(engine) -> list[tuple]:
    with Session(engine) as session:
        return session.execute(
            select(LoggedEvent.conversation_id, LoggedEvent.seq, LoggedEvent.type).order_by(
                LoggedEvent.conversation_id, LoggedEvent.seq
            )
        ).all()


def expected_rows(*senders: str) -> list[tuple]:
    return [(c, i, e["event"]) for c in senders for i, e in enumerate(rasa_events(c), 1)]


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    create_schema(engine)
    yield engine
    engine.dispose()


def test_the_log_catches_up_with_the_tracker_store_once_and_in_order(engine):
    tracker_rows(engine, rasa_events("c1") + rasa_events("c2", start=1_780_000_100.0))
    projector = LogProjector(engine)
    assert projector.catch_up(timeout=20)
    assert logged(engine) == expected_rows("c1", "c2")
    assert log_health(engine).backlog == 0
    # a replay from the start (a lost cursor) adds nothing: the digest dedupes
    with engine.begin() as connection:
        connection.execute(update(LogCursor).values(position=0))
    assert LogProjector(engine).catch_up(timeout=20)
    assert logged(engine) == expected_rows("c1", "c2")


def test_events_the_old_broker_logged_are_not_logged_again(engine):
    """The broker published {"sender_id", **event.as_dict()}; a tracker-store row rebuilds
    exactly that, so the digest matches and a conversation logged before the upgrade is not
    duplicated when the projector meets its events."""
    log = ConversationLog(engine)
    for e in rasa_events("c1")[:4]:
        log.write(dict(e))
    tracker_rows(engine, rasa_events("c1"))
    assert LogProjector(engine).catch_up(timeout=20)
    assert logged(engine) == expected_rows("c1")
    with Session(engine) as session:
        digests = session.execute(select(LoggedEvent.digest).order_by(LoggedEvent.seq)).scalars()
        assert digests.all() == [digest(e) for e in rasa_events("c1")]


def test_nothing_is_lost_or_duplicated_while_the_database_is_down(engine):
    tracker_rows(engine, rasa_events("c1") + rasa_events("c2", start=1_780_000_100.0))
    outage = {"left": 5}

    @event.listens_for(engine, "before_cursor_execute")
    def unavailable(conn, cursor, statement, parameters, context, executemany):
        if outage["left"] and statement.lstrip().upper().startswith("INSERT"):
            outage["left"] -= 1
            raise OperationalError(statement, parameters, Exception("server closed the connection"))

    projector = LogProjector(engine, retry_initial=0.01, retry_max=0.05)
    assert projector.catch_up(timeout=20)
    assert (projector.failures, projector.dead_lettered) == (5, 0)
    assert logged(engine) == expected_rows("c1", "c2")


def poison(sender: str = "poison") -> dict:
    """A message 'from an agent' that does not exist: the log's foreign key refuses it."""
    return {
        "sender_id": sender,
        "event": "bot",
        "text": "Hello from nobody",
        "timestamp": 1_780_000_000.0,
        "metadata": {"agent_id": 999_999, "agent_name": "Nobody"},
    }


def hundred_messages(sender: str = "other") -> list[dict]:
    events = []
    for i in range(50):
        t = 1_780_000_010.0 + i
        events.append(
            {"sender_id": sender, "event": "user", "text": f"question {i}", "timestamp": t}
        )
        events.append(
            {"sender_id": sender, "event": "bot", "text": f"answer {i}", "timestamp": t + 0.5}
        )
    return events


def test_a_poison_event_is_dead_lettered_and_the_100_messages_after_it_are_logged(engine):
    tracker_rows(engine, [poison(), *hundred_messages()])
    projector = LogProjector(engine, retry_initial=0.01)
    started = time.monotonic()
    assert projector.catch_up(timeout=30)
    assert time.monotonic() - started < 30
    with Session(engine) as session:
        texts = (
            session.execute(
                select(Message.text).where(Message.conversation_id == "other").order_by(Message.id)
            )
            .scalars()
            .all()
        )
        letters = session.execute(select(DeadLetter)).scalars().all()
    assert list(texts) == [e["text"] for e in hundred_messages()]  # 100 of 100, in order
    assert [(d.source_id, d.conversation_id, d.event_type) for d in letters] == [
        (1, "poison", "bot")
    ]
    assert "IntegrityError" in letters[0].error and "999999" in letters[0].payload
    assert (projector.failures, projector.dead_lettered) == (0, 1)  # never retried
    health = log_health(engine)
    assert (health.backlog, health.dead_letters, health.position) == (0, 1, 101)
    assert "event 1 (bot) of conversation poison: IntegrityError" in health.latest_dead_letter


def test_two_projectors_log_each_event_once(engine):
    tracker_rows(engine, [e for i in range(6) for e in rasa_events(f"c{i}", 1_780_000_000.0 + i)])
    projectors = [LogProjector(engine, batch=7, retry_initial=0.01) for _ in range(2)]
    threads = [threading.Thread(target=p.catch_up, args=(60,)) for p in projectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert logged(engine) == expected_rows(*(f"c{i}" for i in range(6)))
    assert sum(p.dead_lettered for p in projectors) == 0


def test_a_gap_in_the_ids_is_waited_for_then_passed(engine):
    """PostgreSQL hands out ids before commit: a gap may be a turn still being saved."""
    tracker_rows(engine, rasa_events("c1")[:3])
    with engine.begin() as connection:
        connection.execute(TRACKER_EVENTS.delete().where(TRACKER_EVENTS.c.id == 2))
    now = {"t": 0.0}
    projector = LogProjector(engine, hole_grace_s=10, clock=lambda: now["t"])
    assert projector.step() == 1  # event 1; event 3 waits for 2
    now["t"] = 5.0
    assert projector.step() == 0
    now["t"] = 10.0
    assert projector.step() == 1  # 2 never came: rolled back
    assert [t for _, _, t in logged(engine)] == ["action", "action"]


def test_the_thread_logs_new_events_when_woken(engine):
    tracker_rows(engine, rasa_events("c1")[:2])
    projector = LogProjector(engine, poll_s=30)
    projector.start()
    try:
        deadline = time.monotonic() + 10
        while len(logged(engine)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        tracker_rows(engine, rasa_events("c1")[2:])
        projector.wake()
        while len(logged(engine)) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        projector.stop()
    assert logged(engine) == expected_rows("c1")
    assert not projector.alive


def test_health_reports_backlog_and_lag(engine):
    tracker_rows(engine, rasa_events("c1"))
    health = log_health(engine, now=1_780_000_200.0)
    assert (health.backlog, health.dead_letters) == (8, 0)
    assert health.oldest_backlog_s == pytest.approx(200.0)
    assert health.problems(backlog_limit=5) == [
        "log backlog 8 events (limit 5)",
        "log 200s behind",
    ]
    assert LogProjector(engine).catch_up(timeout=20)
    assert log_health(engine).problems(backlog_limit=5) == []
