"""The server issues the customer's conversation id in a signed cookie and ignores any id the
browser sends; typed text never reaches Rasa as intent syntax, a button payload only when
the bot offered that button; every call to Rasa carries its token."""

from __future__ import annotations

import logging

import pytest

from bot.conversations.log import ConversationLog
from bot.web import create_app
from bot.web.identity import COOKIE, chat_key, new_conversation_id, sign, verify
from bot.web.keys import CHAT_KEY
from bot.web.rasa_client import TEXT_GUARD
from tests.conftest import PICK_ONE, conversation_of, web_settings


async def test_the_page_sets_an_httponly_samesite_cookie_with_a_signed_id(client):
    response = await client.get("/")
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{COOKIE}=")
    lowered = header.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "max-age=2592000" in lowered and "secure" not in lowered
    assert verify(response.cookies[COOKIE].value, client.server.app[CHAT_KEY])


async def test_the_cookie_is_secure_behind_https(aiohttp_client, rasa, web_services, tmp_path):
    settings = web_settings(str(rasa.make_url("")), tmp_path, secure_cookies=True)
    secure = await aiohttp_client(create_app(settings, web_services))
    header = (await secure.get("/")).headers["Set-Cookie"].lower()
    assert "secure" in header and "httponly" in header


def test_only_our_signature_is_accepted():
    key, other = chat_key(b"k" * 32), chat_key(b"x" * 32)
    conversation = new_conversation_id()
    signed = sign(conversation, key)
    assert verify(signed, key) == conversation
    tampered = signed[:-1] + ("B" if signed[-1] == "A" else "A")  # always a different cookie
    for forged in (
        conversation,
        f"{conversation}.",
        sign(conversation, other),
        tampered,
        signed + "A",
        "../" + signed,
        signed.replace(".", ".é"),
        "\ud800" * 30,
        "x" * 10_000,
        "",
        None,
    ):
        assert verify(forged, key) is None, forged


async def test_the_api_ignores_a_sender_the_browser_sends(client, rasa):
    mine = await conversation_of(client)
    await client.post("/api/messages", json={"sender": "victim-1234", "message": "hi"})
    assert [r["sender"] for r in rasa.received] == [mine]


async def test_a_second_browser_cannot_read_or_write_the_first_ones_conversation(
    aiohttp_client, client, rasa, web_services
):
    first = await conversation_of(client)
    await client.post("/api/messages", json={"message": "my order 100234, emma@example.com"})
    alex = web_services.agents.create("alex", "Alex", "correct horse battery")
    ConversationLog(web_services.engine).write(
        {
            "event": "bot",
            "sender_id": first,
            "text": "your refund went out today",
            "timestamp": 1.0,
            "metadata": {"agent_id": alex.id, "agent_name": "Alex"},
        }
    )
    second = await aiohttp_client(client.server)  # another browser: its own cookie jar
    attempts = [
        await second.get("/api/history", params={"sender": first}),
        await second.get("/api/updates", params={"sender": first, "after": "0"}),
    ]
    second.session.cookie_jar.update_cookies({COOKIE: first})  # the bare id, unsigned
    attempts.append(await second.get("/api/history", params={"sender": first}))
    for response in attempts:
        assert response.status == 200
        assert "100234" not in await response.text() and "refund" not in await response.text()
    await second.post("/api/messages", json={"sender": first, "message": "cancel it all"})
    intruder = await conversation_of(second)
    assert intruder != first
    assert [r["sender"] for r in rasa.received] == [first, intruder]
    assert [e.get("text") for e in rasa.trackers[first] if e["event"] == "user"] == [
        "my order 100234, emma@example.com"
    ]
    # ...while the first browser still sees its own agent message.
    updates = await (await client.get("/api/updates", params={"after": "0"})).json()
    assert [m["text"] for m in updates["messages"]] == ["your refund went out today"]


@pytest.mark.parametrize("typed", ["/restart", '/inform{"email":"x@y.z"}', "  /rate{}", "/"])
async def test_typed_text_starting_with_a_slash_is_text(client, rasa, typed):
    response = await client.post("/api/messages", json={"message": typed})
    assert response.status == 200
    sent = rasa.received[-1]["message"]
    assert sent == TEXT_GUARD + typed.strip() and not sent.strip().startswith("/")
    history = await (await client.get("/api/history")).json()
    assert history["messages"][0] == {"from": "user", "text": typed.strip()}


