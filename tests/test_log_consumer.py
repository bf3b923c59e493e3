"""The production profile's conversation log: Rasa's Pika event broker publishes to RabbitMQ and
`csbot log-consumer` stores each event once, acknowledging only what is committed, through
redeliveries, poison messages, database outages and a kill -9. Real RabbitMQ (skipped, with
the reason, where it is absent); each test has a queue of its own, deleted afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import pytest
import requests
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.conversations.log import digest
from bot.conversations.log_consumer import LogConsumer, log_status, queue_state
from bot.conversations.models import DeadLetter, LogCursor, LoggedEvent, Message
from bot.conversations.tracker_store import DurableTrackerStore
from bot.privacy.rasa_events import redact_event
from bot.runtime.database import create_schema, make_engine
from bot.runtime.rasa_config import event_broker_config
from bot.runtime.revisions import migrate
from bot.runtime.settings import PROJECT_ROOT
from bot.web.identity import COOKIE
from tests.conftest import start_demo_stack
from tests.test_conversation_log import tracker_rows

RABBITMQ_URL = os.environ.get("CSBOT_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def rabbitmq() -> str:
    """The real RabbitMQ's URL (skips the test, with the reason, when it is unreachable)."""

    async def reach() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL, timeout=3)
        await connection.close()

    try:
        asyncio.run(reach())
    except Exception as exc:
        pytest.skip(f"RabbitMQ not reachable at {RABBITMQ_URL}: {exc!r}")
    return RABBITMQ_URL


@pytest.fixture
def queue(rabbitmq) -> str:
    """A queue (and Rasa's exchange of the same name) for this test only."""
    name = f"csbot_test_{uuid.uuid4().hex[:12]}"
    yield name

    async def delete() -> None:
        connection = await aio_pika.connect(rabbitmq)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)
            await channel.exchange_delete(name)

    asyncio.run(delete())


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    create_schema(engine)
    yield engine
    engine.dispose()


def turn(sender: str, i: int, text: str = "where is my parcel?") -> list[dict]:
    """One turn as Rasa's tracker store streams it: `{"sender_id", **event.as_dict()}`."""
    t = 1_780_000_000.0 + i
    events = [
        UserUttered(text, {"intent": {"name": "order_status", "confidence": 0.9}}, timestamp=t),
        ActionExecuted("utter_order_status", timestamp=t + 0.1),
        BotUttered(f"It is on its way ({i}).", timestamp=t + 0.2),
        ActionExecuted("action_listen", timestamp=t + 0.3),
    ]
    return [{"sender_id": sender, **e.as_dict()} for e in events]


async def publish_with_rasa(url: str, queue: str, events: list[dict]) -> None:
    """Publish through Rasa's own PikaEventBroker, built from the endpoints csbot writes."""
    broker = await EventBroker.create(EndpointConfig.from_dict(event_broker_config(url, queue)))
    try:
        for e in events:
            broker.publish(e)
        await until_async(lambda: queue_state(url, queue), lambda s: s.messages >= len(events))
    finally:
        await broker.close()


