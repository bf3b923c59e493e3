"""The ticket desk without a web app or a Rasa stand-in: what the customer is told, in what
order, what is recorded, and what an agent is shown when the chat cannot be told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.conversations.models import Conversation, LoggedEvent, Message
from bot.support.desk import (
    ASK_RATING,
    LISTEN,
    PAUSE,
    RESUME,
    ChatUnavailable,
    TakeOutcome,
)
from bot.support.lifecycle import TicketError
from tests.conftest import Clock

PASSWORD = "correct horse battery"


class FakeChat:
    """Stands in for Rasa: keeps what it was told; `down` makes every call fail."""

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.told: list[tuple] = []

    async def append(self, conversation_id: str, events: list[dict]) -> None:
        if self.down:
            raise ChatUnavailable()
        self.told.append(("append", conversation_id, events))

    async def run_action(self, conversation_id: str, action: str) -> None:
        if self.down:
            raise ChatUnavailable()
        self.told.append(("run", conversation_id, action))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def desk(db_url, clock):
    from tests.conftest import keyword_classifier, open_services

    services = open_services(db_url, clock=clock, classifier=keyword_classifier)
    yield services
    services.engine.dispose()


@pytest.fixture
def alex(desk):
    return desk.agents.create("alex", "Alex", PASSWORD, skills=["billing", "orders"])


def billing_ticket(services, conversation: str = "conv-1"):
    lines = [("customer", "I was charged twice for my order")]
    opened = services.escalation.open(conversation, "customer_request", lines)
    return services.tickets.latest(conversation), opened.ticket_id


def messenger_ticket(services, clock, customer_wrote_ago: timedelta):
    """A Messenger conversation whose customer last wrote that long before the clock's now."""
    when = clock.now - customer_wrote_ago
    with Session(services.engine) as session, session.begin():
        session.add(Conversation(id="psid-1", channel="facebook", started_at=when,
                                 last_activity_at=when))  # fmt: skip
        event = LoggedEvent(conversation_id="psid-1", seq=1, type="user",
                            timestamp=when.timestamp(), digest="d1", payload={})  # fmt: skip
        session.add(event)
        session.flush()
        session.add(Message(conversation_id="psid-1", event_id=event.id, sender="customer",
                            text="my parcel is late", created_at=when))  # fmt: skip
    services.escalation.open("psid-1", "customer_request", [("customer", "charged twice")])
    return services.tickets.latest("psid-1")


def audited(services) -> list[tuple[str, int | None, dict | None]]:
    entries, _ = services.audit.page()
    return sorted((e.action, e.ticket_id, e.detail) for e in entries)


async def test_taking_pauses_the_bot_and_tells_the_customer_who_joined(desk, alex):
    ticket, ticket_id = billing_ticket(desk)
    chat = FakeChat()
    taken = await desk.desk.take(ticket, alex, chat)
    assert (taken.outcome, taken.problem, taken.ticket.agent_id) == (
        TakeOutcome.JOINED,
        None,
        alex.id,
    )
    joined = {
        "event": "bot",
        "text": "Alex from the Kettle & Volt team has joined the chat.",
        "metadata": {"agent_id": alex.id, "agent_name": "Alex"},
    }
    assert chat.told == [("append", "conv-1", [PAUSE, joined])]
    assert audited(desk) == [("take", ticket_id, None)]
    again = await desk.desk.take(ticket, alex, chat)  # a second click: nothing new to say
    assert again.outcome is TakeOutcome.ALREADY_YOURS and len(chat.told) == 1


async def test_a_ticket_taken_while_the_chat_is_down_stays_taken_and_says_so(desk, alex):
    ticket, ticket_id = billing_ticket(desk)
    taken = await desk.desk.take(ticket, alex, FakeChat(down=True))
    assert taken.outcome is TakeOutcome.CHAT_DOWN
    assert taken.problem == "The chat server did not answer; the customer was not told. Try again."
    assert desk.tickets.latest("conv-1").agent_id == alex.id
    assert audited(desk) == [("take", ticket_id, None)]


