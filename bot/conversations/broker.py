"""Rasa event broker that feeds the conversation log (configured in endpoints.yml).

    event_broker:
      type: bot.conversations.broker.ConversationLogBroker

The database is CSBOT_DATABASE_URL unless the endpoint config gives `url`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.conversations.log import BufferedWriter, ConversationLog
from bot.runtime.database import create_schema, make_engine
from bot.runtime.settings import Settings


class ConversationLogBroker(EventBroker):
    def __init__(self, writer: BufferedWriter) -> None:
        self.writer = writer

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig | None, event_loop: Any = None
    ) -> ConversationLogBroker:
        url = (broker_config.url if broker_config else None) or Settings.from_env().database_url
        engine = make_engine(url)
        await asyncio.get_running_loop().run_in_executor(None, create_schema, engine)
        return cls(BufferedWriter(ConversationLog(engine)))

    def publish(self, event: dict[str, Any]) -> None:
        self.writer.put(event)

    def is_ready(self) -> bool:
        return self.writer.alive

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.writer.close)