async def publish_raw(url: str, queue: str, bodies: list[bytes]) -> None:
    """Publish bodies straight to the queue (persistent, as Rasa does)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(queue, durable=True)
        for body in bodies:
            message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            await channel.default_exchange.publish(message, routing_key=queue)


async def until_async(read, done, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = await read()
        if value is not None and done(value):
            return value
        assert time.monotonic() < deadline, f"gave up waiting: last {value}"
        await asyncio.sleep(0.05)


def consume_until(
    engine,
    url: str,
    queue: str,
    done: Callable[[LogConsumer], bool],
    timeout: float = 30.0,
    **options,
) -> LogConsumer:
    """Run a consumer until `done(consumer)`, then stop it as SIGTERM would."""

    async def main() -> LogConsumer:
        consumer = LogConsumer(engine, url, queue, retry_initial=0.05, **options)
        task = asyncio.create_task(consumer.run())
        deadline = time.monotonic() + timeout
        while not await asyncio.to_thread(done, consumer):
            assert not task.done(), "the consumer stopped by itself"
            assert time.monotonic() < deadline, "the log did not catch up in time"
            await asyncio.sleep(0.05)
        consumer.stop()
        await asyncio.wait_for(task, 10)
        return consumer

    return asyncio.run(main())


def count_logged(engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(LoggedEvent)).scalar()


def logged(engine) -> list[tuple]:
    with Session(engine) as session:
        return session.execute(
            select(LoggedEvent.conversation_id, LoggedEvent.seq, LoggedEvent.digest).order_by(
                LoggedEvent.conversation_id, LoggedEvent.seq
            )
        ).all()


def expected(events: list[dict]) -> list[tuple]:
    """(conversation, seq, digest) for each event, in the order it was published (the log
    digests an event once its personal data is redacted)."""
    rows, seq = [], {}
    for e in events:
        seq[e["sender_id"]] = seq.get(e["sender_id"], 0) + 1
        rows.append((e["sender_id"], seq[e["sender_id"]], digest(redact_event(e))))
    return sorted(rows)


def waiting(url: str, queue: str) -> int:
    return asyncio.run(queue_state(url, queue)).messages


def test_what_rasas_broker_publishes_is_logged_once_each_and_redacted(engine, rabbitmq, queue):
    events = turn("c1", 0, "my email is jane.doe@example.com") + turn("c2", 1) + turn("c1", 2)
    asyncio.run(publish_with_rasa(rabbitmq, queue, events))
    consumer = consume_until(engine, rabbitmq, queue, lambda _: count_logged(engine) == 12)
    assert consumer.counts == {"stored": 12, "duplicate": 0, "dead letter": 0}
    assert logged(engine) == expected(events)  # same digest as the tracker-store projection
    with Session(engine) as session:
        texts = session.execute(select(Message.text).order_by(Message.id)).scalars().all()
    assert len(texts) == 6 and "jane.doe@example.com" not in texts[0]
    assert waiting(rabbitmq, queue) == 0  # all acknowledged


def test_a_message_delivered_twice_is_logged_once(engine, rabbitmq, queue):
    events = turn("c1", 0)
    bodies = [json.dumps(e).encode() for e in events]
    asyncio.run(publish_raw(rabbitmq, queue, bodies + bodies[1:2]))  # the action again
    consumer = consume_until(engine, rabbitmq, queue, lambda c: sum(c.counts.values()) == 5)
    assert logged(engine) == expected(events)
    assert consumer.counts["duplicate"] == 1


def test_poison_messages_are_dead_lettered_and_the_rest_are_logged(engine, rabbitmq, queue):
    nobody = {
        "sender_id": "c9",
        "event": "bot",
        "text": "Hello from nobody",
        "timestamp": 1_780_000_000.0,
        "metadata": {"agent_id": 999_999},  # the log's foreign key refuses it
    }
    good = turn("c1", 0) + turn("c1", 1)
    bodies = [
        b"\xff not json",
        json.dumps({"event": "user", "text": "no sender, call 07700 900123"}).encode(),
        json.dumps(nobody).encode(),
        *(json.dumps(e).encode() for e in good),
    ]
    asyncio.run(publish_raw(rabbitmq, queue, bodies))
    consumer = consume_until(engine, rabbitmq, queue, lambda _: count_logged(engine) == 8)
    assert consumer.counts == {"stored": 8, "duplicate": 0, "dead letter": 3}
    assert logged(engine) == expected(good)
    with Session(engine) as session:
        dead = session.execute(select(DeadLetter).order_by(DeadLetter.id)).scalars().all()
    assert [(d.source_id, d.conversation_id, d.event_type) for d in dead] == [
        (None, None, None),
        (None, None, "user"),
        (None, "c9", "bot"),
    ]
    assert "07700 900123" not in dead[1].payload  # kept, but not the personal data
    assert "IntegrityError" in dead[2].error
    assert waiting(rabbitmq, queue) == 0
    health = asyncio.run(log_status(engine, rabbitmq, queue))
    assert health.dead_letters == 3 and health.latest_dead_letter.startswith("message (bot)")


def test_nothing_is_acknowledged_before_it_is_committed(engine, rabbitmq, queue):
    """The database refuses writes: the consumer retries and acknowledges nothing; stopped
    then, every event is still in RabbitMQ; once the database is back all are logged once."""
    events = turn("c1", 0) + turn("c2", 1)
    asyncio.run(publish_raw(rabbitmq, queue, [json.dumps(e).encode() for e in events]))
    outage = {"on": True}

    @event.listens_for(engine, "before_cursor_execute")
    def unavailable(conn, cursor, statement, parameters, context, executemany):
        if outage["on"] and "conversations" in statement:
            raise OperationalError(statement, parameters, Exception("database is locked"))

    first = consume_until(engine, rabbitmq, queue, lambda c: c.failures >= 3, retry_max=0.1)
    assert first.failures >= 3 and count_logged(engine) == 0
    assert waiting(rabbitmq, queue) == 8  # nothing acknowledged, nothing lost
    outage["on"] = False
    second = consume_until(engine, rabbitmq, queue, lambda _: count_logged(engine) == 8)
    assert second.failures == 0 and logged(engine) == expected(events)
    assert waiting(rabbitmq, queue) == 0


def test_the_database_coming_back_lets_the_held_message_through(engine, rabbitmq, queue):
    events = turn("c1", 0)
    asyncio.run(publish_raw(rabbitmq, queue, [json.dumps(e).encode() for e in events]))
    outage = {"left": 4}

    @event.listens_for(engine, "before_cursor_execute")
    def unavailable(conn, cursor, statement, parameters, context, executemany):
        if outage["left"] and "conversations" in statement:
            outage["left"] -= 1
            raise OperationalError(statement, parameters, Exception("server closed"))

    consumer = consume_until(engine, rabbitmq, queue, lambda _: count_logged(engine) == 4)
    assert consumer.failures == 4 and logged(engine) == expected(events)


def consumer_process(db_url: str, url: str, queue: str, log_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "CSBOT_DATABASE_URL": db_url,
        "CSBOT_RABBITMQ_URL": url,
        "CSBOT_RABBITMQ_QUEUE": queue,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    with open(log_path, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.cli", "log-consumer"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(done: Callable[[], bool], timeout: float, interval: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(interval)


def test_kill_9_of_the_consumer_loses_and_duplicates_nothing(
    db_url, engine, rabbitmq, queue, tmp_path
):
    """300 events; the consumer is killed -9 mid-stream; RabbitMQ keeps what was not
    acknowledged and the restarted consumer logs every event exactly once, in order."""
    events = [e for i in range(75) for e in turn(f"k{i % 15}", i)]  # 15 conversations
    asyncio.run(publish_raw(rabbitmq, queue, [json.dumps(e).encode() for e in events]))
    log_path = tmp_path / "consumer.log"
    first = consumer_process(db_url, rabbitmq, queue, log_path)
    try:
        wait_for(lambda: count_logged(engine) >= 20, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    at_kill = count_logged(engine)
    assert 20 <= at_kill < 300, "killed mid-stream"
    second = consumer_process(db_url, rabbitmq, queue, log_path)
    try:
        wait_for(lambda: count_logged(engine) >= 300, timeout=120, interval=0.2)
        wait_for(lambda: waiting(rabbitmq, queue) == 0, timeout=30, interval=0.2)
        second.send_signal(signal.SIGTERM)  # finishes the message in hand, then stops
        assert second.wait(15) == 0
    finally:
        second.kill()
    assert logged(engine) == expected(events)  # 300 rows: none lost, none twice, in order
    assert "log consumer stopped" in log_path.read_text()


def test_rasas_tracker_store_publishes_only_what_it_committed(db_url, rabbitmq, queue, monkeypatch):
    """With CSBOT_RABBITMQ_URL set the tracker store runs no projector (the consumer is the
    log's one writer) and hands the broker a turn's events once they are committed."""
    monkeypatch.setenv("CSBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("CSBOT_RABBITMQ_URL", rabbitmq)
    migrate(db_url)
    events = [e for i in range(2) for e in turn("c1", i)]
    tracker = DialogueStateTracker.from_dict("c1", [json.loads(json.dumps(e)) for e in events])
    refuse = {"on": True}

    async def save() -> DurableTrackerStore:
        config = EndpointConfig.from_dict(event_broker_config(rabbitmq, queue))
        broker = await EventBroker.create(config)
        store = DurableTrackerStore(Domain.empty(), event_broker=broker)

        @event.listens_for(store.engine, "before_cursor_execute")
        def broken(conn, cursor, statement, parameters, context, executemany):
            if refuse["on"] and statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
                raise IntegrityError(statement, parameters, Exception("constraint"))

        try:
            with pytest.raises(IntegrityError):
                await store.save(tracker)
            await asyncio.sleep(0.5)
            assert (await queue_state(rabbitmq, queue)).messages == 0  # nothing committed
            refuse["on"] = False
            await store.save(tracker)
            await until_async(lambda: queue_state(rabbitmq, queue), lambda s: s.messages == 8)
        finally:
            await broker.close()
        return store

    store = asyncio.run(save())
    assert store.projector is None
    consume_until(store.engine, rabbitmq, queue, lambda _: count_logged(store.engine) == 8)
    assert logged(store.engine) == expected(events)
    store.engine.dispose()


def test_health_reports_the_queue_and_whether_a_consumer_reads_it(engine, rabbitmq, queue):
    asyncio.run(publish_raw(rabbitmq, queue, [json.dumps(e).encode() for e in turn("c1", 0)]))
    before = asyncio.run(log_status(engine, rabbitmq, queue))
    assert (before.broker, before.backlog, before.consumers, before.position) == ("up", 4, 0, None)
    assert before.problems(backlog_limit=3) == [
        "no log consumer is reading the queue",
        "log backlog 4 events (limit 3)",
    ]
    during = []

    def caught_up(_: LogConsumer) -> bool:
        if count_logged(engine) < 4:
            return False
        during.append(asyncio.run(log_status(engine, rabbitmq, queue)))
        return True

    consume_until(engine, rabbitmq, queue, caught_up)
    assert (during[0].backlog, during[0].consumers, during[0].problems(3)) == (0, 1, [])
    down = asyncio.run(log_status(engine, "amqp://guest:guest@127.0.0.1:1/", queue))
    assert down.problems(3) == ["RabbitMQ is not answering (the log's queue is unknown)"]
    assert down.as_dict()["broker"] == "down"


def test_a_stack_on_postgresql_and_rabbitmq_logs_every_event_once(
    trained_model, tmp_path, products, stack_index, postgres, rabbitmq, queue
):
    """`csbot run`'s processes with CSBOT_RABBITMQ_URL: Rasa publishes through its Pika
    broker, the supervised log consumer writes the log, no projector runs."""
    name = postgres.create()
    running = start_demo_stack(
        tmp_path,
        trained_model,
        products,
        stack_index,
        database_url=postgres.url_of(name),
        rabbitmq_url=rabbitmq,
        rabbitmq_queue=queue,
    )
    engine = running.services.engine
    try:
        assert "log-consumer" in running.processes
        chat = requests.Session()
        chat.get(f"{running.web_url}api/updates", timeout=30).raise_for_status()
        sender = chat.cookies[COOKIE].partition(".")[0]
        for text in ("hi", "can I pay with paypal?", "thanks, bye"):
            reply = chat.post(f"{running.web_url}api/messages", json={"message": text}, timeout=90)
            assert reply.ok and reply.json()["messages"], reply.text
        params = {"include_events": "ALL", "token": running.settings.rasa_token}
        tracker = requests.get(
            f"{running.settings.rasa_url}/conversations/{sender}/tracker", params=params, timeout=30
        ).json()
        wanted = [(e["event"], e["timestamp"]) for e in tracker["events"]]
        wait_for(lambda: count_logged(engine) >= len(wanted), timeout=60, interval=0.2)
        with Session(engine) as session:
            got = session.execute(
                select(LoggedEvent.type, LoggedEvent.timestamp)
                .where(LoggedEvent.conversation_id == sender)
                .order_by(LoggedEvent.seq)
            ).all()
            cursor = session.get(LogCursor, "conversation_log")
        assert [(t, pytest.approx(ts)) for t, ts in got] == wanted  # once each, in order
        assert count_logged(engine) == len(wanted)
        assert cursor.position == 0  # no projector in Rasa: the consumer is the one writer
        health = requests.get(f"{running.web_url}api/health", timeout=10).json()
        assert health["status"] == "ok", health
        assert (health["log"]["broker"], health["log"]["consumers"]) == ("up", 1)
    finally:
        running.stop()
        engine.dispose()
        postgres.drop(name)


class CuttableProxy:
    """A TCP proxy to `port` on loopback whose open connections the test can cut, as a
    network failure or a RabbitMQ restart would."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        CuttableProxy._close(source, target)

    @staticmethod
    def _close(*sockets: socket.socket) -> None:
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def cut(self) -> None:
        self._close(*self.open)
        self.open = []

    def close(self) -> None:
        self.server.close()
        self.cut()


def test_a_lost_rabbitmq_connection_is_reopened_and_nothing_is_missed(engine, rabbitmq, queue):
    parts = urlsplit(rabbitmq)
    proxy = CuttableProxy(parts.port or 5672)
    through_proxy = parts._replace(
        netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    )
    first, second = turn("c1", 0), turn("c1", 1)
    asyncio.run(publish_raw(rabbitmq, queue, [json.dumps(e).encode() for e in first]))
    cut = []

    def caught_up(_: LogConsumer) -> bool:
        if count_logged(engine) == 4 and not cut:
            proxy.cut()  # the connection drops while the consumer waits for messages
            cut.append(True)
            asyncio.run(publish_raw(rabbitmq, queue, [json.dumps(e).encode() for e in second]))
        return count_logged(engine) == 8

    try:
        consumer = consume_until(engine, urlunsplit(through_proxy), queue, caught_up)
    finally:
        proxy.close()
    assert consumer.reconnects >= 1
    assert logged(engine) == expected(first + second)
    assert waiting(rabbitmq, queue) == 0


def test_events_rasa_committed_but_never_published_are_swept_in_once(engine, rabbitmq, queue):
    """A Rasa process killed between its commit and the publish: the consumer, idle, finds
    those events in the tracker store; what RabbitMQ did carry is not logged twice."""
    lost, carried = turn("c1", 0), turn("c1", 1)
    tracker_rows(engine, lost + carried)  # both turns committed by Rasa
    asyncio.run(publish_raw(rabbitmq, queue, [json.dumps(e).encode() for e in carried]))
    consume_until(engine, rabbitmq, queue, lambda _: count_logged(engine) == 8)
    with Session(engine) as session:
        digests = session.execute(select(LoggedEvent.digest)).scalars().all()
        swept_to = session.get(LogCursor, "broker_sweep").position
    assert sorted(digests) == sorted(digest(redact_event(e)) for e in lost + carried)
    assert swept_to == 8
