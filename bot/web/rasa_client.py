"""Talking to Rasa over HTTP: the REST channel for messages, the tracker for history, the
model each replica serves. Every call carries Rasa's API token (`?token=`), which Rasa and
its REST channel require."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
BotMessage = dict[str, Any]
INTENT_PREFIX = "/"  # Rasa reads "/intent{...}" as an intent with entities, bypassing NLU
TEXT_GUARD = "\u200b"  # zero-width space: not stripped by Rasa, dropped by the MiniLM tokenizer


def as_text(typed: str) -> str:
    """What the customer typed, made safe to send: a leading "/" gets an invisible guard so
    Rasa parses it as text, not as intent syntax (only the bot's own buttons may send that)."""
    return TEXT_GUARD + typed if typed.startswith(INTENT_PREFIX) else typed


@dataclass(frozen=True)
class Rasa:
    """Where Rasa is and the token its HTTP API requires."""

    url: str
    token: str

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"Rasa(url={self.url!r})"


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the customer should retry shortly. `down`: Rasa refused or dropped
    the connection (it is down or restarting), so the message died with it and may be sent
    again; otherwise (a timeout, an error status) Rasa may still be handling it. `unsent`:
    the request provably never reached Rasa (no connection was made), so another replica
    may take it at once (`bot.web.replicas`)."""

    def __init__(self, message: str, down: bool = False, unsent: bool = False) -> None:
        super().__init__(message)
        self.down = down or unsent
        self.unsent = unsent


def never_sent(exc: BaseException) -> bool:
    """True when aiohttp failed before sending a byte: the connection was refused or could
    not be made in time. A reset or a timeout after that may follow a request Rasa read."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return True
    connect_timeout = str(exc).startswith("Connection timeout")  # aiohttp 3.9's wording
    return isinstance(exc, aiohttp.ServerTimeoutError) and connect_timeout


@contextlib.asynccontextmanager
async def _failures(method: str, path: str) -> AsyncIterator[None]:
    """Any transport or HTTP error, or a timeout, becomes RasaUnavailable, whose message
    names the path but never the token. (On Python 3.10 aiohttp's timeout is
    asyncio.TimeoutError, not the builtin; aiohttp's read timeout is both a TimeoutError and
    a connection error, hence the order.)"""
    try:
        yield
    except aiohttp.ClientResponseError as exc:
        raise RasaUnavailable(f"{method} {path}: HTTP {exc.status}") from None
    except (aiohttp.ClientConnectorError, aiohttp.ServerTimeoutError) as exc:
        if not never_sent(exc):
            raise RasaUnavailable(f"{method} {path}: no answer in time") from None
        raise RasaUnavailable(f"{method} {path}: {type(exc).__name__}", unsent=True) from None
    except asyncio.TimeoutError:
        raise RasaUnavailable(f"{method} {path}: no answer in time") from None
    except aiohttp.ClientConnectionError as exc:
        raise RasaUnavailable(f"{method} {path}: {type(exc).__name__}", down=True) from None
    except (aiohttp.ClientError, ValueError) as exc:
        raise RasaUnavailable(f"{method} {path}: {type(exc).__name__}") from None


async def _request(
    http: aiohttp.ClientSession, rasa: Rasa, method: str, path: str, **kwargs: Any
) -> Any:
    """One call to Rasa with its token; failures as in `_failures`."""
    params = {**kwargs.pop("params", {}), "token": rasa.token}
    async with _failures(method, path):
        async with http.request(method, rasa.url + path, params=params, **kwargs) as response:
            if response.status in (401, 403):
                log.error("Rasa refused the token (%s): check CSBOT_RASA_TOKEN", response.status)
            response.raise_for_status()
            return await response.json(content_type=None)


@dataclass(frozen=True)
class Relayed:
    """Rasa's answer to a relayed platform webhook, passed back as it is."""

    status: int
    body: bytes
    content_type: str


async def relay(
    http: aiohttp.ClientSession,
    rasa: Rasa,
    sender: str,
    method: str,
    path: str,
    params: list[tuple[str, str]],
    body: bytes | None,
    headers: dict[str, str],
) -> Relayed:
    """Pass a messaging platform's webhook call to Rasa's channel (`bot.web.channels`); its
    status, even an error, comes back. (`sender`: the conversation it is for, which picks
    the replica.)"""
    params = [*params, ("token", rasa.token)]
    async with _failures(method, path):
        async with http.request(
            method, rasa.url + path, params=params, data=body, headers=headers
        ) as answer:
            return Relayed(answer.status, await answer.read(), answer.content_type)


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


async def send(http: aiohttp.ClientSession, rasa: Rasa, sender: str, text: str) -> list[BotMessage]:
    """Send one customer message through Rasa's REST channel; return the bot's replies."""
    body = {"sender": sender, "message": text}
    replies = await _request(http, rasa, "POST", "/webhooks/rest/webhook", json=body)
    return [_bot_message(r) for r in replies if r.get("text") or r.get("buttons")]


def transcript(events: list[dict[str, Any]]) -> list[BotMessage]:
    """Customer and bot messages from tracker events, in order; intent payloads hidden."""
    messages: list[BotMessage] = []
    for event in events:
        text = event.get("text") or ""
        if event.get("event") == "user" and not text.startswith(INTENT_PREFIX):
            messages.append({"from": "user", "text": text.removeprefix(TEXT_GUARD)})
        elif event.get("event") == "bot" and event.get("text"):
            data = event.get("data") or {}
            message = _bot_message({"text": event["text"], "buttons": data.get("buttons")})
            agent = (event.get("metadata") or {}).get("agent_name")
            if agent:
                message.update({"from": "agent", "text": f"{agent}: {event['text']}"})
            messages.append(message)
    return messages


async def _events(http: aiohttp.ClientSession, rasa: Rasa, sender: str) -> list[dict[str, Any]]:
    path = f"/conversations/{sender}/tracker"
    tracker = await _request(http, rasa, "GET", path, params={"include_events": "ALL"})
    return tracker.get("events") or []


async def history(http: aiohttp.ClientSession, rasa: Rasa, sender: str) -> list[BotMessage]:
    return transcript(await _events(http, rasa, sender))


def offered_payloads(events: list[dict[str, Any]]) -> set[str]:
    """The button payloads of the bot's messages since the customer's last message: the
    only intent syntax a customer may send (by clicking one of them)."""
    offered: set[str] = set()
    for event in reversed(events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            offered.update(str(b.get("payload")) for b in buttons if isinstance(b, dict))
    return offered


async def offered(http: aiohttp.ClientSession, rasa: Rasa, sender: str) -> set[str]:
    return offered_payloads(await _events(http, rasa, sender))


# Rasa sends the bot messages among appended events, or an executed action's, through the
# output channel of the conversation's latest input channel (Messenger, Telegram); for the
# web widget's REST channel that is a collector, and the widget reads them from the log.
DELIVER = {"output_channel": "latest", "execute_side_effects": "true"}


async def append_events(
    http: aiohttp.ClientSession,
    rasa: Rasa,
    sender: str,
    events: list[dict[str, Any]],
    deliver: bool = False,
) -> None:
    """Add events to a conversation (agent messages, pause/resume) through Rasa's HTTP API,
    so they land in the tracker and, from there, in the conversation log. `deliver`: also
    send its bot messages to the customer's messaging platform (see DELIVER)."""
    path = f"/conversations/{sender}/tracker/events"
    await _request(http, rasa, "POST", path, json=events, params=DELIVER if deliver else {})


async def execute_action(http: aiohttp.ClientSession, rasa: Rasa, sender: str, action: str) -> None:
    """Run one action in a conversation now (e.g. ask for a rating after a handoff); what it
    says goes out on the conversation's latest channel."""
    path = f"/conversations/{sender}/execute"
    await _request(
        http, rasa, "POST", path, json={"name": action}, params={"output_channel": "latest"}
    )


# --- the model each Rasa replica serves -----------------------------------------------------

MODEL_LOAD_TIMEOUT_S = 300.0  # Rasa loads a model (and MiniLM) before it answers PUT /model


class ModelSwitchError(RuntimeError):
    """A replica could not load the model; every replica serves what it served before."""


async def serving(http: aiohttp.ClientSession, rasa: Rasa) -> str:
    """The file name of the model a Rasa replica serves (GET /status)."""
    status = await _request(http, rasa, "GET", "/status")
    return str((status or {}).get("model_file") or "")


async def _load(http: aiohttp.ClientSession, rasa: Rasa, model: Path, timeout_s: float) -> None:
    """PUT /model, then wait until the replica reports it serves `model`."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    await _request(http, rasa, "PUT", "/model", json={"model_file": str(model)}, timeout=timeout)
    for _ in range(20):
        if await serving(http, rasa) == model.name:
            return
        await asyncio.sleep(0.5)
    raise RasaUnavailable(f"still serves another model after loading {model.name}")


async def switch_model(
    http: aiohttp.ClientSession,
    replicas: Sequence[Rasa],
    model: Path,
    timeout_s: float = MODEL_LOAD_TIMEOUT_S,
) -> dict[str, str]:
    """Load `model` on every replica (Rasa's model-replace API), one after another, each
    confirmed by its status. Returns what each served before. If any replica is unreachable
    none is switched; if one fails to load it, those already switched go back to what they
    served (ModelSwitchError either way, naming the replica)."""
    before: dict[str, str] = {}
    for rasa in replicas:
        try:
            before[rasa.url] = await serving(http, rasa)
        except RasaUnavailable as exc:
            raise ModelSwitchError(f"Rasa at {rasa.url} did not answer ({exc})") from None
    switched: list[Rasa] = []
    for rasa in replicas:
        try:
            await _load(http, rasa, model, timeout_s)
        except RasaUnavailable as exc:
            stuck = await _restore(http, switched, model.parent, before, timeout_s)
            raise ModelSwitchError(
                f"Rasa at {rasa.url} could not load {model.name} ({exc}); "
                + (
                    f"and could not go back: {', '.join(stuck)}"
                    if stuck
                    else "every replica serves its previous model"
                )
            ) from None
        switched.append(rasa)
    return before


async def _restore(
    http: aiohttp.ClientSession,
    switched: Sequence[Rasa],
    models_dir: Path,
    before: dict[str, str],
    timeout_s: float,
) -> list[str]:
    """Load each switched replica's previous model again; the replicas that could not."""
    stuck = []
    for rasa in switched:
        try:
            await _load(http, rasa, models_dir / before[rasa.url], timeout_s)
        except RasaUnavailable as exc:
            log.error("Rasa at %s could not go back to %s: %s", rasa.url, before[rasa.url], exc)
            stuck.append(f"Rasa at {rasa.url} ({exc})")
    return stuck
