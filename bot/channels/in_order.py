"""Turns in the background: one sender's in the order they came, different senders' side by
side.

The channels answer the platform as soon as a message's turn is queued here: a webhook that
answered only after the turn made the platform redeliver a slow one. Queued per sender, so a
customer's second message never overtakes their first. No Rasa import.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

log = logging.getLogger(__name__)
Turn = Callable[[], Awaitable[object]]


class InOrder:
    def __init__(self) -> None:
        self._last: dict[str, asyncio.Task] = {}  # each sender's latest queued turn

    def add(self, sender: str, turn: Turn) -> None:
        """Run `turn` once every turn queued before it for `sender` has finished."""
        task = asyncio.create_task(_after(self._last.get(sender), turn))
        self._last[sender] = task
        task.add_done_callback(partial(self._forget, sender))

    def _forget(self, sender: str, task: asyncio.Task) -> None:
        if self._last.get(sender) is task:
            del self._last[sender]

    async def idle(self) -> None:
        """Until every turn queued so far has run (tests; Rasa's shutdown)."""
        while self._last:
            await asyncio.wait(list(self._last.values()))


async def _after(before: asyncio.Task | None, turn: Turn) -> None:
    if before is not None:
        await asyncio.wait([before])  # its failure is its own: this turn runs anyway
    try:
        await turn()
    except Exception:
        log.exception("a queued turn failed")
