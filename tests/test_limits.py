"""What one client may ask of the web app: messages a minute and open push streams per
conversation and per address (429 with Retry-After, and words the widget shows), open streams
that cost the database nothing while nothing happens (one poller per process wakes them),
and a public health check whose RabbitMQ and backlog checks run at most once a window."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.web import create_app
from bot.web.health import Cached
from bot.web.keys import LIMITS
from bot.web.limits import Limits
from tests.conftest import conversation_of, web_settings
from tests.test_console import PASSWORD
from tests.test_push import FAST, agent_says, next_event

CHAT_JS = Path(__file__).parents[1] / "bot" / "web" / "static" / "chat.js"


class Seconds:
    """A monotonic clock the test moves by setting `now`."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def app_with(rasa, web_services, tmp_path, seconds):
    """`app_with(**settings)`: the web app on the stand-in Rasa, its limits on the test's
    clock."""

    def make(**changes):
        settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, **changes)
        app = create_app(settings, web_services)
        app[LIMITS] = Limits(settings, seconds)
        return app

    return make


async def test_a_conversation_writing_too_fast_is_told_how_long_to_wait(
    aiohttp_client, app_with, rasa, seconds
):
    client = await aiohttp_client(app_with(messages_per_minute=3))
    for n in range(3):
        assert (await client.post("/api/messages", json={"message": f"hi {n}"})).status == 200
    refused = await client.post("/api/messages", json={"message": "hi 3"})
    assert refused.status == 429 and refused.headers["Retry-After"] == "20"
    assert "Please wait 20 seconds" in (await refused.json())["error"]
    assert [r["message"] for r in rasa.received] == ["hi 0", "hi 1", "hi 2"]  # never sent
    seconds.now += 20  # one message a 20 s at 3 a minute
    assert (await client.post("/api/messages", json={"message": "hi 3"})).status == 200


async def test_new_cookies_do_not_get_round_the_limit_of_their_address(
    aiohttp_client, app_with, rasa
):
    app = app_with(messages_per_minute_per_address=4)
    first = await aiohttp_client(app)
    for n in range(4):  # a fresh cookie each time: a new conversation each time
        first.session.cookie_jar.clear()
        assert (await first.post("/api/messages", json={"message": f"spam {n}"})).status == 200
    first.session.cookie_jar.clear()
    refused = await first.post("/api/messages", json={"message": "spam 4"})
    assert refused.status == 429 and int(refused.headers["Retry-After"]) > 0
    assert len(rasa.received) == 4


async def test_polling_has_an_address_limit_too(aiohttp_client, app_with):
    client = await aiohttp_client(app_with(polls_per_minute_per_address=2))
    assert (await client.get("/api/updates")).status == 200
    assert (await client.get("/api/history")).status == 200
    refused = await client.get("/api/updates")
    assert refused.status == 429 and refused.headers["Retry-After"] == "30"


async def until(check, timeout: float = 5.0) -> None:
    async def wait() -> None:
        while not check():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


async def test_one_conversation_holds_a_few_streams_and_a_closed_one_frees_its_place(
    aiohttp_client, app_with
):
    app = app_with(streams_per_conversation=2, **FAST)
    client = await aiohttp_client(app)
    conversation = await conversation_of(client)
    open_streams = [await client.get("/api/stream") for _ in range(2)]
    for stream in open_streams:
        assert (await next_event(stream))["event"] == "ready"
    third = await client.get("/api/stream")
    assert third.status == 429 and third.headers["Retry-After"] == "30"
    assert "Too many chat windows" in (await third.json())["error"]
    open_streams[0].close()  # the customer closes a tab
    by_conversation, _ = app[LIMITS].streams
    await until(lambda: by_conversation.free(conversation))
    again = await client.get("/api/stream")
    assert again.status == 200 and (await next_event(again))["event"] == "ready"
    for stream in (open_streams[1], again):
        stream.close()


