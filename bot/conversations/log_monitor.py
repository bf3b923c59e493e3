"""The conversation log's health as the web app's `/api/health` reports it: behind the
services so the web app asks a service, not an engine, and a test can hand it a fake."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.conversations.health import LogHealth


class LogMonitor:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def status(self, rabbitmq_url: str | None, queue: str) -> LogHealth:
        """From the cursor when Rasa projects the log, else RabbitMQ's queue (`log_status`);
        raises whatever reading the database or the broker raised."""
        from bot.conversations.log_consumer import log_status  # aio_pika: the web app's only

        return await log_status(self._engine, rabbitmq_url, queue)
