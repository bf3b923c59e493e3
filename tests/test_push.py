"""Server-Sent Events for the widget and the console: a reconnect resumes after the last
delivered id (nothing lost, nothing repeated), another browser's stream sees nothing, the
console's stream needs a login and the ticket's queue, and idle streams send heartbeats."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.conversations.log import ConversationLog
from bot.web import create_app
from tests.conftest import conversation_of, web_settings
from tests.test_console import PASSWORD, login

FAST = {"stream_check_s": 0.05, "stream_heartbeat_s": 0.3, "stream_max_s": 30}


@pytest.fixture
async def client(aiohttp_client, rasa, web_services, tmp_path):
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, **FAST)
    return await aiohttp_client(create_app(settings, web_services))


@pytest.fixture(autouse=True)
def alex(web_services):
    """The agent whose messages the tests log (and who may open billing tickets)."""
    return web_services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])


def agent_says(engine, conversation: str, text: str) -> None:
    """Alex's message as the projection writes it into the log."""
    ConversationLog(engine).write(
        {
            "event": "bot",
            "sender_id": conversation,
            "text": text,
            "timestamp": 1.0,
            "metadata": {"agent_id": 1, "agent_name": "Alex"},
        }
    )


async def next_event(response, timeout: float = 5.0) -> dict:
    """The next SSE block as {field: value}; a comment line is {"comment": text}."""
    block: dict = {}
    while True:
        raw = await asyncio.wait_for(response.content.readline(), timeout)
        assert raw, "the stream ended"
        line = raw.decode().rstrip("\n")
        if line.startswith(":"):
            return {"comment": line[1:].strip()}
        if not line:
            if block and "retry" not in block:
                return block
            block = {}
            continue
        field, _, value = line.partition(": ")
        block[field] = value


async def no_message_within(response, seconds: float) -> None:
    """Only heartbeats arrive for `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            event = await next_event(response, left)
            assert "comment" in event, event
    except asyncio.TimeoutError:
        pass


async def test_a_reconnect_resumes_after_the_last_event_without_loss_or_repeat(
    client, web_services
):
    engine = web_services.engine
    conversation = await conversation_of(client)
    agent_says(engine, conversation, "before the stream")  # not news: the stream starts now
    first = await client.get("/api/stream")
    assert first.headers["Content-Type"] == "text/event-stream"
    ready = await next_event(first)
    assert ready["event"] == "ready"
    agent_says(engine, conversation, "one")
    one = await next_event(first)
    assert '"text": "one"' in one["data"] and '"agent": "Alex"' in one["data"]
    assert int(one["id"]) > int(ready["id"])
    first.close()  # the connection drops; two messages arrive meanwhile
    agent_says(engine, conversation, "two")
    agent_says(engine, conversation, "three")
    again = await client.get("/api/stream", headers={"Last-Event-ID": one["id"]})
    assert (await next_event(again))["id"] == one["id"]  # ready: resuming after "one"
    texts = [(await next_event(again))["data"] for _ in range(2)]
    assert ['"text": "two"' in texts[0], '"text": "three"' in texts[1]] == [True, True]
    await no_message_within(again, 0.5)  # and nothing is repeated
    again.close()


async def test_after_in_the_query_resumes_too_and_a_bad_id_is_a_400(client, web_services):
    conversation = await conversation_of(client)
    agent_says(web_services.engine, conversation, "missed")
    response = await client.get("/api/stream", params={"after": "0"})
    assert (await next_event(response))["event"] == "ready"
    assert '"text": "missed"' in (await next_event(response))["data"]
    response.close()
    bad = await client.get("/api/stream", headers={"Last-Event-ID": "abc"})
    assert bad.status == 400


async def test_another_browsers_stream_sees_nothing_and_no_cookie_gets_none(
    aiohttp_client, client, web_services
):
    first = await conversation_of(client)
    stranger = await aiohttp_client(client.server)  # its own cookie jar
    assert (await stranger.get("/api/stream")).status == 204  # no conversation yet
    theirs = await stranger.get("/api/stream", params={"after": "0"})
    assert theirs.status == 200 and (await next_event(theirs))["event"] == "ready"
    mine = await client.get("/api/stream", params={"after": "0"})
    await next_event(mine)
    agent_says(web_services.engine, first, "your refund went out today")
    assert "refund" in (await next_event(mine))["data"]
    await no_message_within(theirs, 0.5)
    theirs.close()
    mine.close()


async def test_an_idle_stream_sends_heartbeats(client):
    await conversation_of(client)
    response = await client.get("/api/stream")
    await next_event(response)
    assert (await next_event(response, 2.0)) == {"comment": "heartbeat"}
    response.close()


async def test_a_stream_ends_after_its_time_so_the_login_is_checked_again(
    aiohttp_client, rasa, web_services, tmp_path
):
    changes = {**FAST, "stream_max_s": 0.3}
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, **changes)
    short = await aiohttp_client(create_app(settings, web_services))
    await conversation_of(short)
    response = await short.get("/api/stream")
    body = await asyncio.wait_for(response.text(), 3)
    assert "event: ready" in body


@pytest.fixture
def ticket(web_services):
    """A billing ticket (the keyword classifier of conftest) on conversation visitor-0007."""
    return web_services.escalation.open(
        "visitor-0007", "customer_request", [("customer", "charged twice!")]
    ).ticket_id


async def test_the_console_stream_needs_a_login_and_the_tickets_queue(
    aiohttp_client, client, web_services, ticket
):
    web_services.agents.create("dana", "Dana", PASSWORD, skills=["shipping"])
    path = f"/console/api/tickets/{ticket}/stream"
    assert (await client.get(path)).status == 401
    await login(client, "dana")
    assert (await client.get(path)).status == 404  # not Dana's queue

    alex = await aiohttp_client(client.server)
    await login(alex, "alex")
    response = await alex.get(path, params={"after": "0"})
    assert (await next_event(response))["event"] == "ready"
    status = await next_event(response)
    assert status["event"] == "status" and status["data"] == '"bot"'
    agent_says(web_services.engine, "visitor-0007", "looking into it")
    message = await next_event(response)
    assert '"text": "looking into it"' in message["data"] and message["id"].isdigit()
    response.close()


async def queue_event(response, timeout: float = 5.0) -> list[dict]:
    """The next `queue` event's rows (heartbeats skipped)."""
    while True:
        event = await next_event(response, timeout)
        if event.get("event") == "queue":
            return json.loads(event["data"])


