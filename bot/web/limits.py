"""How much one client may ask of the widget's API: messages a minute, polls a minute and
push streams open at once, each per conversation (the chat cookie) and per client address
(a new cookie is free to get, an address is not).

Over a limit the API answers 429 with Retry-After and an `error` the widget shows. The counts
live in memory, per web process (csbot runs one): a restart forgets them, which is harmless.
The client address is `request.remote`, an IPv6 one counted as its /64
(`bot.support.addresses`). Behind a reverse proxy every customer has the proxy's address and
the per-address limits apply to all of them together, until trusted proxies are configurable.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aiohttp import web

from bot.runtime.settings import Settings
from bot.support.addresses import client_key
from bot.web.identity import CONVERSATION, Handler
from bot.web.keys import LIMITS

TOO_FAST = (
    "You're sending messages faster than we can answer. Please wait {seconds} seconds, "
    "then send it again."
)
TOO_MANY_STREAMS = "Too many chat windows are open. Close one and reload this page."
TOO_MANY_POLLS = "Too many requests. Please wait {seconds} seconds."
STREAM_RETRY_S = 30  # a stream slot frees when another window closes or its stream ends
# Settings for harnesses that play many customers from one address (the tests' stacks,
# `make bench-load`, `make eval-journeys`): limits no real customer or office reaches.
ONE_ADDRESS_MANY_CUSTOMERS = {
    "messages_per_minute": 100_000,
    "messages_per_minute_per_address": 100_000,
    "polls_per_minute_per_address": 100_000,
    "streams_per_conversation": 1_000,
    "streams_per_address": 100_000,
}
SWEEP_EVERY = 1000  # takes between sweeps of idle buckets


class Rate:
    """At most `per_minute` per key: a burst of that many, then one every 60/per_minute s (a
    token bucket). `clock` is seconds, monotonic; tests pass their own."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._takes = 0

    def _tokens(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - when) * self.per_second)

    def wait(self, key: str) -> float:
        """Seconds until `key` may go again (0: now)."""
        return max(0.0, (1 - self._tokens(key, self._clock())) / self.per_second)

    def take(self, key: str) -> None:
        now = self._clock()
        self._buckets[key] = (self._tokens(key, now) - 1, now)
        self._takes += 1
        if self._takes % SWEEP_EVERY == 0:  # forget keys whose bucket has filled up again
            full = [k for k in self._buckets if self._tokens(k, now) >= self.capacity]
            for k in full:
                del self._buckets[k]


class Slots:
    """At most `per_key` held at once per key."""

    def __init__(self, per_key: int) -> None:
        self.per_key = per_key
        self._held: Counter[str] = Counter()

    def free(self, key: str) -> bool:
        return self._held[key] < self.per_key

    def hold(self, key: str) -> None:
        self._held[key] += 1

    def release(self, key: str) -> None:
        self._held[key] -= 1
        if self._held[key] <= 0:
            del self._held[key]


class Limits:
    """Every limit of the widget's API, from CSBOT_MESSAGES_*, CSBOT_STREAMS_* and
    CSBOT_POLLS_* (see README)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.messages = (
            Rate(settings.messages_per_minute, clock),
            Rate(settings.messages_per_minute_per_address, clock),
        )
        self.polls = Rate(settings.polls_per_minute_per_address, clock)
        self.streams = (
            Slots(settings.streams_per_conversation),
            Slots(settings.streams_per_address),
        )

    def message(self, conversation: str, address: str) -> float:
        """Seconds to wait before this message may go (0: it goes, and counts)."""
        by_conversation, by_address = self.messages
        wait = max(by_conversation.wait(conversation), by_address.wait(address))
        if not wait:
            by_conversation.take(conversation)
            by_address.take(address)
        return wait

    def poll(self, address: str) -> float:
        wait = self.polls.wait(address)
        if not wait:
            self.polls.take(address)
        return wait

    @contextmanager
    def stream(self, conversation: str, address: str) -> Iterator[bool]:
        """Yields whether a stream may open; if so it holds its slots until the block ends."""
        by_conversation, by_address = self.streams
        if not (by_conversation.free(conversation) and by_address.free(address)):
            yield False
            return
        by_conversation.hold(conversation)
        by_address.hold(address)
        try:
            yield True
        finally:
            by_conversation.release(conversation)
            by_address.release(address)


def too_many(message: str, wait: float) -> web.Response:
    seconds = max(1, math.ceil(wait))
    return web.json_response(
        {"error": message.format(seconds=seconds), "retry_after": seconds},
        status=429,
        headers={"Retry-After": str(seconds)},
    )


@web.middleware
async def customer_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The limits of the widget's API, before its handlers run (after `customer_identity`,
    which names the conversation)."""
    limits, path = request.app[LIMITS], request.path
    conversation, address = request.get(CONVERSATION, ""), client_key(request.remote)
    if path == "/api/messages" and request.method == "POST":
        if wait := limits.message(conversation, address):
            return too_many(TOO_FAST, wait)
    elif path in ("/api/updates", "/api/history"):
        if wait := limits.poll(address):
            return too_many(TOO_MANY_POLLS, wait)
    elif path == "/api/stream":
        with limits.stream(conversation, address) as opened:
            if not opened:
                return too_many(TOO_MANY_STREAMS, STREAM_RETRY_S)
            return await handler(request)
    return await handler(request)
