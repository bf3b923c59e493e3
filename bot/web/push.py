"""Server-Sent Events: new messages pushed to the widget and the agent console.

Each message goes out as an event whose `id:` is its row id in the conversation log, and a
stream resumes after the id in the `Last-Event-ID` header (the browser's EventSource sends
the last one it received when it reconnects) or in `?after=`: a reconnect neither loses nor
repeats a message. The first event (`ready`) carries the id the stream starts after, so even a
stream that delivered nothing yet reconnects from the right place.

The log is written by the projection in the Rasa process; the web process's one poller
(`bot.web.notifier`) looks in the database every CSBOT_STREAM_CHECK_S and wakes the streams
with news, which then read it (and each stream reads once a heartbeat anyway, for what no
message announces, such as a deleted ticket). A comment line every
CSBOT_STREAM_HEARTBEAT_S keeps proxies from closing an idle stream, and after
CSBOT_STREAM_MAX_S the stream ends and the browser reconnects, which checks the login
(console) or cookie (widget) again. A stream may pass a `beat` to run at each heartbeat: the
console's keeps the agent watching it present (the stream is the page's only request for
minutes) and ends the stream once their session has.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable

from aiohttp import web

from bot.web.keys import NOTIFIER, SETTINGS
from bot.web.notifier import polling

# Reads what came after a message id: (events to send, id to resume after). Runs in a thread.
Reader = Callable[[int], tuple[list["Event"], int]]
# Runs in a thread at each heartbeat; False ends the stream.
Beat = Callable[[], bool]


class Event:
    """One SSE event; `id` is the message id the stream resumes after."""

    def __init__(self, data: object, id: int | None = None, name: str | None = None) -> None:
        self.data, self.id, self.name = data, id, name

    def encode(self) -> bytes:
        lines = []
        if self.name:
            lines.append(f"event: {self.name}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        lines.append(f"data: {json.dumps(self.data)}")  # json.dumps escapes newlines
        return ("\n".join(lines) + "\n\n").encode()


def resume_after(request: web.Request) -> str | None:
    """The id to resume after: the EventSource's Last-Event-ID, else `?after=`."""
    return request.headers.get("Last-Event-ID") or request.query.get("after")


async def _stop_streams(app: web.Application) -> None:
    app[NOTIFIER].close()  # open streams end now instead of holding up the shutdown


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(polling)
    app.on_shutdown.append(_stop_streams)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _wait(request: web.Request, news: asyncio.Event, until: float, every: float) -> None:
    """Until there is news, the monotonic time `until`, or the client has left (looked at
    every `every` seconds: no database, no thread, so a closed tab frees its stream's slot
    (`bot.web.limits`) at once)."""
    while not news.is_set() and not _gone(request) and (left := until - time.monotonic()) > 0:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(news.wait(), min(left, every))


async def stream(
    request: web.Request,
    after: int,
    read: Reader,
    first: list[Event],
    topic: str,
    beat: Beat | None = None,
) -> web.StreamResponse:
    """Send `first`, then whatever `read` finds after `after` each time the notifier has news
    on `topic` (a conversation id, or `notifier.TICKETS`) and at each heartbeat, until the
    client leaves, the stream's time is up, `beat` says stop or the app stops."""
    settings, notifier = request.app[SETTINGS], request.app[NOTIFIER]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx: pass events on at once
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 1000\n\n")
    for event in [Event({"after": after}, id=after, name="ready"), *first]:
        await response.write(event.encode())
    started = beaten = time.monotonic()
    ends = started + settings.stream_max_s
    try:
        while not (_gone(request) or notifier.closed) and time.monotonic() < ends:
            news = notifier.watch(topic)  # before reading: news while it reads is not missed
            events, after = await asyncio.to_thread(read, after)
            for event in events:
                await response.write(event.encode())
            if time.monotonic() - beaten >= settings.stream_heartbeat_s:
                if beat is not None and not await asyncio.to_thread(beat):
                    break
                await response.write(b": heartbeat\n\n")
                beaten = time.monotonic()
            until = min(beaten + settings.stream_heartbeat_s, ends)
            await _wait(request, news, until, settings.stream_check_s)
    except ConnectionResetError:  # the browser went away mid-write
        pass
    return response
