"""Readiness: is Rasa answering, and is the conversation log keeping up?

`GET /api/health` answers 200 with `"status": "ok"`, or 503 with `"degraded"` and the
problems: no Rasa replica answering (how many do: `rasa_replicas`), or the log's backlog
(tracker-store events not yet logged) above CSBOT_LOG_BACKLOG_LIMIT or older than a minute.
With RabbitMQ the backlog is the queue's depth, and RabbitMQ down or no log consumer on the
queue are problems too. Dead letters are reported, not counted as a problem: each is one
event set aside, and the log carries on. `/healthz` stays the plain liveness check of the
web app itself.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.conversations.log_consumer import log_status
from bot.web import rasa_client
from bot.web.keys import HTTP, SERVICES, SETTINGS


async def readiness(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    engine = request.app[SERVICES].engine
    log = await log_status(engine, settings.rabbitmq_url, settings.rabbitmq_queue)
    http = request.app[HTTP]
    answers = await asyncio.gather(*(rasa_client.alive(http, url) for url in settings.rasa_urls))
    rasa_up = any(answers)
    problems = ([] if rasa_up else ["Rasa is not answering"]) + log.problems(
        settings.log_backlog_limit
    )
    body = {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "rasa": "up" if rasa_up else "down",
        "rasa_replicas": {"up": sum(answers), "of": len(answers)},  # one down: still serving
        # Counts only: this is the public entry; `csbot status` names the latest dead letter.
        "log": {k: v for k, v in log.as_dict().items() if k != "latest_dead_letter"},
    }
    return web.json_response(body, status=503 if problems else 200)
