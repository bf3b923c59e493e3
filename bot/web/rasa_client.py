"""Talking to one Rasa over HTTP: the REST channel for messages, the tracker for history, the
model it serves. Every call carries Rasa's API token (`?token=`), which Rasa and its REST
channel require; failures come out as the three errors below, chosen by aiohttp's exception
types and whether a connection was made, never by an error message's wording."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
BotMessage = dict[str, Any]
INTENT_PREFIX = "/"  # Rasa reads "/intent{...}" as an intent with entities, bypassing NLU
TEXT_GUARD = "\u200b"  # zero-width space: not stripped by Rasa, dropped by the MiniLM tokenizer
MODEL_LOAD_TIMEOUT_S = 300.0  # Rasa loads a model (and MiniLM) before it answers PUT /model
ALIVE_TIMEOUT_S = 2.0
# Rasa sends the bot messages among appended events, or an executed action's, through the
# output channel of the conversation's latest input channel (Messenger, Telegram); for the
# web widget's REST channel that is a collector, and the widget reads them from the log.
DELIVER = {"output_channel": "latest", "execute_side_effects": "true"}


def as_text(typed: str) -> str:
    """What the customer typed, made safe to send: a leading "/" gets an invisible guard so
    Rasa parses it as text, not as intent syntax (only the bot's own buttons may send that)."""
    return TEXT_GUARD + typed if typed.startswith(INTENT_PREFIX) else typed


class RasaUnavailable(RuntimeError):
    """Rasa did not answer in time or answered with an error status (`status`): it is up but
    slow or failing and may still be handling the request, so the customer decides whether to
    send it again. The message names the path, never the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RasaDown(RasaUnavailable):
    """Rasa refused or dropped the connection: it is down or restarting, and a message it was
    handling died with it, so it may be sent again once Rasa is back."""


class RasaUnreached(RasaDown):
    """The request provably never reached Rasa (no connection was made), so another replica
    may take it at once (`bot.web.replicas`)."""


def _connection_trace() -> aiohttp.TraceConfig:
    """Marks a request's `trace_request_ctx` once it has a connection (new or reused): until
    then nothing of it can have reached Rasa. (aiohttp 3.9 raises the same ServerTimeoutError
    for a connect timeout and a read timeout.)"""

    async def connected(session: Any, context: SimpleNamespace, params: Any) -> None:
        if context.trace_request_ctx is not None:
            context.trace_request_ctx.connected = True

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(connected)
    trace.on_connection_reuseconn.append(connected)
    return trace


@contextlib.asynccontextmanager
async def _failures(method: str, path: str, attempt: SimpleNamespace) -> AsyncIterator[None]:
    """Any transport or HTTP error, or a timeout, becomes one of the errors above. (On Python
    3.10 aiohttp's total timeout is asyncio.TimeoutError, not the builtin; its connect and
    read timeouts are both a TimeoutError and a connection error, hence the order.)"""
    try:
        yield
    except aiohttp.ClientResponseError as exc:
        raise RasaUnavailable(f"{method} {path}: HTTP {exc.status}", exc.status) from None
    except aiohttp.ClientConnectorError as exc:
        raise RasaUnreached(f"{method} {path}: {type(exc).__name__}") from None
    except aiohttp.ServerTimeoutError as exc:
        if attempt.connected:
            raise RasaUnavailable(f"{method} {path}: no answer in time") from None
        raise RasaUnreached(f"{method} {path}: {type(exc).__name__}") from None
    except asyncio.TimeoutError:
        raise RasaUnavailable(f"{method} {path}: no answer in time") from None
    except aiohttp.ClientConnectionError as exc:
        raise RasaDown(f"{method} {path}: {type(exc).__name__}") from None
    except (aiohttp.ClientError, ValueError) as exc:
        raise RasaUnavailable(f"{method} {path}: {type(exc).__name__}") from None


@dataclass(frozen=True)
class Relayed:
    """Rasa's answer to a relayed platform webhook, passed back as it is."""

    status: int
    body: bytes
    content_type: str


def _bot_message(raw: dict[str, Any]) -> BotMessage:
    message: BotMessage = {"from": "bot", "text": raw.get("text") or ""}
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw.get("buttons") or []
    ]
    if buttons:
        message["buttons"] = buttons
    return message


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


