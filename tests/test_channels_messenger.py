"""Facebook Messenger: the formatting within Messenger's limits, and the whole inbound path
(web app's public webhook -> csbot's `facebook` channel as Rasa serves it -> the bot ->
a fake Send API on loopback) with signed, unsigned, forged and very long messages."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from sanic import Sanic

from bot.channels.deliveries import Deliveries
from bot.channels.messenger import MessengerInput, MessengerOutput
from bot.channels.messenger_format import (
    MAX_QUICK_REPLIES,
    MAX_TEXT,
    MAX_TITLE,
    inbound_text,
    messenger_messages,
    split_text,
)
from bot.channels.signatures import hub_signature, valid_hub_signature
from bot.web import create_app
from tests.conftest import RASA_TOKEN, _free_port, web_settings
from tests.fake_platforms import (
    PAGE_TOKEN,
    RECEIVED,
    REFUSED,
    fake_graph_app,
    messenger_problem,
    texts_to,
)

APP_SECRET = "fake-app-secret"
VERIFY_TOKEN = "fake-verify-token"
PSID = "2710039483928475"
RATINGS = [{"title": str(n), "payload": f'/rate{{"rating":"{n}"}}'} for n in range(1, 6)]


# --- formatting -------------------------------------------------------------------------


def test_a_long_reply_is_split_at_paragraphs_and_words_within_2000_characters():
    paragraphs = [("word " * 150).strip() for _ in range(6)]  # 6 x 749 characters
    text = "\n\n".join(paragraphs) + "\n\n" + "x" * 4500
    parts = split_text(text)
    assert all(0 < len(p) <= MAX_TEXT for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )
    assert parts[0] == "\n\n".join(paragraphs[:2])  # cut at a paragraph, not mid-word


def test_buttons_become_quick_replies_on_the_last_part():
    messages = messenger_messages("How did we do? " + "y" * 2500, RATINGS)
    assert [len(m["text"]) for m in messages] == [14, 2000, 500]
    assert all("quick_replies" not in m for m in messages[:-1])
    assert messages[-1]["quick_replies"] == [
        {"content_type": "text", "title": str(n), "payload": f'/rate{{"rating":"{n}"}}'}
        for n in range(1, 6)
    ]
    assert all(
        messenger_problem({"recipient": {"id": "1"}, "messaging_type": "RESPONSE", "message": m})
        is None
        for m in messages
    )


def test_long_titles_are_numbered_and_shortened_with_the_full_questions_in_the_text():
    faqs = [
        {"title": "Can I return an opened blender?", "payload": '/faq{"id":"r1"}'},
        {"title": "How long do refunds take to arrive?", "payload": '/faq{"id":"r2"}'},
        {"title": "Returns", "payload": '/faq{"id":"r3"}'},
    ]
    [message] = messenger_messages("Did you mean one of these?", faqs)
    titles = [q["title"] for q in message["quick_replies"]]
    assert all(len(t) <= MAX_TITLE for t in titles)
    assert titles[0].startswith("1. Can I return") and titles[0].endswith("\u2026")
    assert titles[2] == "3. Returns"
    assert "1. Can I return an opened blender?" in message["text"]
    assert "2. How long do refunds take to arrive?" in message["text"]


def test_more_choices_than_13_become_button_templates_of_3_postbacks():
    items = [{"title": f"Item {n}", "payload": f'/pick{{"n":{n}}}'} for n in range(1, 21)]
    messages = messenger_messages("Which item?", items)
    assert messages[0] == {"text": "Which item?"}
    templates = [m["attachment"]["payload"] for m in messages[1:]]
    assert [len(t["buttons"]) for t in templates] == [3, 3, 3, 3, 3, 3, 2]
    payloads = [b["payload"] for t in templates for b in t["buttons"]]
    assert payloads == [i["payload"] for i in items]
    assert len(items) > MAX_QUICK_REPLIES


def test_inbound_text_guards_typed_intent_syntax_and_keeps_payloads():
    typed = {"sender": {"id": PSID}, "message": {"text": '/request_human{"x":1}\x00'}}
    assert inbound_text(typed) == '\u200b/request_human{"x":1}'
    quick = {"message": {"text": "5", "quick_reply": {"payload": '/rate{"rating":"5"}'}}}
    assert inbound_text(quick) == '/rate{"rating":"5"}'
    assert inbound_text({"postback": {"payload": "/greet", "title": "Hi"}}) == "/greet"
    assert inbound_text({"message": {"text": "hi", "is_echo": True}}) is None
    assert inbound_text({"read": {"watermark": 1}}) is None


def test_signature_is_checked_on_the_exact_bytes_in_constant_time():
    body = b'{"object":"page"}'
    good = hub_signature(APP_SECRET, body)
    assert valid_hub_signature(APP_SECRET, body, good)
    assert not valid_hub_signature(APP_SECRET, body + b" ", good)
    assert not valid_hub_signature(APP_SECRET, body, good.replace("sha256=", "sha1="))
    assert not valid_hub_signature(APP_SECRET, body, None)
    assert not valid_hub_signature("", body, good)


# --- the whole inbound path, in process ---------------------------------------------------


def page_event(*messaging: dict) -> dict:
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": list(messaging)}]}


def said(text: str, sender: str = PSID) -> dict:
    return {
        "sender": {"id": sender},
        "recipient": {"id": "PAGE"},
        "timestamp": 1,
        "message": {"mid": f"m_{uuid.uuid4().hex}", "text": text},
    }


@pytest.fixture
async def graph(aiohttp_server):
    return await aiohttp_server(fake_graph_app())


@pytest.fixture
async def channel(graph, monkeypatch, web_services):
    """csbot's Messenger channel served by Sanic as Rasa serves it (same blueprint, same URL
    prefix), with a bot that echoes and offers the rating buttons; `heard` keeps what the
    bot was given; while `gate` is clear a turn waits before it answers."""
    heard: list = []
    gate = asyncio.Event()
    gate.set()

    async def bot(message) -> None:
        heard.append(message)
        await gate.wait()
        await message.output_channel.send_response(
            message.sender_id,
            {"text": f"You said: {message.text}", "buttons": [dict(b) for b in RATINGS]},
        )

    graph_url = str(graph.make_url("")).rstrip("/")
    channel = MessengerInput(
        VERIFY_TOKEN,
        APP_SECRET,
        PAGE_TOKEN,
        graph_url,
        RASA_TOKEN,
        deliveries=Deliveries(web_services.engine),
    )
    monkeypatch.setattr(Sanic, "test_mode", True)  # lets Sanic start more than one app
    app = Sanic(f"rasa_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/facebook")
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.after_start()
    channel.url, channel.heard, channel.gate = f"http://127.0.0.1:{port}", heard, gate
    yield channel
    gate.set()
    await server.before_stop()
    await server.close()
    await server.after_stop()


@pytest.fixture
async def public(aiohttp_client, channel, web_services, tmp_path):
    """The web app (the public entry) in front of the channel."""
    settings = web_settings(channel.url, tmp_path)
    return await aiohttp_client(create_app(settings, web_services))


async def post_signed(public, payload: dict | bytes, signature: str | None = "sign"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        signature = hub_signature(APP_SECRET, body)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return await public.post("/webhooks/facebook/webhook", data=body, headers=headers)


async def test_the_verify_token_handshake_answers_the_challenge_only_for_our_token(public):
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    ok = await public.get(
        "/webhooks/facebook/webhook", params={**query, "hub.verify_token": VERIFY_TOKEN}
    )
    assert ok.status == 200 and await ok.text() == "1158201444"
    wrong = await public.get(
        "/webhooks/facebook/webhook", params={**query, "hub.verify_token": "guess"}
    )
    assert wrong.status == 403 and "1158201444" not in await wrong.text()


async def test_a_signed_message_reaches_the_bot_and_the_reply_reaches_messenger(
    public, channel, graph
):
    answer = await post_signed(public, page_event(said("where is my order?")))
    assert answer.status == 200
    await channel.turns.idle()
    [message] = channel.heard
    assert (message.text, message.sender_id, message.input_channel) == (
        "where is my order?",
        PSID,
        "facebook",
    )
    assert texts_to(graph.app[RECEIVED], PSID) == ["You said: where is my order?"]
    [reply] = [b for b in graph.app[RECEIVED] if "message" in b]
    assert [q["title"] for q in reply["message"]["quick_replies"]] == ["1", "2", "3", "4", "5"]
    assert reply["messaging_type"] == "RESPONSE" and graph.app[REFUSED] == []


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=abc", hub_signature("another-secret", b"{}"), "garbage"],
    ids=["unsigned", "empty", "zeros", "sha1-only", "other-secret", "garbage"],
)
async def test_unsigned_or_mis_signed_calls_get_403_and_reach_nobody(
    public, channel, graph, signature
):
    answer = await post_signed(public, page_event(said("I am not Meta")), signature)
    assert answer.status == 403
    assert channel.heard == [] and graph.app[RECEIVED] == []


async def test_a_forged_body_under_a_genuine_signature_is_refused(public, channel, graph):
    genuine = json.dumps(page_event(said("hello"))).encode()
    forged = genuine.replace(b"hello", b"/request_human")
    answer = await post_signed(public, forged, hub_signature(APP_SECRET, genuine))
    assert answer.status == 403 and channel.heard == []


async def test_a_very_long_genuine_batch_passes_the_signature_check_whole(public, channel, graph):
    """200 KiB: over the widget API's 64 KiB cap, which must not cut the signed body."""
    long_text = ("Lorem ipsum dolor sit amet, consectetur. " * 50)[:2000]
    events = [said(f"{n} {long_text}", sender=f"9{n:03d}") for n in range(100)]
    body = json.dumps(page_event(*events)).encode()
    assert len(body) > 200_000
    answer = await post_signed(public, body)
    assert answer.status == 200
    await channel.turns.idle()
    assert len(channel.heard) == 100  # every event of the batch, not just the first
    assert channel.heard[99].text == f"99 {long_text}"
    replies = [b for b in graph.app[RECEIVED] if "message" in b]
    assert len(replies) >= 100 and graph.app[REFUSED] == []  # split within 2000 characters


