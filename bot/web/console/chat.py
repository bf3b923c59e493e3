"""The ticket desk's way into a conversation (`bot.support.desk.CustomerChat`) over Rasa's
HTTP API, on the conversation's Rasa replica; Rasa not answering becomes the desk's
ChatUnavailable, so nothing below the web app knows about HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.support.desk import ChatEvent, ChatUnavailable
from bot.web.customer import to_rasa
from bot.web.rasa_client import RasaUnavailable


@dataclass(frozen=True)
class RasaChat:
    request: web.Request  # whose app holds the replicas and the HTTP session

    async def append(self, conversation_id: str, events: list[ChatEvent]) -> None:
        """Into the conversation, and out on its channel (Messenger, Telegram) through Rasa."""
        try:
            await to_rasa(
                self.request,
                conversation_id,
                lambda rasa: rasa.append_events(conversation_id, events, deliver=True),
            )
        except RasaUnavailable:
            raise ChatUnavailable() from None

    async def run_action(self, conversation_id: str, action: str) -> None:
        try:
            await to_rasa(
                self.request,
                conversation_id,
                lambda rasa: rasa.execute_action(conversation_id, action),
            )
        except RasaUnavailable:
            raise ChatUnavailable() from None
