"""Spreading the web app's calls to Rasa over the Rasa replicas (CSBOT_RASA_URLS).

Each conversation goes to one healthy replica, picked by rendezvous hashing of the
conversation id: it stays there while that replica is up, and when one goes down only its
own conversations move. Replicas share the tracker store and the Redis lock store, so any of
them may serve any conversation; sticking to one just keeps its requests in order.

A replica that refuses a connection is marked down and the request goes to the next one,
but only when it provably never reached Rasa (`RasaUnavailable.unsent`). After it may have
been read (a read timeout, a dropped connection, an error status) sending it elsewhere could
process the customer's message twice, so the caller gets the error instead (the widget's
"try again" or "reconnecting"). A background task asks the replicas marked down (GET /)
every `recheck_s` and brings back those that answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import aiohttp

from bot.web.rasa_client import Rasa, RasaUnavailable, alive

log = logging.getLogger(__name__)
T = TypeVar("T")
RECHECK_S = 1.0


def _weight(url: str, conversation: str) -> bytes:
    return hashlib.sha256(f"{url}\n{conversation}".encode()).digest()


class Replicas:
    """The Rasa replicas with what the web app last learnt of their health."""

    def __init__(self, urls: Sequence[str], token: str, recheck_s: float = RECHECK_S) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self.all = tuple(Rasa(url, token) for url in urls)
        self.down: set[str] = set()
        self.recheck_s = recheck_s

    def order(self, conversation: str) -> list[Rasa]:
        """The replicas in the order to try for `conversation`: the healthy ones by their
        rendezvous weight, then those marked down (they may be back before the recheck)."""
        ranked = sorted(self.all, key=lambda r: _weight(r.url, conversation), reverse=True)
        return [r for r in ranked if r.url not in self.down] + [
            r for r in ranked if r.url in self.down
        ]

    def mark_down(self, rasa: Rasa, why: str) -> None:
        if rasa.url not in self.down:
            log.warning("Rasa at %s is down (%s); its conversations move on", rasa.url, why)
        self.down.add(rasa.url)

    async def call(
        self,
        http: aiohttp.ClientSession,
        fn: Callable[..., Awaitable[T]],
        conversation: str,
        *args: Any,
        **kwargs: Any,
    ) -> T:
        """`fn(http, rasa, conversation, *args, **kwargs)` on the conversation's replica,
        moving on to the next while the request never reached the one tried."""
        failure: RasaUnavailable | None = None
        for rasa in self.order(conversation):
            try:
                return await fn(http, rasa, conversation, *args, **kwargs)
            except RasaUnavailable as exc:
                if exc.down:
                    self.mark_down(rasa, str(exc))
                if not exc.unsent:
                    raise
                failure = exc
        assert failure is not None
        raise failure

    async def reachable(self, http: aiohttp.ClientSession, conversation: str) -> bool:
        """Whether a replica that could take `conversation` answers now (GET /)."""
        for rasa in self.order(conversation):
            if await alive(http, rasa.url):
                self.down.discard(rasa.url)
                return True
            self.mark_down(rasa, "no answer to GET /")
        return False

    async def recheck(self, http: aiohttp.ClientSession) -> None:
        """Ask each replica marked down whether it answers again."""
        for rasa in [r for r in self.all if r.url in self.down]:
            if await alive(http, rasa.url):
                self.down.discard(rasa.url)
                log.warning("Rasa at %s answers again", rasa.url)

    async def keep_checking(self, http: aiohttp.ClientSession) -> None:
        while True:
            await asyncio.sleep(self.recheck_s)
            try:
                await self.recheck(http)
            except Exception:  # never let the recheck die; it is what brings replicas back
                log.exception("rechecking the Rasa replicas failed")
