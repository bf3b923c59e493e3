"""Facebook Messenger on Rasa's `facebook` channel, made safe and non-blocking.

credentials.yml names `bot.channels.messenger.MessengerInput`: Rasa's channel (same name,
`facebook`, same URL `/webhooks/facebook/webhook`, the same conversation API output channel),
with what Rasa 3.6 lacks:
- every POST must carry `X-Hub-Signature-256`, the HMAC-SHA256 of the raw body under the app
  secret (Rasa checks only the legacy SHA-1 header, with `==`); anything else is answered
  403 before the body is parsed, so nothing of it is stored;
- the verify-token handshake compares in constant time and answers 403 on a mismatch;
- Rasa's API token (`?token=`) is required too: only the web app, which forwards the
  platform's calls from the public entry, reaches this (`bot.web.channels`);
- every event of a batched call is handled (Rasa's stops after the first);
- the call is answered as soon as its messages' turns are queued (`in_order`: in order per
  sender), not after them: Meta redelivers a call answered late; and a message whose `mid`
  was seen before (a redelivery) is acknowledged without a second turn (`deliveries`);
- typed text is cleaned and guarded like the widget's, so "/intent{...}" typed by a customer
  stays text, and card numbers and passwords in it are redacted before Rasa sees it;
- replies go out through aiohttp to a configurable Graph API URL (`CSBOT_MESSENGER_GRAPH_URL`;
  the `fbmessenger` client Rasa uses posts with blocking `requests` calls on Rasa's event loop
  and has no base URL setting), within Messenger's limits (`messenger_format`);
- an agent's message (event metadata `agent_name`) more than 24 hours after the customer's
  last one carries the `HUMAN_AGENT` tag the console puts in its metadata
  (`messenger_tag`), and a failed send of an agent's message raises, so Rasa answers 500 and
  the console tells the agent that the customer was not told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from functools import partial
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.deliveries import Deliveries
from bot.channels.in_order import InOrder
from bot.channels.messenger_format import inbound_text, messenger_messages
from bot.channels.signatures import same_secret, valid_hub_signature
from bot.privacy.redact import default_redactor, redact_at_edge
from bot.runtime.settings import Settings
from bot.runtime.tokens import rasa_token

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Hub-Signature-256"
HUMAN_AGENT = "HUMAN_AGENT"
SEND_TIMEOUT_S = 10
DRAIN_S = 30  # at shutdown, how long queued turns may still run


class GraphSendError(RuntimeError):
    """The Send API refused a message or did not answer."""


class MessengerOutput(OutputChannel):
    """Sends to one page's Messenger conversations through the Send API."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(self, graph_url: str, page_token: str) -> None:
        super().__init__()
        self.graph_url = graph_url.rstrip("/")
        self.page_token = page_token

    def __repr__(self) -> str:  # keep the page token out of logs
        return f"MessengerOutput(graph_url={self.graph_url!r})"

    async def _post(self, body: dict[str, Any]) -> None:
        url = f"{self.graph_url}/me/messages"
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http:
                params = {"access_token": self.page_token}
                async with http.post(url, params=params, json=body) as answer:
                    if answer.status >= 400:
                        detail = (await answer.text())[:300]
                        raise GraphSendError(f"Send API answered {answer.status}: {detail}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise GraphSendError(f"Send API unreachable: {type(exc).__name__}") from None

    async def _send_all(
        self, recipient_id: str, messages: Iterable[dict[str, Any]], meta: dict[str, Any]
    ) -> None:
        """Send in order; an agent's message that fails raises, a bot reply's is logged (the
        turn is still stored, so the console shows what the customer missed)."""
        tag = meta.get("messenger_tag") == HUMAN_AGENT
        kind = {"messaging_type": "MESSAGE_TAG", "tag": HUMAN_AGENT} if tag else {}
        for message in messages:
            body = {
                "recipient": {"id": recipient_id},
                "messaging_type": "RESPONSE",
                "message": message,
                **kind,
            }
            try:
                await self._post(body)
            except GraphSendError:
                if meta.get("agent_name"):
                    raise
                log.exception("Messenger: a reply to %s was not delivered", recipient_id)
                return

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_all(recipient_id, messenger_messages(text), kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_all(recipient_id, messenger_messages(text, buttons), kwargs)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_all(recipient_id, messenger_messages(text, quick_replies), kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        attachment = {"type": "image", "payload": {"url": image, "is_reusable": True}}
        await self._send_all(recipient_id, [{"attachment": attachment}], kwargs)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_all(recipient_id, [json_message], kwargs)

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        """mark_seen / typing_on / typing_off: a courtesy, so a failure is only logged."""
        try:
            await self._post({"recipient": {"id": recipient_id}, "sender_action": sender_action})
        except GraphSendError as exc:
            log.warning("Messenger: %s for %s not sent: %s", sender_action, recipient_id, exc)


class MessengerInput(InputChannel):
    """Rasa's `facebook` input channel with csbot's checks (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MessengerInput:
        """Secrets from credentials.yml if given there, else from CSBOT_MESSENGER_* (README
        "Channels"); without all three the channel stays off (404)."""
        credentials = credentials or {}
        settings = Settings.from_env()
        channel = cls(
            verify_token=credentials.get("verify") or settings.messenger_verify_token or "",
            app_secret=credentials.get("secret") or settings.messenger_app_secret or "",
            page_token=credentials.get("page-access-token") or settings.messenger_page_token or "",
            graph_url=credentials.get("graph-url") or settings.messenger_graph_url,
            rasa_token=rasa_token(settings),
            deliveries=Deliveries(settings.database_url),
        )
        if channel.enabled:
            # Loaded now, at Rasa's start, not on the first message: on the event loop it
            # would stall every conversation, in a thread it would race the model's imports.
            default_redactor()
        return channel

    def __init__(
        self,
        verify_token: str,
        app_secret: str,
        page_token: str,
        graph_url: str,
        rasa_token: str,
        *,
        deliveries: Deliveries,
    ) -> None:
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.page_token = page_token
        self.graph_url = graph_url
        self.rasa_token = rasa_token
        self.deliveries = deliveries
        self.turns = InOrder()  # the turns of answered calls, in order per sender

    @property
    def enabled(self) -> bool:
        return bool(self.verify_token and self.app_secret and self.page_token and self.rasa_token)

    def get_output_channel(self) -> OutputChannel | None:
        """What Rasa's conversation API uses with `output_channel=latest` for a Messenger
        conversation: the agent's messages and the rating prompt go out through it."""
        return MessengerOutput(self.graph_url, self.page_token) if self.enabled else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("csbot_facebook", __name__)

        @hook.listener("before_server_stop")
        async def drain(app: Any, loop: Any) -> None:
            try:
                await asyncio.wait_for(self.turns.idle(), DRAIN_S)
            except asyncio.TimeoutError:
                log.warning("Messenger: stopped with turns still queued")

        @hook.middleware("request")
        async def guard(request: Request) -> HTTPResponse | None:
            if not self.enabled:
                return response.json({"error": "Messenger is not configured"}, status=404)
            if not same_secret(request.args.get("token"), self.rasa_token):
                return response.json({"error": "missing or wrong token"}, status=401)
            return None

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            """Meta's subscription handshake: echo the challenge for our verify token."""
            given = request.args.get("hub.verify_token")
            if request.args.get("hub.mode") == "subscribe" and same_secret(
                given, self.verify_token
            ):
                return response.text(request.args.get("hub.challenge") or "")
            log.warning("Messenger: webhook verification with a wrong verify token")
            return response.text("wrong verify token", status=403)

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            signature = request.headers.get(SIGNATURE_HEADER)
            if not valid_hub_signature(self.app_secret, request.body, signature):
                log.warning(
                    "Messenger: refused a webhook call without a valid %s", SIGNATURE_HEADER
                )
                return response.text("invalid signature", status=403)
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - sanic raises its own for bad JSON
                payload = None
            if not isinstance(payload, dict):
                return response.text("expected a JSON object", status=400)
            try:
                await self._queue(payload, on_new_message)
            except SQLAlchemyError:  # the rest of the batch is not queued: Meta sends it again
                log.exception("Messenger: could not record a delivery")
                return response.text("try again later", status=503)
            return response.text("success")

        return hook

    async def _queue(
        self, payload: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Queue the turn of every messaging event of every entry, in order (Meta batches
        them), except those delivered before."""
        for sender, text, mid in _messages(payload):
            if mid is None or await asyncio.to_thread(self.deliveries.first_time, self.name(), mid):
                self.turns.add(sender, partial(self._deliver, sender, text, on_new_message))

    async def _deliver(
        self, sender: str, text: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        out = MessengerOutput(self.graph_url, self.page_token)
        await out.send_action(sender, "mark_seen")
        await out.send_action(sender, "typing_on")
        try:
            # no card numbers or passwords into Rasa; in a worker thread, off Rasa's event loop
            said = await asyncio.to_thread(redact_at_edge, text)
            await on_new_message(UserMessage(said, out, sender, input_channel=self.name()))
        except Exception:
            log.exception("Messenger: handling a message from %s failed", sender)
        finally:
            await out.send_action(sender, "typing_off")


def _messages(payload: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(sender, text, the message's `mid`) of each messaging event that says something."""
    for entry in payload.get("entry") or []:
        for event in (entry or {}).get("messaging") or []:
            if not isinstance(event, dict):
                continue
            sender = (event.get("sender") or {}).get("id")
            text = inbound_text(event)
            said = event.get("message") or event.get("postback") or {}
            mid = said.get("mid") if isinstance(said, dict) else None
            if isinstance(sender, str) and sender and text:
                yield sender, text, mid if isinstance(mid, str) and mid else None