async def test_outside_messengers_window_the_bot_pauses_and_the_agent_is_told_why(
    desk, alex, clock
):
    ticket = messenger_ticket(desk, clock, timedelta(days=8))
    chat = FakeChat()
    taken = await desk.desk.take(ticket, alex, chat)
    assert taken.outcome is TakeOutcome.PAUSED_UNTOLD and "7 days" in taken.problem
    assert chat.told == [("append", "psid-1", [PAUSE])]


async def test_a_late_messenger_reply_carries_the_human_agent_tag(desk, alex, clock):
    ticket = messenger_ticket(desk, clock, timedelta(hours=30))
    chat = FakeChat()
    await desk.desk.take(ticket, alex, chat)
    await desk.desk.reply(ticket, alex, "Sorry for the wait", chat)
    (_, _, [said]) = chat.told[-1]
    assert said["text"] == "Sorry for the wait"
    assert said["metadata"] == {
        "agent_id": alex.id,
        "agent_name": "Alex",
        "messenger_tag": "HUMAN_AGENT",
    }
    replied = desk.tickets.latest("psid-1")
    assert replied.first_response_at == clock.now
    assert ("reply", ticket.id, {"chars": 18}) in audited(desk)


async def test_a_reply_before_taking_tells_nobody_and_records_nothing(desk, alex):
    ticket, _ = billing_ticket(desk)
    chat = FakeChat()
    with pytest.raises(TicketError, match=f"take ticket #{ticket.id} first"):
        await desk.desk.reply(ticket, alex, "hello", chat)
    assert chat.told == [] and audited(desk) == []


async def test_resolving_says_goodbye_hands_back_and_asks_for_a_rating(desk, alex):
    ticket, ticket_id = billing_ticket(desk)
    chat = FakeChat()
    await desk.desk.take(ticket, alex, chat)
    resolved = await desk.desk.resolve(ticket, alex, chat)
    assert resolved.said_goodbye and resolved.ticket.status == "resolved"
    goodbye = {
        "event": "bot",
        "text": "Alex has marked this as solved and left the chat.",
        "metadata": {"agent_id": alex.id, "agent_name": "Alex"},
    }
    assert chat.told[1:] == [
        ("append", "conv-1", [goodbye, RESUME]),
        ("run", "conv-1", ASK_RATING),
        ("append", "conv-1", [LISTEN]),
    ]
    assert audited(desk) == [("resolve", ticket_id, None), ("take", ticket_id, None)]


async def test_nothing_is_resolved_while_the_chat_is_down_or_by_another_agent(desk, alex):
    jo = desk.agents.create("jo", "Jo", PASSWORD, skills=["billing"])
    ticket, _ = billing_ticket(desk)
    await desk.desk.take(ticket, alex, FakeChat())
    with pytest.raises(ChatUnavailable):
        await desk.desk.resolve(ticket, alex, FakeChat(down=True))
    chat = FakeChat()
    with pytest.raises(TicketError, match="is Alex's; ask an admin to reassign it"):
        await desk.desk.resolve(ticket, jo, chat)
    assert chat.told == []
    assert desk.tickets.latest("conv-1").status == "assigned"


async def test_corrections_and_reassignments_are_audited_with_before_and_after(desk, alex):
    sam = desk.agents.create("sam", "Sam", PASSWORD, role="admin")
    ticket, ticket_id = billing_ticket(desk)
    await desk.desk.correct(ticket, alex, "billing", "urgent")
    with pytest.raises(TicketError, match="unknown category or priority"):
        await desk.desk.correct(ticket, alex, "billing", "whenever")
    moved = await desk.desk.reassign(ticket, sam, alex.id)
    assert moved.agent_id == alex.id
    assert audited(desk) == [
        (
            "correct",
            ticket_id,
            {
                "before": {"category": "billing", "priority": "normal"},
                "after": {"category": "billing", "priority": "urgent"},
            },
        ),
        ("reassign", ticket_id, {"from": None, "to": alex.id}),
    ]
