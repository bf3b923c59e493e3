"""Chat with the real trained bot over HTTP: Rasa + action server + demo database."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversations.models import LoggedEvent
from bot.runtime.settings import Settings
from bot.runtime.tokens import rasa_token
from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_DELIVERED, DEMO_ORDER_IN_TRANSIT
from bot.shop.models import ReturnRequest

pytestmark = pytest.mark.slow


def token() -> dict[str, str]:
    """Rasa's API token as a query parameter: the stack's, from this checkout's var/."""
    return {"token": rasa_token(Settings.from_env())}


class Chat:
    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> list[dict]:
        response = requests.post(
            self.url, json={"sender": self.sender, "message": text}, params=token(), timeout=60
        )
        response.raise_for_status()
        return response.json()

    def text(self, text: str) -> str:
        return " ".join(m.get("text") or "" for m in self.say(text))


def test_order_lookup_form_from_start_to_finish(stack):
    chat = Chat(stack.settings.rasa_url)
    assert "email" in chat.text(f"where is my order {DEMO_ORDER_IN_TRANSIT}?")
    assert "couldn't find order" in chat.text("mallory@example.org")
    reply = chat.text(DEMO_EMAIL)
    order = stack.services.orders.lookup(DEMO_ORDER_IN_TRANSIT, DEMO_EMAIL).order
    assert f"Order #{DEMO_ORDER_IN_TRANSIT}" in reply
    assert "has shipped" in reply and order.tracking_number in reply


def test_order_lookup_asks_for_the_number_first(stack):
    chat = Chat(stack.settings.rasa_url)
    assert "order number" in chat.text("I want to track my order")
    assert "email" in chat.text(str(DEMO_ORDER_IN_TRANSIT))
    assert f"Order #{DEMO_ORDER_IN_TRANSIT}" in chat.text(DEMO_EMAIL)


def test_return_request_ends_with_an_rma_stored_in_the_database(stack):
    chat = Chat(stack.settings.rasa_url)
    chat.say("I want to return an item")
    chat.say(str(DEMO_ORDER_DELIVERED))
    replies = chat.say(DEMO_EMAIL)
    buttons = [b for m in replies for b in m.get("buttons") or []]
    assert len(buttons) == 2
    assert "Why are you returning it" in chat.text(buttons[0]["payload"])
    reply = chat.text("Doesn't work properly")
    assert f"RMA-{DEMO_ORDER_DELIVERED}-" in reply
    with Session(stack.services.engine) as session:
        row = session.execute(
            select(ReturnRequest).where(ReturnRequest.conversation_id == chat.sender)
        ).scalar_one()
    assert row.rma in reply and row.reason == "Doesn't work properly"


def test_policy_question_gets_the_policy(stack):
    chat = Chat(stack.settings.rasa_url)
    assert "PayPal" in chat.text("which payment methods do you accept?")


def test_asking_for_a_person_opens_a_classified_ticket(stack):
    chat = Chat(stack.settings.rasa_url)
    chat.say("I was charged twice for the same order, there are two payments on my card")
    reply = chat.text("I want to talk to a human agent please")
    ticket = stack.services.tickets.latest(chat.sender)
    assert ticket is not None and f"ticket #{ticket.id}" in reply
    assert ticket.category == "billing" and "charged twice" in ticket.summary


def test_every_event_of_20_concurrent_conversations_is_logged_once_in_order(stack):
    chats = [Chat(stack.settings.rasa_url) for _ in range(20)]
    script = ["hi", "where is my order 100234?", "never mind", "how much is express shipping?"]

    def talk(chat: Chat) -> None:
        for line in script:
            chat.say(line)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(talk, chats))
    for chat in chats:
        tracker = requests.get(
            f"{stack.settings.rasa_url}/conversations/{chat.sender}/tracker",
            params={"include_events": "ALL", **token()},
            timeout=30,
        ).json()
        expected = [(e["event"], e["timestamp"]) for e in tracker["events"]]
        deadline = time.monotonic() + 30
        while True:
            with Session(stack.services.engine) as session:
                logged = session.execute(
                    select(LoggedEvent.type, LoggedEvent.timestamp)
                    .where(LoggedEvent.conversation_id == chat.sender)
                    .order_by(LoggedEvent.seq)
                ).all()
            if len(logged) >= len(expected) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert [(t, pytest.approx(ts)) for t, ts in logged] == expected


def test_gibberish_gets_a_rephrase_then_a_ticket(stack):
    chat = Chat(stack.settings.rasa_url)
    assert "rephrase" in chat.text("qwzx plorb vvnt")
    reply = chat.text("blarg fnord zzyzx")
    assert "keep misunderstanding" in reply
    assert stack.services.tickets.latest(chat.sender).reason == "bot_failed"


@pytest.mark.parametrize("said", ["did the lakers win last night? missed the game", "10253"])
def test_something_the_shop_cannot_help_with_is_declined_once(stack, said):
    chat = Chat(stack.settings.rasa_url)
    texts = [m.get("text") or "" for m in chat.say(said)]
    declines = [t for t in texts if "outside what I can help with" in t]
    assert len(declines) <= 1 and len(texts) == len(set(texts))  # never the same reply twice


def test_store_policy_question_gets_the_faq_answer_with_its_source(stack):
    chat = Chat(stack.settings.rasa_url)
    reply = chat.text("can I return an opened blender?")
    assert "30 days" in reply
    assert (
        "From our help pages: Can I return an opened small appliance, like a blender or coffee machine?"
        in reply
    )


def test_recommendation_lists_fitting_dishwashers(stack):
    chat = Chat(stack.settings.rasa_url)
    reply = chat.text("recommend a quiet dishwasher under 600 dollars")
    prices = [float(p) for p in re.findall(r"- \$(\d+\.\d\d)", reply)]
    assert "My top picks (quiet dishwasher under $600.00)" in reply
    assert len(prices) == 3 and all(p <= 600 for p in prices)
    assert reply.count("Dishwasher") >= 3