class RasaClient:
    """One Rasa (a replica): its URL, its token and the aiohttp session that calls it.

    The session is opened on the first call (inside the running event loop) and closed by
    `close()`, which the web app runs on shutdown. `timeout_s` bounds each call;
    `connect_timeout_s` (None: only `timeout_s`) bounds making the connection, after which
    the request is known never to have reached Rasa."""

    def __init__(
        self,
        url: str,
        token: str,
        timeout_s: float = 30.0,
        connect_timeout_s: float | None = None,
    ) -> None:
        self.url = url
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=connect_timeout_s)
        self._http: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"RasaClient(url={self.url!r})"

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=self.timeout, trace_configs=[_connection_trace()]
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    @contextlib.asynccontextmanager
    async def _call(
        self, method: str, path: str, params: Any = None, **kwargs: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """One request to Rasa with its token (`params`: a dict or (key, value) pairs);
        failures as in `_failures`."""
        params = [*(params.items() if isinstance(params, dict) else params or ())]
        attempt = SimpleNamespace(connected=False)
        async with _failures(method, path, attempt):
            async with self._session().request(
                method,
                self.url + path,
                params=[*params, ("token", self.token)],
                trace_request_ctx=attempt,
                **kwargs,
            ) as response:
                yield response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        """A call whose error status is a failure; its JSON answer."""
        async with self._call(method, path, **kwargs) as response:
            if response.status in (401, 403):
                log.error("Rasa refused the token (%s): check CSBOT_RASA_TOKEN", response.status)
            response.raise_for_status()
            return await response.json(content_type=None)

    async def alive(self, timeout_s: float = ALIVE_TIMEOUT_S) -> bool:
        """Whether Rasa answers its root URL ("Hello from Rasa", plain text) in `timeout_s`."""
        try:
            timeout = aiohttp.ClientTimeout(total=timeout_s)
            async with self._session().get(f"{self.url}/", timeout=timeout) as response:
                return response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False

    async def send(self, sender: str, text: str) -> list[BotMessage]:
        """Send one customer message through Rasa's REST channel; return the bot's replies."""
        body = {"sender": sender, "message": text}
        replies = await self._json("POST", "/webhooks/rest/webhook", json=body)
        return [_bot_message(r) for r in replies if r.get("text") or r.get("buttons")]

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Every event of a conversation's tracker."""
        path = f"/conversations/{sender}/tracker"
        tracker = await self._json("GET", path, params={"include_events": "ALL"})
        return tracker.get("events") or []

    async def history(self, sender: str) -> list[BotMessage]:
        return transcript(await self.events(sender))

    async def offered(self, sender: str) -> set[str]:
        return offered_payloads(await self.events(sender))

    async def append_events(
        self, sender: str, events: list[dict[str, Any]], deliver: bool = False
    ) -> None:
        """Add events to a conversation (agent messages, pause/resume) through Rasa's HTTP
        API, so they land in the tracker and, from there, in the conversation log.
        `deliver`: also send its bot messages to the customer's messaging platform."""
        path = f"/conversations/{sender}/tracker/events"
        await self._json("POST", path, json=events, params=DELIVER if deliver else {})

    async def execute_action(self, sender: str, action: str) -> None:
        """Run one action in a conversation now (e.g. ask for a rating after a handoff); what
        it says goes out on the conversation's latest channel."""
        path = f"/conversations/{sender}/execute"
        params = {"output_channel": "latest"}
        await self._json("POST", path, json={"name": action}, params=params)

    async def relay(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        body: bytes | None,
        headers: dict[str, str],
    ) -> Relayed:
        """Pass a messaging platform's webhook call to Rasa's channel (`bot.web.channels`);
        its status, even an error, comes back."""
        async with self._call(method, path, params, data=body, headers=headers) as answer:
            return Relayed(answer.status, await answer.read(), answer.content_type)

    async def serving(self) -> str:
        """The file name of the model this Rasa serves (GET /status)."""
        status = await self._json("GET", "/status")
        return str((status or {}).get("model_file") or "")

    async def load_model(self, model: Path, timeout_s: float = MODEL_LOAD_TIMEOUT_S) -> None:
        """PUT /model, then wait until Rasa reports it serves `model`."""
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        await self._json("PUT", "/model", json={"model_file": str(model)}, timeout=timeout)
        for _ in range(20):
            if await self.serving() == model.name:
                return
            await asyncio.sleep(0.5)
        raise RasaUnavailable(f"still serves another model after loading {model.name}")
