"""A customer writing again on Messenger or Telegram soon after a resolved handoff reopens
the ticket as on the widget: before the call goes on to Rasa's channel, the pause and the note
reach the conversation with `deliver` (so the note goes out on the platform and the bot stays
silent); a call without a valid signature or secret reopens nothing."""

from __future__ import annotations

import json

import pytest

from bot.channels.signatures import hub_signature
from bot.web import create_app
from bot.web.rasa_client import RasaClient
from tests.conftest import web_settings
from tests.test_console import PASSWORD

APP_SECRET, TELEGRAM_SECRET = "fake-app-secret", "fake-telegram-secret"
PSID, CHAT = "2710039483928475", "99887766"
AGAIN = "it charged me again today"


@pytest.fixture
def appended(monkeypatch) -> list[tuple[str, list, bool]]:
    """Every append_events call of the web app: (conversation, events, deliver)."""
    calls: list = []
    original = RasaClient.append_events

    async def record(rasa, sender, events, deliver=False):
        calls.append((sender, events, deliver))
        await original(rasa, sender, events, deliver=deliver)

    monkeypatch.setattr(RasaClient, "append_events", record)
    return calls


@pytest.fixture
async def public(aiohttp_client, rasa, web_services, tmp_path):
    settings = web_settings(
        str(rasa.make_url("")).rstrip("/"),
        tmp_path,
        messenger_app_secret=APP_SECRET,
        telegram_secret=TELEGRAM_SECRET,
    )
    return await aiohttp_client(create_app(settings, web_services))


@pytest.fixture
def alex(web_services):
    return web_services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])


def resolved(web_services, alex, conversation: str) -> int:
    ticket = web_services.escalation.open(
        conversation, "customer_request", [("customer", "charged twice!")]
    ).ticket_id
    web_services.tickets.take(ticket, alex)
    web_services.tickets.resolve(ticket, alex)
    return ticket


def messenger_call(text: str) -> bytes:
    event = {"sender": {"id": PSID}, "recipient": {"id": "PAGE"}, "message": {"text": text}}
    return json.dumps({"object": "page", "entry": [{"id": "PAGE", "messaging": [event]}]}).encode()


async def post_messenger(public, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return await public.post("/webhooks/facebook/webhook", data=body, headers=headers)


async def post_telegram(public, text: str, secret: str | None):
    update = {"update_id": 1, "message": {"chat": {"id": int(CHAT)}, "text": text}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return await public.post("/webhooks/telegram/webhook", json=update, headers=headers)


async def test_a_signed_messenger_message_after_resolution_reopens_and_pauses_the_bot(
    public, web_services, alex, appended
):
    ticket = resolved(web_services, alex, PSID)
    web_services.presence.seen(alex)  # Alex is at the console
    thanks = messenger_call("thanks!")
    await post_messenger(public, thanks, hub_signature(APP_SECRET, thanks))
    assert web_services.tickets.latest(PSID).status == "resolved" and appended == []

    body = messenger_call(AGAIN)
    await post_messenger(public, body, hub_signature(APP_SECRET, body))
    stored = web_services.tickets.latest(PSID)
    assert (stored.id, stored.status, stored.agent_id, stored.reopened) == (
        ticket,
        "assigned",
        alex.id,
        1,
    )
    [(conversation, events, deliver)] = appended
    assert (conversation, deliver, events[0]) == (PSID, True, {"event": "pause"})
    assert (
        events[1]["text"] == f"I've reopened ticket #{ticket}; Alex is back with you in this chat."
    )


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, hub_signature("other", b"{}")])
async def test_an_unsigned_or_mis_signed_messenger_call_reopens_nothing(
    public, web_services, alex, appended, signature
):
    resolved(web_services, alex, PSID)
    await post_messenger(public, messenger_call(AGAIN), signature)
    assert web_services.tickets.latest(PSID).status == "resolved" and appended == []


async def test_telegram_reopens_only_with_the_webhook_secret(public, web_services, alex, appended):
    ticket = resolved(web_services, alex, CHAT)
    for wrong in (None, "guess"):
        await post_telegram(public, AGAIN, wrong)
    assert web_services.tickets.latest(CHAT).status == "resolved" and appended == []
    await post_telegram(public, AGAIN, TELEGRAM_SECRET)
    stored = web_services.tickets.latest(CHAT)
    assert (stored.id, stored.status, stored.reopened) == (ticket, "queued", 1)  # nobody online
    [(conversation, events, deliver)] = appended
    assert (conversation, deliver) == (CHAT, True) and [e["event"] for e in events] == ["bot"]


async def test_with_rasa_down_nothing_is_reopened_and_the_platform_is_told_to_retry(
    public, rasa, web_services, alex
):
    resolved(web_services, alex, PSID)
    await rasa.close()
    body = messenger_call(AGAIN)
    answer = await post_messenger(public, body, hub_signature(APP_SECRET, body))
    assert answer.status == 503
    assert web_services.tickets.latest(PSID).status == "resolved"
