"""An agent with the queue or a ticket open in the console is online for as long as the page's
live stream is open (the stream is the page's only request for minutes): customers asking
for a person are told someone will join and the bot steps aside. A logged-out agent's stream
ends, and keeps nobody online. The presence clock is the test's; heartbeats come every
0.3 s."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from actions.handoff import ActionRequestHuman
from bot.support.presence import ONLINE_WINDOW
from bot.web import create_app
from tests.conftest import Clock, keyword_classifier, open_services, web_settings
from tests.test_actions import deps, run, texts, tracker, user
from tests.test_console import PASSWORD, login
from tests.test_push import FAST, next_event

LATER = ONLINE_WINDOW + timedelta(minutes=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(tmp_path, clock):
    opened = open_services(
        f"sqlite:///{tmp_path / 'web.db'}", clock=clock, classifier=keyword_classifier
    )
    opened.agents.create("alex", "Alex", PASSWORD, skills=["billing"])
    yield opened
    opened.engine.dispose()


@pytest.fixture
async def client(aiohttp_client, rasa, services, tmp_path):
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, **FAST)
    return await aiohttp_client(create_app(settings, services))


@pytest.fixture
def ticket(services) -> int:
    return services.escalation.open(
        "visitor-0007", "customer_request", [("customer", "charged twice!")]
    ).ticket_id


async def customer_asks_for_a_person(services) -> tuple[list, str]:
    """What a customer who asks for a person now gets: (events, the bot's words)."""
    history = [user("my card was charged twice", "billing_problem")]
    asked = tracker(text="human please", intent="request_human", history=history, form=None)
    events, dispatcher = await run(ActionRequestHuman(deps(services)), asked)
    return events, texts(dispatcher)


async def heartbeats(response, count: int) -> None:
    """Read the stream until `count` heartbeats have come."""
    while count:
        if (await next_event(response)).get("comment") == "heartbeat":
            count -= 1


def page_stream(ticket: int, page: str) -> str:
    return {
        "queue": "/console/api/queue/stream",
        "ticket": f"/console/api/tickets/{ticket}/stream",
    }[page]


@pytest.mark.parametrize("page", ["queue", "ticket"])
async def test_an_agent_watching_a_console_page_stays_online_past_the_window(
    client, services, clock, ticket, page
):
    await login(client, "alex")
    stream = await client.get(page_stream(ticket, page))
    assert (await next_event(stream))["event"] == "ready"
    clock.now += LATER  # Alex's last request is now older than the online window
    await heartbeats(stream, 3)  # one may have been on its way before the clock moved
    events, said = await customer_asks_for_a_person(services)
    assert "will join this chat shortly" in said
    assert events == [{"event": "pause", "timestamp": None}]  # the bot steps aside
    stream.close()


async def test_a_logged_out_agents_stream_ends_and_keeps_nobody_online(
    client, services, clock, ticket
):
    csrf = await login(client, "alex")
    stream = await client.get("/console/api/queue/stream")
    assert (await next_event(stream))["event"] == "ready"
    await client.post("/console/logout", data={"csrf": csrf})
    await asyncio.wait_for(stream.read(), 5)  # ends at the next heartbeat, not after 30 s
    clock.now += LATER
    events, said = await customer_asks_for_a_person(services)
    assert "No one from our billing team is online" in said and events == []
