"""Readiness: is Rasa answering, and is the conversation log keeping up?

`GET /api/health` answers 200 with `"status": "ok"`, or 503 with `"degraded"` and the
problems: no Rasa replica answering (how many do: `rasa_replicas`), or the log's backlog
(tracker-store events not yet logged) above CSBOT_LOG_BACKLOG_LIMIT or older than a minute.
With RabbitMQ the backlog is the queue's depth, and RabbitMQ down or no log consumer on the
queue are problems too. Dead letters are reported, not counted as a problem: each is one
event set aside, and the log carries on. `/healthz` stays the plain liveness check of the
web app itself.

The endpoint is public and its checks are not cheap (a RabbitMQ connection, the backlog
count, a call to every Rasa replica), so an answer is reused for CSBOT_HEALTH_CACHE_S and
one check runs at a time: however often it is asked, the checks run at most once a window.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

from aiohttp import web

from bot.web.keys import HEALTH, REPLICAS, SERVICES, SETTINGS

T = TypeVar("T")


class Cached(Generic[T]):
    """`check()`'s answer, reused for `ttl_s`; callers while it runs wait for its answer."""

    def __init__(
        self, check: Callable[[], Awaitable[T]], ttl_s: float, clock: Callable[[], float]
    ) -> None:
        self._check, self._ttl_s, self._clock = check, ttl_s, clock
        self._lock = asyncio.Lock()
        self._answer: tuple[float, T] | None = None

    def _fresh(self) -> T | None:
        if self._answer is not None and self._clock() - self._answer[0] < self._ttl_s:
            return self._answer[1]
        return None

    async def get(self) -> T:
        async with self._lock:
            answer = self._fresh()
            if answer is None:
                answer = await self._check()
                self._answer = (self._clock(), answer)
            return answer


def caching(clock: Callable[[], float] = time.monotonic):
    """The app's cached readiness (`cleanup_ctx`); tests pass their own clock."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[HEALTH] = Cached(lambda: _check(app), app[SETTINGS].health_cache_s, clock)
        yield

    return ctx


async def readiness(request: web.Request) -> web.Response:
    body, status = await request.app[HEALTH].get()
    return web.json_response(body, status=status)


async def _check(app: web.Application) -> tuple[dict, int]:
    settings = app[SETTINGS]
    try:
        log = await app[SERVICES].log_monitor.status(settings.rabbitmq_url, settings.rabbitmq_queue)
    except Exception as exc:  # database down or locked: an answer too, cached like the others
        logging.getLogger(__name__).warning("health: the log's status is unreadable: %s", exc)
        body = {"status": "degraded", "problems": ["the database is not answering"]}
        return body, 503
    answers = await asyncio.gather(*(rasa.alive() for rasa in app[REPLICAS].all))
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
    return body, 503 if problems else 200