async def test_streams_from_one_address_are_limited_across_cookies(aiohttp_client, app_with):
    app = app_with(streams_per_address=3, **FAST)
    client = await aiohttp_client(app)
    streams = []
    for _ in range(3):
        client.session.cookie_jar.clear()
        await conversation_of(client)
        streams.append(await client.get("/api/stream"))
        assert (await next_event(streams[-1]))["event"] == "ready"
    client.session.cookie_jar.clear()
    await conversation_of(client)
    assert (await client.get("/api/stream")).status == 429
    for stream in streams:
        stream.close()


@pytest.fixture
def reads(web_services):
    """Per conversation, the queries that read its messages (what each stream used to run
    every CSBOT_STREAM_CHECK_S)."""
    counted: dict[str, int] = {}

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM messages" in statement and "conversation_id" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            for value in values:
                if isinstance(value, str):
                    counted[value] = counted.get(value, 0) + 1

    event.listen(web_services.engine, "before_cursor_execute", count)
    yield counted
    event.remove(web_services.engine, "before_cursor_execute", count)


async def test_open_streams_cost_no_query_until_their_conversation_has_news(
    aiohttp_client, app_with, web_services, reads
):
    web_services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])  # who says it
    quiet = {**FAST, "stream_heartbeat_s": 60}  # no heartbeat within the test
    client = await aiohttp_client(app_with(**quiet))
    streams: dict[str, object] = {}
    for _ in range(10):
        client.session.cookie_jar.clear()
        conversation = await conversation_of(client)
        streams[conversation] = await client.get("/api/stream")
        assert (await next_event(streams[conversation]))["event"] == "ready"
    # Each stream reads as it opens (where "now" is, then what came after it); let them.
    await until(lambda: all(reads.get(c, 0) >= 2 for c in streams))
    await asyncio.sleep(10 * FAST["stream_check_s"])
    before = dict(reads)
    await asyncio.sleep(20 * FAST["stream_check_s"])  # 20 checks: 200 queries per stream before
    assert reads == before  # nothing happened: no stream looked
    one = next(iter(streams))
    agent_says(web_services.engine, one, "your refund went out today")
    assert "refund" in (await next_event(streams[one]))["data"]
    assert {c for c in streams if reads.get(c) != before.get(c)} == {one}  # only its stream
    for stream in streams.values():
        stream.close()