async def test_a_redelivered_message_is_answered_again_but_handled_once(
    public, channel, graph, web_services
):
    """Meta sends a call again when our answer was slow or lost: the same `mid` is one turn
    (one ticket, one return), and a restarted Rasa still knows it."""
    event = said("I want to return my kettle")
    body = json.dumps(page_event(event)).encode()
    assert (await post_signed(public, body)).status == 200
    assert (await post_signed(public, body)).status == 200
    await channel.turns.idle()
    assert [m.text for m in channel.heard] == ["I want to return my kettle"]
    assert texts_to(graph.app[RECEIVED], PSID) == ["You said: I want to return my kettle"]
    assert not Deliveries(web_services.engine).first_time("facebook", event["message"]["mid"])


async def test_a_slow_turn_is_answered_at_once_and_the_next_message_waits_for_it(
    public, channel, graph
):
    channel.gate.clear()  # the bot takes its time over the first message
    first = await asyncio.wait_for(post_signed(public, page_event(said("where is my order?"))), 5)
    assert first.status == 200  # answered before the turn ends: Meta has nothing to resend
    second = await asyncio.wait_for(post_signed(public, page_event(said("it is 100234"))), 5)
    assert second.status == 200
    assert "it is 100234" not in [m.text for m in channel.heard]  # not before the first
    assert texts_to(graph.app[RECEIVED], PSID) == []
    channel.gate.set()
    await channel.turns.idle()
    assert texts_to(graph.app[RECEIVED], PSID) == [
        "You said: where is my order?",
        "You said: it is 100234",
    ]