async def test_a_button_the_bot_offered_sends_its_payload(client, rasa):
    await client.post("/api/messages", json={"message": "hi"})  # the bot offers PICK_ONE
    clicked = await client.post("/api/messages", json={"payload": PICK_ONE[0]["payload"]})
    assert clicked.status == 200
    assert rasa.received[-1]["message"] == "/order_status"


@pytest.mark.parametrize("payload", ["/restart", '/order_status{"order_id":"1"}', "order_status"])
async def test_a_payload_the_bot_did_not_offer_is_refused(client, rasa, payload):
    await client.post("/api/messages", json={"message": "hi"})
    refused = await client.post("/api/messages", json={"payload": payload})
    assert refused.status == 409 and "expired" in (await refused.json())["error"]
    assert len(rasa.received) == 1


async def test_a_button_from_before_the_customers_last_message_is_refused(client, rasa):
    rasa.trackers[await conversation_of(client)] = [
        {"event": "bot", "text": "Rate us", "data": {"buttons": [{"payload": '/rate{"r":"5"}'}]}},
        {"event": "user", "text": "actually, where is my parcel?"},
        {"event": "bot", "text": "What's your order number?", "data": {}},
    ]
    refused = await client.post("/api/messages", json={"payload": '/rate{"r":"5"}'})
    assert refused.status == 409 and rasa.received == []


async def test_a_wrong_rasa_token_is_a_503_and_the_log_names_the_setting_not_the_token(
    aiohttp_client, rasa, web_services, tmp_path, caplog
):
    settings = web_settings(str(rasa.make_url("")), tmp_path, rasa_token="stale-token")
    stale = await aiohttp_client(create_app(settings, web_services))
    with caplog.at_level(logging.ERROR, logger="bot.web.rasa_client"):
        response = await stale.post("/api/messages", json={"message": "hi"})
    assert response.status == 503 and rasa.received == []
    assert "CSBOT_RASA_TOKEN" in caplog.text and "stale-token" not in caplog.text


# --- against the real stack --------------------------------------------------------------


def _last_user_event(stack, conversation: str) -> dict:
    import requests

    tracker = requests.get(
        f"{stack.settings.rasa_url}/conversations/{conversation}/tracker",
        params={"token": stack.settings.rasa_token},
        timeout=30,
    ).json()
    return [e for e in tracker["events"] if e["event"] == "user"][-1]


def test_rasa_classifies_typed_intent_syntax_as_text_but_takes_the_bots_buttons(stack):
    import requests

    browser = requests.Session()
    api = stack.web_url + "api/messages"
    typed = '/order_status{"order_id":"100234","email":"emma.larsen@example.com"}'
    assert browser.post(api, json={"message": typed}, timeout=60).ok
    conversation = browser.cookies["csbot_chat"].partition(".")[0]
    event = _last_user_event(stack, conversation)
    assert event["text"] == TEXT_GUARD + typed
    # Parsed by the NLU pipeline (a ranking over intents), not by Rasa's "/intent" syntax,
    # which would have set both slots and looked the order up without any check.
    assert len(event["parse_data"]["intent_ranking"]) > 1

    # The bot's own buttons are taken as payloads, a payload it never offered is refused. In a
    # conversation of its own: what the model does after the typed text above is not the
    # property tested here (a retrained model may start the order form on it).
    customer = requests.Session()
    replies = customer.post(
        api, json={"message": "can I return an opened blender?"}, timeout=60
    ).json()["messages"]
    buttons = [b for m in replies for b in m.get("buttons", [])]
    assert buttons, f"an FAQ answer comes with buttons: {replies}"
    clicked = customer.post(api, json={"payload": buttons[-1]["payload"]}, timeout=60)
    assert clicked.ok
    own = customer.cookies["csbot_chat"].partition(".")[0]
    assert _last_user_event(stack, own)["text"] == buttons[-1]["payload"]
    forged = customer.post(api, json={"payload": '/rate{"rating":"1"}'}, timeout=60)
    assert forged.status_code == 409 and "expired" in forged.json()["error"]


async def test_a_message_must_be_sent_as_json(client, rasa):
    """A cross-site form or text/plain post (no CORS preflight) is refused, nothing sent."""
    response = await client.post(
        "/api/messages", data='{"message": "hi"}', headers={"Content-Type": "text/plain"}
    )
    assert response.status == 400 and rasa.received == []
