"""Server-Sent Events: new messages pushed to the widget and the agent console.

Each message goes out as an event whose `id:` is its row id in the conversation log, and a
stream resumes after the id in the `Last-Event-ID` header (the browser's EventSource sends
the last one it received when it reconnects) or in `?after=`: a reconnect neither loses nor
repeats a message. The first event (`ready`) carries the id the stream starts after, so even a
stream that delivered nothing yet reconnects from the right place.

The log is written by the projection in the Rasa process, so an open stream looks in the
database every CSBOT_STREAM_CHECK_S (one indexed query per open stream, not an HTTP request
per browser and second); a comment line every CSBOT_STREAM_HEARTBEAT_S keeps proxies from
closing an idle stream, and after CSBOT_STREAM_MAX_S the stream ends and the browser
reconnects, which checks the login (console) or cookie (widget) again. A stream may pass a
`beat` to run at each heartbeat: the console's keeps the agent watching it present (the
stream is the page's only request for minutes) and ends the stream once their session has.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.web.keys import SETTINGS

# Reads what came after a message id: (events to send, id to resume after). Runs in a thread.
Reader = Callable[[int], tuple[list["Event"], int]]
# Runs in a thread at each heartbeat; False ends the stream.
Beat = Callable[[], bool]
STOPPING = web.AppKey("push_stopping", asyncio.Event)


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


async def _stopping(app: web.Application) -> AsyncIterator[None]:
    app[STOPPING] = asyncio.Event()
    yield


async def _stop_streams(app: web.Application) -> None:
    app[STOPPING].set()  # open streams end now instead of holding up the shutdown


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_stopping)
    app.on_shutdown.append(_stop_streams)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def stream(
    request: web.Request, after: int, read: Reader, first: list[Event], beat: Beat | None = None
) -> web.StreamResponse:
    """Send `first`, then whatever `read` finds after `after`, until the client leaves, the
    stream's time is up, `beat` says stop or the app stops."""
    settings = request.app[SETTINGS]
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
    stopping = request.app[STOPPING]
    started = beaten = time.monotonic()
    try:
        while not _gone(request) and time.monotonic() - started < settings.stream_max_s:
            events, after = await asyncio.to_thread(read, after)
            for event in events:
                await response.write(event.encode())
            if time.monotonic() - beaten >= settings.stream_heartbeat_s:
                if beat is not None and not await asyncio.to_thread(beat):
                    break
                await response.write(b": heartbeat\n\n")
                beaten = time.monotonic()
            try:
                await asyncio.wait_for(stopping.wait(), settings.stream_check_s)
                break
            except asyncio.TimeoutError:
                pass
    except ConnectionResetError:  # the browser went away mid-write
        pass
    return response
