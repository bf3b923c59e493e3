"""`csbot log-consumer`: the conversation log written from RabbitMQ (the production profile).

With CSBOT_RABBITMQ_URL set, each Rasa process publishes the events of a turn, once they are
committed to its tracker store, through Rasa's Pika event broker to a durable queue
(CSBOT_RABBITMQ_QUEUE, `csbot_log`), persistent. This consumer, the log's one writer, stores
each message with `log_event` (the same per-event store, redaction and dead letters as the
projector) and acknowledges it only once that transaction has committed, so:

- a crash or kill -9 loses nothing: RabbitMQ redelivers what was not acknowledged, and a
  redelivered event the log already has is skipped by its (conversation, digest);
- the database down or locked: the message is retried, with backoff, and not acknowledged
  until stored; the ones after it wait (nothing is skipped, the order is kept);
- a poison message (not JSON, no sender, breaks a constraint) goes to `dead_letters` and is
  acknowledged, so it never blocks the rest;
- RabbitMQ gone: reconnect with backoff; the messages it had handed out come back;
- a Rasa process killed between its commit and the publish: those events are in the tracker
  store but never reach RabbitMQ. When the queue is idle the consumer sweeps the tracker
  store after a cursor of its own (`broker_sweep`), rows older than a minute, and stores
  what the log lacks (the rest is skipped by digest); it runs between messages, so the
  consumer stays the log's one writer.

SIGTERM or Ctrl-C: the message in hand is finished and acknowledged, then the consumer
stops; the messages fetched ahead (at most `prefetch`) go back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
import time
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.engine import Engine

from bot.conversations.health import LogHealth, log_health
from bot.conversations.intake import DUPLICATE, Received, log_event
from bot.conversations.log import ConversationLog
from bot.conversations.projection import LogProjector
from bot.conversations.tracker_events import TRACKER_EVENTS
from bot.outages import transient

log = logging.getLogger(__name__)
SWEEP_CURSOR = "broker_sweep"
SWEEP_SETTLE_S = 60.0  # the broker delivers in milliseconds; older and unlogged means lost
SWEEP_EVERY_S = 5.0


def broker_event(body: bytes) -> dict[str, Any]:
    """The event Rasa's broker published: `{"sender_id": ..., **event.as_dict()}` as JSON."""
    event = json.loads(body)
    if not isinstance(event, dict) or not event.get("sender_id"):
        raise ValueError("not a Rasa event: no sender_id")
    return event


def received(body: bytes) -> Received:
    """What a dead letter keeps of a message: its text and, if it says, whose and what."""
    raw = body.decode("utf-8", errors="replace")
    try:
        event = json.loads(raw)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        return Received(raw, None, None)
    sender, kind = event.get("sender_id"), event.get("event")
    return Received(raw, str(sender) if sender else None, str(kind) if kind else None)


@dataclass(frozen=True)
class QueueState:
    """What `/api/health` and `csbot status` report about the queue."""

    messages: int  # waiting, not handed to a consumer yet
    consumers: int


async def queue_state(url: str, queue: str, timeout: float = 5.0) -> QueueState | None:
    """The queue's depth and consumers (a passive declare); None when RabbitMQ cannot be
    reached or the queue does not exist yet."""
    try:
        connection = await aio_pika.connect(url, timeout=timeout)
    except Exception:
        return None
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        result = declared.declaration_result
        return QueueState(result.message_count or 0, result.consumer_count or 0)
    except Exception:
        return None
    finally:
        await connection.close()


async def log_status(engine: Engine, rabbitmq_url: str | None, queue: str) -> LogHealth:
    """The log's health as `/api/health` and `csbot status` report it: from the cursor when
    Rasa projects it, else the queue's depth and consumers from RabbitMQ."""
    health = await asyncio.to_thread(log_health, engine)
    if not rabbitmq_url:
        return health
    state = await queue_state(rabbitmq_url, queue)
    return dataclasses.replace(
        health,
        position=None,
        backlog=state.messages if state else None,
        oldest_backlog_s=None,
        broker="up" if state else "down",
        consumers=state.consumers if state else None,
    )


