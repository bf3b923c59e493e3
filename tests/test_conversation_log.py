"""The conversation log stores each event once, in order, through database outages."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.conversations.log import BufferedWriter, ConversationLog
from bot.conversations.models import Conversation, LoggedEvent, Message
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


def test_nothing_is_lost_or_duplicated_while_the_database_is_down(db_url):
    engine = make_engine(db_url)
    create_schema(engine)
    outage = {"left": 5}

    @event.listens_for(engine, "before_cursor_execute")
    def unavailable(conn, cursor, statement, parameters, context, executemany):
        if outage["left"] and statement.lstrip().upper().startswith("INSERT"):
            outage["left"] -= 1
            raise OperationalError(statement, parameters, Exception("server closed the connection"))

    writer = BufferedWriter(ConversationLog(engine), retry_initial=0.01, retry_max=0.05)
    events = rasa_events("c1") + rasa_events("c2", start=1_780_000_100.0)
    for e in events:
        writer.put(e)
    assert writer.flush(timeout=20)
    writer.close()
    assert writer.failures == 5
    with Session(engine) as session:
        rows = session.execute(
            select(LoggedEvent.conversation_id, LoggedEvent.seq, LoggedEvent.type).order_by(
                LoggedEvent.conversation_id, LoggedEvent.seq
            )
        ).all()
    expected = [(c, i, e["event"]) for c in ("c1", "c2") for i, e in enumerate(rasa_events(c), 1)]
    assert rows == expected
