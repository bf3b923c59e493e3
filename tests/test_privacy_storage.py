"""Personal data typed into the chat never reaches the log, tickets, the classifier's data
or the unanswered-questions table; what lookups need (order numbers, the verified email)
stays."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversations.log import ConversationLog
from bot.conversations.models import Conversation, LoggedEvent, Message, UnansweredQuestion
from bot.shop.demo_data import DEMO_EMAIL
from bot.support.models import Ticket
from bot.support.training_data import corrections

CARD = "4111 1111 1111 1111"
PHONE = "+44 7911 123456"
IBAN = "DE89 3704 0044 0532 0130 00"
SECRETS = (CARD, "4111111111111111", PHONE, IBAN, "Kettle2024!", "sofia.martin@outlook.com")
SAID = (
    f"order 100234: refund to {IBAN} or card {CARD}, call {PHONE}, "
    "my password is Kettle2024! and my email sofia.martin@outlook.com"
)


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def turn(sender: str, start: float = 1_780_000_000.0) -> list[dict]:
    """A customer message full of personal data, the slots it filled, and a bot echo."""
    entities = [
        {"entity": "order_number", "value": "100234"},
        {"entity": "email", "value": "sofia.martin@outlook.com"},
    ]
    return [
        {
            "sender_id": sender,
            "event": "user",
            "text": SAID,
            "timestamp": start,
            "parse_data": {
                "text": SAID,
                "intent": {"name": "order_status", "confidence": 0.9},
                "entities": entities,
            },
        },
        {
            "sender_id": sender,
            "event": "slot",
            "name": "order_number",
            "value": "100234",
            "timestamp": start,
        },
        {
            "sender_id": sender,
            "event": "slot",
            "name": "customer_email",
            "value": "sofia.martin@outlook.com",
            "timestamp": start,
        },
        {
            "sender_id": sender,
            "event": "slot",
            "name": "verified_customer",
            "value": "emma.larsen@example.com",
            "timestamp": start,
        },
        {"sender_id": sender, "event": "bot", "text": "Thanks, noted.", "timestamp": start + 1},
    ]


def test_the_log_stores_events_and_messages_without_personal_data(services):
    log = ConversationLog(services.engine)
    events = turn("c-pii")
    assert [log.write(e) for e in events] == [True] * len(events)
    assert [log.write(e) for e in events] == [False] * len(events)  # still stored once
    with Session(services.engine) as session:
        payloads = session.execute(select(LoggedEvent.payload)).scalars().all()
        messages = session.execute(select(Message).order_by(Message.id)).scalars().all()
        conversation = session.get(Conversation, "c-pii")
    assert _leaks(json.dumps(payloads)) == []
    customer, bot = messages
    assert customer.text == (
        "order 100234: refund to [IBAN] or card [CARD], call [PHONE], "
        "my password is [PASSWORD] and my email [EMAIL]"
    )
    assert [e["value"] for e in customer.entities] == ["100234", "[EMAIL]"]
    assert bot.text == "Thanks, noted."
    slots = {p["name"]: p["value"] for p in payloads if p["event"] == "slot"}
    assert slots == {
        "order_number": "100234",
        "customer_email": "[EMAIL]",
        "verified_customer": "emma.larsen@example.com",
    }
    assert conversation.customer_email == "emma.larsen@example.com"


def test_the_shops_own_words_are_logged_as_said(services):
    """An agent giving the returns desk's number: the customer must see the number."""
    said = "Call our returns desk on 020 7946 0958, or write to returns@kettleandvolt.com"
    event = {"sender_id": "c-agent", "event": "bot", "text": said, "timestamp": 1_780_000_000.0}
    assert ConversationLog(services.engine).write(event)
    with Session(services.engine) as session:
        assert session.execute(select(Message.text)).scalar_one() == said


def test_tickets_store_summary_and_topic_redacted(services):
    lines = [("customer", SAID), ("bot", "Sorry about that."), ("customer", f"pw: hunter2 {CARD}")]
    opened = services.escalation.open("c-ticket", "customer_request", lines)
    with Session(services.engine) as session:
        ticket = session.get(Ticket, opened.ticket_id)
    assert _leaks(ticket.summary) == [] and _leaks(ticket.topic) == []
    assert "hunter2" not in ticket.summary + ticket.topic
    assert "order 100234" in ticket.summary and "[CARD]" in ticket.topic


def test_unanswered_questions_are_stored_redacted(services):
    services.unanswered.record(SAID, 0.2, "faq:x", "escalated", "c-q", "v1")
    with Session(services.engine) as session:
        row = session.execute(select(UnansweredQuestion)).scalar_one()
    assert _leaks(row.text) == [] and "100234" in row.text


def test_classifier_data_is_redacted_even_from_tickets_stored_before(services):
    sam = services.agents.create("sam", "Sam", "correct horse battery", role="admin")
    opened = services.escalation.open("c-old", "customer_request", [("customer", "charged twice")])
    with Session(services.engine) as session, session.begin():
        session.get(Ticket, opened.ticket_id).topic = f"charged twice on {CARD}!"  # pre-redaction
    services.tickets.correct(opened.ticket_id, sam, "billing", "urgent")
    (row,) = corrections(services.engine)
    assert row.text == "charged twice on [CARD]!"


def test_the_running_bot_logs_and_files_without_personal_data(stack):
    """Through Rasa's event broker in the real stack: the order lookup still verifies the
    email, the log keeps only the verified one, and 'delete my data' files a request."""
    import time

    from tests.test_end_to_end import Chat

    chat = Chat(stack.settings.rasa_url)
    chat.text("where is my order 100234?")
    assert "100234" in chat.text(DEMO_EMAIL)
    said = f"my card {CARD} was charged twice, call me on {PHONE}"
    chat.text(said)
    chat.text("please delete all my personal data")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Session(stack.services.engine) as session:
            conversation = session.get(Conversation, chat.sender)
            texts = (
                session.execute(select(Message.text).where(Message.conversation_id == chat.sender))
                .scalars()
                .all()
            )
            payloads = (
                session.execute(
                    select(LoggedEvent.payload).where(LoggedEvent.conversation_id == chat.sender)
                )
                .scalars()
                .all()
            )
        if conversation and "please delete all my personal data" in texts:
            break
        time.sleep(0.3)
    assert conversation.customer_email == DEMO_EMAIL
    assert "my card [CARD] was charged twice, call me on [PHONE]" in texts
    assert _leaks(json.dumps(payloads)) == [] and _leaks(" ".join(t or "" for t in texts)) == []
    (request,) = stack.services.deletion_requests.pending()
    assert (request.conversation_id, request.email, request.email_verified) == (
        chat.sender,
        DEMO_EMAIL,
        True,
    )