class LogConsumer:
    """Stores the events on `queue` into the conversation log, one at a time, in order."""

    def __init__(
        self,
        engine: Engine,
        url: str,
        queue: str,
        prefetch: int = 50,
        retry_initial: float = 0.2,
        retry_max: float = 5.0,
        sweep_settle_s: float = SWEEP_SETTLE_S,
    ) -> None:
        self.engine = engine
        self.log = ConversationLog(engine)
        self.sweeper = LogProjector(engine, batch=100, cursor=SWEEP_CURSOR, settle_s=sweep_settle_s)
        self._next_sweep = 0.0
        self.url = url
        self.queue = queue
        self.prefetch = prefetch
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.counts = {"stored": 0, "duplicate": 0, "dead letter": 0}
        self.failures = 0  # transient database errors seen (and retried)
        self.reconnects = 0
        self.consuming = False
        self.stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the message in hand, then return from `run`."""
        self.stopping.set()

    async def run(self) -> None:
        """Consume until `stop`, reconnecting to RabbitMQ with backoff whenever it is lost."""
        delay = self.retry_initial
        while not self.stopping.is_set():
            self.consuming = False
            try:
                await self._consume()
            except Exception as exc:
                log.warning("log consumer: RabbitMQ connection lost or refused: %r", exc)
            if self.stopping.is_set():
                break
            if self.consuming:  # it worked for a while: start the backoff afresh
                delay = self.retry_initial
            self.reconnects += 1
            await self._pause(delay)
            delay = min(delay * 2, self.retry_max)

    async def _consume(self) -> None:
        """One connection: take messages until `stop` or the connection breaks."""
        connection = await aio_pika.connect(self.url, timeout=10)
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = await channel.declare_queue(self.queue, durable=True)  # as Rasa declares it
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            await queue.consume(inbox.put)
            self.consuming = True
            log.info("log consumer: consuming %s", self.queue)
            while not self.stopping.is_set():
                if channel.is_closed:
                    raise ConnectionError("RabbitMQ closed the channel")
                try:
                    message = await asyncio.wait_for(inbox.get(), timeout=0.5)
                except asyncio.TimeoutError:
                    await self.sweep()  # idle: nothing waits behind it
                    continue
                await self.handle(message)
        finally:  # unacknowledged messages go back to the queue (as they do when it broke)
            if not connection.is_closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.close(), timeout=5)

    async def handle(self, message: AbstractIncomingMessage) -> str | None:
        """Store one message, then acknowledge it; None (and no acknowledgement, so RabbitMQ
        redelivers it) when asked to stop while the database was still unavailable."""
        outcome = await self._store(message.body)
        if outcome is None:
            return None
        await message.ack()
        self.counts[outcome] += 1
        if outcome == DUPLICATE:
            log.info("log consumer: a redelivered event the log already has, skipped")
        return outcome

    async def _store(self, body: bytes) -> str | None:
        delay = self.retry_initial
        while True:
            try:
                return await asyncio.to_thread(
                    log_event, self.engine, self.log, received(body), lambda: broker_event(body)
                )
            except Exception as exc:
                if not transient(exc):
                    raise
                self.failures += 1
                log.warning("log consumer: database unavailable (%s); retrying", exc)
            if await self._pause(delay):
                return None
            delay = min(delay * 2, self.retry_max)

    async def sweep(self) -> None:
        """One batch of the tracker-store sweep when due (see the module's docstring)."""
        if time.monotonic() < self._next_sweep:
            return
        try:
            handled = await asyncio.to_thread(self._sweep_batch)
        except Exception as exc:  # the sweep is a safety net: never stop consuming for it
            log.warning("log consumer: sweeping the tracker store failed (%r)", exc)
            handled = 0
        more = handled == self.sweeper.batch
        self._next_sweep = time.monotonic() + (0 if more else SWEEP_EVERY_S)

    def _sweep_batch(self) -> int:
        with self.engine.connect() as connection:
            if not connection.dialect.has_table(connection, TRACKER_EVENTS.name):
                return 0  # no Rasa on this database yet
        return self.sweeper.step()

    async def _pause(self, seconds: float) -> bool:
        """Sleep, or less when asked to stop; True if asked."""
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return False
        return True


def run_consumer(engine: Engine, url: str, queue: str) -> dict[str, int]:
    """`csbot log-consumer`: consume until SIGTERM or Ctrl-C; what it did."""

    async def main() -> dict[str, int]:
        consumer = LogConsumer(engine, url, queue)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, consumer.stop)
        await consumer.run()
        return {**consumer.counts, "database retries": consumer.failures}

    return asyncio.run(main())
