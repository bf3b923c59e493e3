"""Spreading the web app's calls to Rasa over the Rasa replicas (CSBOT_RASA_URLS), one
`RasaClient` each.

Each conversation goes to one healthy replica, picked by rendezvous hashing of the
conversation id: it stays there while that replica is up, and when one goes down only its
own conversations move. Replicas share the tracker store and the Redis lock store, so any of
them may serve any conversation; sticking to one just keeps its requests in order.

A replica that refuses a connection is marked down and the request goes to the next one,
but only when it provably never reached Rasa (`RasaUnreached`). After it may have been read
(a read timeout, a dropped connection, an error status) sending it elsewhere could process
the customer's message twice, so the caller gets the error instead (the widget's "try
again" or "reconnecting"). A background task asks the replicas marked down (GET /) every
`recheck_s` and brings back those that answer.

The console's model page loads a model on every replica (`switch_model`): all or none.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bot.web.rasa_client import (
    MODEL_LOAD_TIMEOUT_S,
    RasaClient,
    RasaDown,
    RasaUnavailable,
    RasaUnreached,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
RECHECK_S = 1.0


def _weight(url: str, conversation: str) -> bytes:
    return hashlib.sha256(f"{url}\n{conversation}".encode()).digest()


class ModelSwitchError(RuntimeError):
    """A replica could not load the model; every replica serves what it served before."""


class Replicas:
    """The Rasa replicas, a client for each, with what the web app last learnt of their
    health. `close()` closes the clients' sessions (the web app's shutdown)."""

    def __init__(
        self,
        urls: Sequence[str],
        token: str,
        timeout_s: float = 30.0,
        recheck_s: float = RECHECK_S,
    ) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self.all = tuple(RasaClient(url, token, timeout_s) for url in urls)
        self.down: set[str] = set()
        self.recheck_s = recheck_s

    async def close(self) -> None:
        for rasa in self.all:
            await rasa.close()

    def order(self, conversation: str) -> list[RasaClient]:
        """The replicas in the order to try for `conversation`: the healthy ones by their
        rendezvous weight, then those marked down (they may be back before the recheck)."""
        ranked = sorted(self.all, key=lambda r: _weight(r.url, conversation), reverse=True)
        return [r for r in ranked if r.url not in self.down] + [
            r for r in ranked if r.url in self.down
        ]

    def mark_down(self, rasa: RasaClient, why: str) -> None:
        if rasa.url not in self.down:
            log.warning("Rasa at %s is down (%s); its conversations move on", rasa.url, why)
        self.down.add(rasa.url)

    async def call(self, conversation: str, use: Callable[[RasaClient], Awaitable[T]]) -> T:
        """`await use(rasa)` on the conversation's replica, moving on to the next while the
        request never reached the one tried: `call(sender, lambda r: r.send(sender, text))`."""
        failure: RasaUnreached | None = None
        for rasa in self.order(conversation):
            try:
                return await use(rasa)
            except RasaDown as exc:
                self.mark_down(rasa, str(exc))
                if not isinstance(exc, RasaUnreached):
                    raise
                failure = exc
        assert failure is not None
        raise failure

    async def reachable(self, conversation: str) -> bool:
        """Whether a replica that could take `conversation` answers now (GET /)."""
        for rasa in self.order(conversation):
            if await rasa.alive():
                self.down.discard(rasa.url)
                return True
            self.mark_down(rasa, "no answer to GET /")
        return False

    async def recheck(self) -> None:
        """Ask each replica marked down whether it answers again."""
        for rasa in [r for r in self.all if r.url in self.down]:
            if await rasa.alive():
                self.down.discard(rasa.url)
                log.warning("Rasa at %s answers again", rasa.url)

    async def keep_checking(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_s)
            try:
                await self.recheck()
            except Exception:  # never let the recheck die; it is what brings replicas back
                log.exception("rechecking the Rasa replicas failed")

    async def switch_model(
        self, model: Path, timeout_s: float = MODEL_LOAD_TIMEOUT_S
    ) -> dict[str, str]:
        """Load `model` on every replica (Rasa's model-replace API), one after another, each
        confirmed by its status. Returns what each served before. If any replica is
        unreachable none is switched; if one fails to load it, those already switched go
        back to what they served (ModelSwitchError either way, naming the replica)."""
        before: dict[str, str] = {}
        for rasa in self.all:
            try:
                before[rasa.url] = await rasa.serving()
            except RasaUnavailable as exc:
                raise ModelSwitchError(f"Rasa at {rasa.url} did not answer ({exc})") from None
        switched: list[RasaClient] = []
        for rasa in self.all:
            try:
                await rasa.load_model(model, timeout_s)
            except RasaUnavailable as exc:
                stuck = await _restore(switched, model.parent, before, timeout_s)
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
    switched: Sequence[RasaClient], models_dir: Path, before: dict[str, str], timeout_s: float
) -> list[str]:
    """Load each switched replica's previous model again; the replicas that could not."""
    stuck = []
    for rasa in switched:
        try:
            await rasa.load_model(models_dir / before[rasa.url], timeout_s)
        except RasaUnavailable as exc:
            log.error("Rasa at %s could not go back to %s: %s", rasa.url, before[rasa.url], exc)
            stuck.append(f"Rasa at {rasa.url} ({exc})")
    return stuck