async def test_without_rasas_token_the_channel_refuses_even_a_signed_call(channel):
    import aiohttp

    body = json.dumps(page_event(said("hi"))).encode()
    headers = {"X-Hub-Signature-256": hub_signature(APP_SECRET, body)}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{channel.url}/webhooks/facebook/webhook", data=body, headers=headers
        ) as answer:
            assert answer.status == 401
    assert channel.heard == []


async def test_an_agent_message_after_24_hours_carries_the_human_agent_tag(graph):
    out = MessengerOutput(str(graph.make_url("")).rstrip("/"), PAGE_TOKEN)
    await out.send_response(
        PSID, {"text": "Sorry for the wait", "agent_name": "Alex", "messenger_tag": "HUMAN_AGENT"}
    )
    [body] = graph.app[RECEIVED]
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_an_agent_message_the_platform_refuses_raises_so_the_console_can_say_so(graph):
    from bot.channels.messenger import GraphSendError

    out = MessengerOutput(str(graph.make_url("")).rstrip("/"), "wrong-token")
    with pytest.raises(GraphSendError, match="401"):
        await out.send_response(PSID, {"text": "Hi, Alex here", "agent_name": "Alex"})
    await out.send_response(PSID, {"text": "a bot reply is only logged"})  # no raise
    assert graph.app[RECEIVED] == [] and len(graph.app[REFUSED]) == 2


def test_without_its_three_settings_messenger_stays_off(monkeypatch, tmp_path):
    for name in ("VERIFY_TOKEN", "APP_SECRET", "PAGE_TOKEN"):
        monkeypatch.delenv(f"CSBOT_MESSENGER_{name}", raising=False)
    monkeypatch.setenv("CSBOT_RASA_TOKEN", "t")
    assert not MessengerInput.from_credentials(None).enabled
    monkeypatch.setenv("CSBOT_MESSENGER_VERIFY_TOKEN", "v")
    monkeypatch.setenv("CSBOT_MESSENGER_APP_SECRET", "s")
    monkeypatch.setenv("CSBOT_MESSENGER_PAGE_TOKEN", "p")
    channel = MessengerInput.from_credentials(None)
    assert channel.enabled and isinstance(channel.get_output_channel(), MessengerOutput)