async def test_the_queue_stream_shows_a_new_ticket_within_a_second_to_its_queue_only(
    aiohttp_client, client, web_services, alex
):
    web_services.agents.create("dana", "Dana", PASSWORD, skills=["shipping"])
    assert (await client.get("/console/api/queue/stream")).status == 401
    await login(client, "alex")
    mine = await client.get("/console/api/queue/stream")
    assert mine.headers["Content-Type"] == "text/event-stream"
    assert (await next_event(mine))["event"] == "ready"
    assert await queue_event(mine) == []  # the queue as it is when the stream starts
    dana = await aiohttp_client(client.server)
    await login(dana, "dana")
    theirs = await dana.get("/console/api/queue/stream")
    await next_event(theirs)
    assert await queue_event(theirs) == []

    opened = web_services.escalation.open(
        "visitor-0042", "customer_request", [("customer", "charged twice! <b>now</b>")]
    ).ticket_id
    rows = await queue_event(mine, timeout=1.0)
    assert [(r["id"], r["queue"], r["status"]) for r in rows] == [(opened, "billing", "queued")]
    assert rows[0]["summary"].endswith("charged twice! <b>now</b>")  # text, for textContent
    assert rows[0]["channel"] and rows[0]["created"].endswith("Z")
    await no_message_within(theirs, 0.5)  # a billing ticket: not in Dana's shipping queue

    web_services.tickets.take(opened, alex)
    rows = await queue_event(mine, timeout=1.0)
    assert [(r["id"], r["status"]) for r in rows] == [(opened, "assigned")]
    await no_message_within(mine, 0.3)  # nothing changed: nothing sent
    mine.close()
    theirs.close()


async def test_the_queue_page_updates_by_script_and_reloads_only_without_it(client):
    await login(client, "alex")
    page = await (await client.get("/console")).text()
    assert '<script src="/static/queue.js"></script>' in page
    assert "location.reload" not in page
    noscript = page.split("<noscript>")[1].split("</noscript>")[0]
    assert 'http-equiv="refresh"' in noscript and page.count('http-equiv="refresh"') == 1
    script = await (await client.get("/static/queue.js")).text()
    assert "/console/api/queue/stream" in script and "innerHTML" not in script
