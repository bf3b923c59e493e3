"""Telegram on Rasa's `telegram` channel name and URL (`/webhooks/telegram/webhook`), with
what Rasa 3.6's channel lacks:
- every update must carry `X-Telegram-Bot-Api-Secret-Token`, the secret csbot gives Telegram
  with the webhook (`CSBOT_TELEGRAM_SECRET`), compared in constant time; 403 otherwise,
  before anything is parsed or stored. Rasa's asks Telegram's `getMe` on every update and
  compares the bot's name, which proves nothing about the caller;
- Rasa's API token is required too (only the web app forwards to it, `bot.web.channels`);
- the webhook is set once Rasa is serving (with the secret, at CSBOT_PUBLIC_URL), not from
  `get_output_channel`, where Rasa's calls `asyncio.run` inside the running loop and so
  breaks the conversation API (agent messages, the rating prompt);
- replies go out with aiohttp to a configurable Bot API URL (`CSBOT_TELEGRAM_API_URL`),
  split within Telegram's 4,096 characters; buttons are an inline keyboard, one button a
  row. Telegram carries at most 64 bytes of callback data: a longer payload sends the
  button's title as text instead (csbot's long payloads are FAQ picks, whose title is the
  question the knowledge base answers);
- typed text is cleaned and guarded like the widget's, and card numbers and passwords in it
  are redacted before Rasa sees it;
- an update is answered as soon as its turn is queued (`in_order`: in order per chat), not
  after it: Telegram redelivers an update answered late; and an `update_id` seen before (a
  redelivery) is acknowledged without a second turn (`deliveries`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
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
from bot.channels.messenger_format import split_text
from bot.channels.signatures import same_secret
from bot.channels.telegram_updates import update_text
from bot.channels.webhooks import PATHS
from bot.privacy.redact import default_redactor, redact_at_edge
from bot.runtime.settings import Settings
from bot.runtime.tokens import rasa_token

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
SEND_TIMEOUT_S = 10
DRAIN_S = 30  # at shutdown, how long queued turns may still run


class BotApiError(RuntimeError):
    """The Bot API refused a call or did not answer."""


def keyboard(buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """An inline keyboard, one button a row; a payload over 64 bytes sends the title."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "?")
        payload = str(button.get("payload") or title)
        if len(payload.encode("utf-8")) > MAX_CALLBACK_BYTES:
            payload = title.encode("utf-8")[:MAX_CALLBACK_BYTES].decode("utf-8", "ignore")
        rows.append([{"text": title, "callback_data": payload}])
    return {"inline_keyboard": rows}


class TelegramOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, api_url: str, token: str) -> None:
        super().__init__()
        self.api_url = api_url.rstrip("/")
        self.token = token

    def __repr__(self) -> str:  # keep the bot token out of logs
        return f"TelegramOutput(api_url={self.api_url!r})"

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        url = f"{self.api_url}/bot{self.token}/{method}"
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http:
                async with http.post(url, json=payload) as answer:
                    body = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise BotApiError(f"{method}: {type(exc).__name__}") from None
        if not isinstance(body, dict) or not body.get("ok"):
            raise BotApiError(f"{method}: {str(body)[:300]}")
        return body.get("result")

    async def _send(self, chat_id: str, text: str, markup: dict | None, meta: dict) -> None:
        parts = split_text(text, MAX_TEXT) or ["Please choose:"]
        try:
            for n, part in enumerate(parts, 1):
                payload: dict[str, Any] = {"chat_id": chat_id, "text": part}
                if markup and n == len(parts):
                    payload["reply_markup"] = markup
                await self.call("sendMessage", payload)
        except BotApiError:
            if meta.get("agent_name"):
                raise  # the console tells the agent the customer was not told
            log.exception("Telegram: a reply to %s was not delivered", chat_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, None, kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, keyboard(buttons), kwargs)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, keyboard(quick_replies), kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.call("sendPhoto", {"chat_id": recipient_id, "photo": image})


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        """Secrets from credentials.yml if given, else CSBOT_TELEGRAM_* (README "Channels");
        without the bot token and the webhook secret the channel stays off (404)."""
        credentials = credentials or {}
        settings = Settings.from_env()
        webhook = f"{settings.public_url}{PATHS['Telegram']}" if settings.public_url else None
        channel = cls(
            token=credentials.get("access_token") or settings.telegram_token or "",
            secret=credentials.get("secret_token") or settings.telegram_secret or "",
            api_url=credentials.get("api_url") or settings.telegram_api_url,
            rasa_token=rasa_token(settings),
            webhook_url=credentials.get("webhook_url") or webhook,
            deliveries=Deliveries(settings.database_url),
        )
        if channel.enabled:
            # Loaded now, at Rasa's start, not on the first message: on the event loop it
            # would stall every conversation, in a thread it would race the model's imports.
            default_redactor()
        return channel

    def __init__(
        self,
        token: str,
        secret: str,
        api_url: str,
        rasa_token: str,
        webhook_url: str | None = None,
        *,
        deliveries: Deliveries,
    ) -> None:
        self.token, self.secret, self.api_url = token, secret, api_url
        self.rasa_token, self.webhook_url = rasa_token, webhook_url
        self.deliveries = deliveries
        self.turns = InOrder()  # the turns of answered updates, in order per chat

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.secret and self.rasa_token)

    def get_output_channel(self) -> OutputChannel | None:
        return TelegramOutput(self.api_url, self.token) if self.enabled else None

    async def set_webhook(self) -> bool:
        """Tell Telegram where to send updates, and the secret to send with each."""
        if not (self.enabled and self.webhook_url):
            return False
        try:
            await TelegramOutput(self.api_url, self.token).call(
                "setWebhook", {"url": self.webhook_url, "secret_token": self.secret}
            )
        except BotApiError as exc:
            log.warning("Telegram: setting the webhook failed: %s", exc)
            return False
        return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("csbot_telegram", __name__)

        @hook.listener("after_server_start")
        async def register(app: Any, loop: Any) -> None:
            await self.set_webhook()

        @hook.listener("before_server_stop")
        async def drain(app: Any, loop: Any) -> None:
            try:
                await asyncio.wait_for(self.turns.idle(), DRAIN_S)
            except asyncio.TimeoutError:
                log.warning("Telegram: stopped with turns still queued")

        @hook.middleware("request")
        async def guard(request: Request) -> HTTPResponse | None:
            if not self.enabled:
                return response.json({"error": "Telegram is not configured"}, status=404)
            if not same_secret(request.args.get("token"), self.rasa_token):
                return response.json({"error": "missing or wrong token"}, status=401)
            return None

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not same_secret(request.headers.get(SECRET_HEADER), self.secret):
                log.warning("Telegram: refused an update without the webhook secret")
                return response.text("invalid secret token", status=403)
            try:
                update = request.json
            except Exception:  # noqa: BLE001 - sanic raises its own for bad JSON
                update = None
            said = update_text(update) if isinstance(update, dict) else None
            if said:
                try:
                    first = await self._first_time(update)
                except SQLAlchemyError:
                    log.exception("Telegram: could not record an update")
                    return response.text("try again later", status=503)
                if first:
                    self.turns.add(said[0], partial(self._deliver, *said, on_new_message))
            return response.text("success")

        return hook

    async def _first_time(self, update: dict[str, Any]) -> bool:
        """False for an update delivered before (by its `update_id`)."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return True
        return await asyncio.to_thread(self.deliveries.first_time, self.name(), str(update_id))

    async def _deliver(
        self,
        chat: str,
        text: str,
        query_id: str | None,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        out = TelegramOutput(self.api_url, self.token)
        if query_id:  # stop the button's spinner; a courtesy
            try:
                await out.call("answerCallbackQuery", {"callback_query_id": query_id})
            except BotApiError as exc:
                log.warning("Telegram: answerCallbackQuery failed: %s", exc)
        try:
            # no card numbers or passwords into Rasa; in a worker thread, off Rasa's event loop
            said = await asyncio.to_thread(redact_at_edge, text)
            await on_new_message(UserMessage(said, out, chat, input_channel=self.name()))
        except Exception:
            log.exception("Telegram: handling a message from %s failed", chat)