async def test_public_health_checks_rabbitmq_once_however_often_it_is_asked(
    aiohttp_client, app_with
):
    connections = []

    async def rabbitmq(reader, writer) -> None:  # counts, then hangs up: RabbitMQ is "down"
        connections.append(1)
        writer.close()

    server = await asyncio.start_server(rabbitmq, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = await aiohttp_client(app_with(rabbitmq_url=f"amqp://guest:guest@127.0.0.1:{port}/"))
    answers = await asyncio.gather(*(client.get("/api/health") for _ in range(20)))
    answers += [await client.get("/api/health") for _ in range(20)]
    assert {a.status for a in answers} == {503}
    assert (await answers[-1].json())["log"]["broker"] == "down"
    assert len(connections) == 1
    server.close()


async def test_a_cached_answer_is_reused_for_its_window_then_checked_again(seconds):
    checks = []

    async def check() -> int:
        checks.append(seconds.now)
        return len(checks)

    cached = Cached(check, ttl_s=5, clock=seconds)
    assert [await cached.get() for _ in range(3)] == [1, 1, 1]
    seconds.now += 4.9
    assert await cached.get() == 1
    seconds.now += 0.1
    assert await cached.get() == 2 and len(checks) == 2


WIDGET = r"""
// chat.js in a stand-in page: fetch answers from ANSWERS, timers are recorded, not run.
const answers = JSON.parse(process.argv[2]);
const items = [];
const timers = [];
function element(tag) {
  return {
    tag, className: "", textContent: "", value: "", disabled: false, children: [],
    appendChild(child) { this.children.push(child); if (this === log) items.push(child); },
    remove() { const i = items.indexOf(this); if (i >= 0) items.splice(i, 1); },
    querySelectorAll() { return []; },
    addEventListener(name, handler) { this["on" + name] = handler; },
  };
}
const log = element("ol");
const form = element("form");
const input = element("input");
const chat = Object.assign(element("section"), { dataset: {} });
globalThis.window = {};
globalThis.document = {
  getElementById: (id) => ({ chat, "chat-log": log, "chat-form": form, "chat-input": input })[id],
  createElement: element,
};
globalThis.setTimeout = (fn, ms) => { timers.push(ms); };
globalThis.fetch = async (url) => {
  const path = url.split("?")[0];
  const [status, headers, body] = answers[path] || [200, {}, {}];
  return {
    ok: status < 400, status,
    headers: { get: (name) => headers[name] ?? null },
    json: async () => body,
  };
};
require(process.argv[3]);
setImmediate(async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  input.value = "where is my order?";
  form.onsubmit({ preventDefault() {} });
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  console.log(JSON.stringify({
    shown: items.map((x) => [x.className, x.textContent]), input: input.value, timers,
  }));
});
"""


def run_widget(tmp_path: Path, answers: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the widget's script is checked with it")
    harness = tmp_path / "widget.js"
    harness.write_text(WIDGET)
    done = subprocess.run(
        [node, str(harness), json.dumps(answers), str(CHAT_JS)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_widget_says_how_long_to_wait_when_it_sent_too_fast(tmp_path):
    seen = run_widget(
        tmp_path,
        {
            "/api/history": [200, {}, {"messages": []}],
            "/api/messages": [429, {"Retry-After": "20"}, {}],  # a proxy's 429: no JSON
        },
    )
    assert [
        "msg error",
        "You're sending messages faster than we can answer. Please wait 20 seconds, then "
        "send it again.",
    ] in seen["shown"]
    assert seen["input"] == "where is my order?"  # the text is back in the box


def test_the_widget_polls_no_faster_than_retry_after_asks(tmp_path):
    seen = run_widget(
        tmp_path,
        {
            "/api/history": [200, {}, {"messages": []}],
            "/api/updates": [429, {"Retry-After": "30"}, {"error": "Too many requests."}],
            "/api/messages": [200, {}, {"messages": []}],
        },
    )
    assert 30_000 in seen["timers"] and 1000 not in seen["timers"]


async def test_health_with_the_database_down_is_an_answer_cached_like_the_others(
    aiohttp_client, app_with, web_services, monkeypatch
):
    """Load balancers poll hardest while the database is down: each of them must not run
    the failing check again, one after another."""
    tries = []

    async def database_down(*args, **kwargs):
        tries.append(1)
        raise OSError("connection refused")

    monkeypatch.setattr(web_services.log_monitor, "status", database_down)
    client = await aiohttp_client(app_with())
    answers = await asyncio.gather(*(client.get("/api/health") for _ in range(10)))
    assert {a.status for a in answers} == {503}
    assert "database" in (await answers[0].json())["problems"][0]
    assert len(tries) == 1


def test_news_after_a_deletion_reusing_message_ids_is_seen(web_services):
    """SQLite hands out the ids of deleted top rows again: a message written after the newest
    chats were deleted still wakes its stream (when the poller looked in between; a deletion
    and a new message within one 0.25 s check wait for the stream's heartbeat)."""
    from sqlalchemy import delete

    from bot.conversations.models import Message
    from bot.web.notifier import topics

    engine = web_services.engine
    web_services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])  # who says it
    agent_says(engine, "conv-old", "first")
    agent_says(engine, "conv-gone", "second")
    seen = web_services.changes.since(None).mark
    with engine.begin() as connection:  # the top message goes, as a deletion takes it
        connection.execute(delete(Message).where(Message.conversation_id == "conv-gone"))
    news = web_services.changes.since(seen)  # the poller's next look, 0.25 s later
    assert topics(news) == set()
    seen = news.mark
    agent_says(engine, "conv-new", "after the deletion")  # takes the deleted message's id
    assert "conv-new" in topics(web_services.changes.since(seen))
