"""A whole handoff on Facebook Messenger against the real stack (Rasa with csbot's channel
from credentials.yml, the action server, the web app as the public entry) and a fake Send
API on loopback: the customer asks for a person on Messenger, an agent takes the ticket and
replies in the console, the reply reaches the platform, the agent resolves, the rating quick
replies reach the platform and the customer's tap stores the rating."""

from __future__ import annotations

import json
import re
import time
from unittest import mock

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.signatures import hub_signature
from bot.conversations.models import Conversation
from bot.services import Services
from bot.support.models import CsatRating
from tests.conftest import start_demo_stack
from tests.fake_platforms import PAGE_TOKEN, RECEIVED, REFUSED, ThreadedServer, fake_graph_app

APP_SECRET = "e2e-app-secret"
VERIFY = "e2e-verify"
PSID = "6620175531190042"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def graph():
    server = ThreadedServer(fake_graph_app())
    yield server
    server.close()


@pytest.fixture(scope="module")
def messenger_stack(trained_model, stack_index, tmp_path_factory, products, graph):
    """csbot's three processes with Messenger switched on by its three variables."""
    workdir = tmp_path_factory.mktemp("messenger-stack")
    env = {
        "CSBOT_MESSENGER_VERIFY_TOKEN": VERIFY,
        "CSBOT_MESSENGER_APP_SECRET": APP_SECRET,
        "CSBOT_MESSENGER_PAGE_TOKEN": PAGE_TOKEN,
        "CSBOT_MESSENGER_GRAPH_URL": graph.url,
    }

    def alex(services: Services) -> None:
        queues = ["orders", "billing", "returns", "products", "care", "accounts"]
        services.agents.create("alex", "Alex", PASSWORD, skills=queues)

    with mock.patch.dict("os.environ", env):
        running = start_demo_stack(workdir, trained_model, products, stack_index, alex)
    services = running.services
    running.logs = workdir / "logs"
    yield running
    running.stop()
    services.engine.dispose()


def messenger_says(
    stack, text: str | None = None, quick_reply: str | None = None
) -> requests.Response:
    message = {"mid": f"m.{time.monotonic_ns()}", "text": text or ""}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": "PAGE"},
        "timestamp": int(time.time() * 1000),
        "message": message,
    }
    body = json.dumps(
        {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [event]}]}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": hub_signature(APP_SECRET, body),
    }
    return requests.post(
        f"{stack.web_url}webhooks/facebook/webhook", data=body, headers=headers, timeout=60
    )


def sent_to_customer(graph) -> list[dict]:
    return [
        b["message"] for b in graph.app[RECEIVED] if b["recipient"]["id"] == PSID and "message" in b
    ]


def wait_for(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def customer_said(stack, text: str) -> bool:
    """The customer's message is in the conversation log (its turn was stored)."""
    messages = stack.services.transcripts.messages_after(PSID, 0)
    return any(m.sender == "customer" and m.text == text for m in messages)


def csrf(console: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', console.get(url, timeout=10).text).group(1)


def test_a_whole_handoff_on_messenger(messenger_stack, graph):
    stack, web = messenger_stack, messenger_stack.web_url.rstrip("/")
    console = requests.Session()
    login = console.post(
        f"{web}/console/login",
        data={
            "username": "alex",
            "password": PASSWORD,
            "csrf": csrf(console, f"{web}/console/login"),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert login.status_code == 302  # Alex is online, so the bot will step aside

    assert messenger_says(stack, "I want to talk to a person please").status_code == 200
    ticket = wait_for(lambda: stack.services.tickets.latest(PSID))

    def told_about_a_person() -> list[str] | None:
        """What the customer was told, once it mentions the ticket or a person (the webhook
        answers before the turn ends, so the reply may still be on its way)."""
        told = [m.get("text", "") for m in sent_to_customer(graph)]
        return told if any("ticket" in t.lower() or "person" in t.lower() for t in told) else None

    wait_for(told_about_a_person)

    def queue_page() -> str | None:
        """The queue once the log (projected from Rasa's tracker store a moment after the
        ticket opens) knows the conversation's channel."""
        page = console.get(f"{web}/console", timeout=10).text
        return page if "Messenger" in page else None

    try:
        queue = wait_for(queue_page, timeout=10)
    except AssertionError:
        queue = console.get(f"{web}/console", timeout=10).text
    assert f"#{ticket.id}" in queue and "Messenger" in queue, (
        ticket.status,
        ticket.queue,
        queue[-1500:],
    )
    token = csrf(console, f"{web}/console/tickets/{ticket.id}")
    console.post(f"{web}/console/tickets/{ticket.id}/take", data={"csrf": token}, timeout=30)
    assert "Alex from the Kettle & Volt team has joined the chat." in [
        m.get("text") for m in sent_to_customer(graph)
    ]
    page = console.get(f"{web}/console/tickets/{ticket.id}", timeout=10).text
    assert 'id="ticket-channel">Messenger<' in page

    before = len(sent_to_customer(graph))
    assert messenger_says(stack, "my kettle arrived broken").status_code == 200
    wait_for(lambda: customer_said(stack, "my kettle arrived broken"))  # its turn is over
    assert len(sent_to_customer(graph)) == before  # paused: only the agent speaks

    reply = "Sorry about that! I've sent a replacement kettle today."
    answer = console.post(
        f"{web}/console/api/tickets/{ticket.id}/reply",
        json={"text": reply},
        headers={"X-CSRF-Token": token},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert sent_to_customer(graph)[-1] == {"text": reply}

    console.post(f"{web}/console/tickets/{ticket.id}/resolve", data={"csrf": token}, timeout=60)
    rating = sent_to_customer(graph)[-1]
    assert [q["title"] for q in rating["quick_replies"]] == ["1", "2", "3", "4", "5"]
    assert "left the chat" in sent_to_customer(graph)[-2]["text"]

    five = rating["quick_replies"][-1]["payload"]
    assert messenger_says(stack, "5", quick_reply=five).status_code == 200
    wait_for(lambda: "Thank" in (sent_to_customer(graph)[-1].get("text") or ""))
    with Session(stack.services.engine) as session:
        stored = (
            session.execute(select(CsatRating).where(CsatRating.conversation_id == PSID))
            .scalars()
            .all()
        )
        channel = session.get(Conversation, PSID).channel
    assert [(r.ticket_id, r.score) for r in stored] == [(ticket.id, 5)]
    assert channel == "facebook"
    assert graph.app[REFUSED] == []  # every message within Messenger's limits, right token


def test_a_forged_call_to_the_real_stack_stores_nothing(messenger_stack, graph):
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "P",
                    "time": 1,
                    "messaging": [{"sender": {"id": "forger"}, "message": {"text": "hi"}}],
                }
            ],
        }
    ).encode()
    for headers in ({}, {"X-Hub-Signature-256": hub_signature("wrong", body)}):
        answer = requests.post(
            f"{messenger_stack.web_url}webhooks/facebook/webhook",
            data=body,
            headers=headers,
            timeout=30,
        )
        assert answer.status_code == 403
    time.sleep(1.5)  # the log projection would have caught up by now
    with Session(messenger_stack.services.engine) as session:
        assert session.get(Conversation, "forger") is None
    rows = (
        messenger_stack.services.engine.connect()
        .exec_driver_sql("SELECT count(*) FROM events WHERE sender_id = 'forger'")
        .scalar()
    )
    assert rows == 0
