"""Talking to Rasa over HTTP: the REST channel for messages, the tracker for history."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

BotMessage = dict[str, Any]


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the customer should retry shortly. `down`: Rasa refused or dropped
    the connection (it is down or restarting), so the message died with it and may be sent
    again; otherwise (a timeout, an error status) Rasa may still be handling it."""

    def __init__(self, message: str, down: bool = False) -> None:
        super().__init__(message)
        self.down = down


async def _request(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
    """One call to Rasa; any transport or HTTP error, or a timeout, becomes RasaUnavailable.
    (On Python 3.10 aiohttp's timeout is asyncio.TimeoutError, not the builtin; aiohttp's
    read timeout is both a TimeoutError and a connection error, hence the order.)"""
    try:
        async with http.request(method, url, **kwargs) as response:
            response.raise_for_status()
            return await response.json(content_type=None)
    except asyncio.TimeoutError as exc:
        raise RasaUnavailable(f"no answer in time: {exc!r}") from exc
    except aiohttp.ClientConnectionError as exc:
        raise RasaUnavailable(str(exc), down=True) from exc
    except (aiohttp.ClientError, ValueError) as exc:
        raise RasaUnavailable(str(exc)) from exc


async def alive(http: aiohttp.ClientSession, rasa_url: str, timeout_s: float = 2.0) -> bool:
    """Whether Rasa answers its root URL ("Hello from Rasa", plain text) within `timeout_s`."""
    try:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        async with http.get(f"{rasa_url}/", timeout=timeout) as response:
            return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


def _bot_message(raw: dict[str, Any]) -> BotMessage:
    message: BotMessage = {"from": "bot", "text": raw.get("text") or ""}
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw.get("buttons") or []
    ]
    if buttons:
        message["buttons"] = buttons
    return message


async def send(
    http: aiohttp.ClientSession, rasa_url: str, sender: str, text: str
) -> list[BotMessage]:
    """Send one customer message through Rasa's REST channel; return the bot's replies."""
    url = f"{rasa_url}/webhooks/rest/webhook"
    replies = await _request(http, "POST", url, json={"sender": sender, "message": text})
    return [_bot_message(r) for r in replies if r.get("text") or r.get("buttons")]


def transcript(events: list[dict[str, Any]]) -> list[BotMessage]:
    """Customer and bot messages from tracker events, in order; intent payloads hidden."""
    messages: list[BotMessage] = []
    for event in events:
        if event.get("event") == "user" and not (event.get("text") or "").startswith("/"):
            messages.append({"from": "user", "text": event.get("text") or ""})
        elif event.get("event") == "bot" and event.get("text"):
            data = event.get("data") or {}
            message = _bot_message({"text": event["text"], "buttons": data.get("buttons")})
            agent = (event.get("metadata") or {}).get("agent_name")
            if agent:
                message.update({"from": "agent", "text": f"{agent}: {event['text']}"})
            messages.append(message)
    return messages


async def history(http: aiohttp.ClientSession, rasa_url: str, sender: str) -> list[BotMessage]:
    url = f"{rasa_url}/conversations/{sender}/tracker"
    tracker = await _request(http, "GET", url, params={"include_events": "ALL"})
    return transcript(tracker.get("events") or [])


async def append_events(
    http: aiohttp.ClientSession, rasa_url: str, sender: str, events: list[dict[str, Any]]
) -> None:
    """Add events to a conversation (agent messages, pause/resume) through Rasa's HTTP API,
    so they land in the tracker and, via the event broker, in the conversation log."""
    url = f"{rasa_url}/conversations/{sender}/tracker/events"
    await _request(http, "POST", url, json=events)


async def execute_action(
    http: aiohttp.ClientSession, rasa_url: str, sender: str, action: str
) -> None:
    """Run one action in a conversation now (e.g. ask for a rating after a handoff)."""
    url = f"{rasa_url}/conversations/{sender}/execute"
    await _request(http, "POST", url, json={"name": action})
