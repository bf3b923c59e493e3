"""Faults under load on the production profile: two Rasa replicas on PostgreSQL with the
Redis lock store, the web app spreading conversations over them (`bot.web.replicas`).

- kill -9 of one replica while conversations run: each carries on on the other, every
  customer message gets a reply or a clear retry error, and the conversation log has each
  message once;
- PostgreSQL unreachable for 10 s (a TCP proxy the test cuts): nothing that got a reply is
  lost, and the service answers again by itself.

Real services on loopback (PostgreSQL, Redis); skipped, saying why, where one is absent. The
load is small (the suite runs on two shared cores): a couple of minutes with the start-up.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.conversations.health import log_health
from bot.conversations.models import Message
from bot.runtime.database import make_engine
from bot.runtime.stack import responding
from bot.runtime.supervisor import Supervisor
from tests.conftest import start_demo_stack
from tests.tcp_proxy import TcpProxy
from tests.test_durability import WebChat
from tests.test_processes import REDIS_URL

pytestmark = pytest.mark.slow
# Distinct within a conversation (so a duplicate shows) and cheap for the bot to answer.
SAYINGS = [
    "hi",
    "do you ship abroad?",
    "how long does delivery take?",
    "can I pay with paypal?",
    "how do I return an item?",
    "what is your warranty?",
    "thanks",
    "bye",
]
RESTART_TIMEOUT_S = 240


def _consecutive_free_ports(count: int) -> int:
    """The first of `count` free loopback ports in a row (the replicas' ports)."""
    import socket

    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65535:
            continue
        taken = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                taken.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in taken:
                sock.close()
    raise RuntimeError("no free ports in a row")


@pytest.fixture(scope="module")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture(scope="module")
def replicated(trained_model, tmp_path_factory, products, stack_index, postgres, redis_url):
    """Two Rasa replicas, an action server with two workers and the web app, supervised, on
    a fresh PostgreSQL database reached through a proxy the test can cut. `direct`: an
    engine that bypasses the proxy, for the test's own checks."""
    name = postgres.create()
    direct_url = make_url(postgres.url_of(name))
    proxy = TcpProxy(direct_url.host or "127.0.0.1", direct_url.port or 5432)
    proxied = direct_url.set(host="127.0.0.1", port=proxy.port)
    rasa_port = _consecutive_free_ports(2)
    running = start_demo_stack(
        tmp_path_factory.mktemp("replicated"),
        trained_model,
        products,
        stack_index,
        scale={"rasa_replicas": 2, "action_workers": 2},
        database_url=proxied.render_as_string(hide_password=False),
        redis_url=redis_url,
        rasa_port=rasa_port,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
    )
    stop = threading.Event()
    supervisor = threading.Thread(target=Supervisor(running, backoff_s=1.0).watch, args=(stop,))
    supervisor.start()
    running.proxy = proxy
    running.direct = make_engine(direct_url.render_as_string(hide_password=False))
    yield running
    stop.set()
    supervisor.join()
    running.stop()
    running.services.engine.dispose()
    running.direct.dispose()
    proxy.close()
    postgres.drop(name)


@dataclass
class Outcome:
    text: str
    status: int | None  # None: no answer within the client's 90 s (a hang)
    error: str = ""
    sent_at: float = 0.0

    @property
    def replied(self) -> bool:
        return self.status == 200


@dataclass
class Customer:
    chat: WebChat
    outcomes: list[Outcome] = field(default_factory=list)

    def say(self, saying: str) -> Outcome:
        sent_at = time.monotonic()
        try:
            response = self.chat.send(saying)
        except Exception as exc:  # noqa: BLE001 (a hang or a dropped connection: counted)
            outcome = Outcome(saying, None, type(exc).__name__, sent_at)
        else:
            error = "" if response.ok else response.json().get("error", response.text)
            outcome = Outcome(saying, response.status_code, error, sent_at)
        self.outcomes.append(outcome)
        return outcome


def run_load(stack, conversations: int, messages: int, pause_s: float, during=None) -> list:
    """`conversations` customers at once, each sending `messages` sayings in turn with
    `pause_s` between them; `during()` runs meanwhile (the fault). Returns the customers."""
    customers = [Customer(WebChat(stack)) for _ in range(conversations)]

    def talk(customer: Customer) -> None:
        for saying in SAYINGS[:messages]:
            customer.say(saying)
            time.sleep(pause_s)

    with ThreadPoolExecutor(conversations + 1) as pool:
        fault = pool.submit(during) if during else None
        list(pool.map(talk, customers))
        if fault:
            fault.result()
    return customers


def logged_customer_texts(engine, sender: str) -> list[str]:
    with Session(engine) as session:
        return list(
            session.execute(
                select(Message.text)
                .where(Message.conversation_id == sender, Message.sender == "customer")
                .order_by(Message.id)
            ).scalars()
        )


def stored_customer_texts(engine, sender: str) -> list[str]:
    """The customer's messages in Rasa's tracker store (the `events` table)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
            {"s": sender},
        ).scalars()
        return [json.loads(row)["text"] for row in rows]


def wait_for_the_log(engine, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while log_health(engine).backlog and time.monotonic() < deadline:
        time.sleep(0.5)
    assert log_health(engine).backlog == 0, "the conversation log did not catch up"


def wait_until_every_process_serves(stack) -> None:
    deadline = time.monotonic() + RESTART_TIMEOUT_S
    while not all(responding(url) for url in stack.checks.values()):
        assert time.monotonic() < deadline, f"not serving after {RESTART_TIMEOUT_S}s"
        time.sleep(1)


def assert_only_clear_errors(customers: list[Customer]) -> tuple[int, int]:
    """Every message got a reply or a 503 the widget explains; (replies, retry errors)."""
    outcomes = [o for c in customers for o in c.outcomes]
    unclear = [o for o in outcomes if not o.replied and o.status != 503]
    assert not unclear, unclear  # no hang, no 500
    for outcome in outcomes:
        if not outcome.replied:
            assert "try again" in outcome.error or "reconnecting" in outcome.error
    replies = sum(o.replied for o in outcomes)
    return replies, len(outcomes) - replies


def failures(customers: list[Customer], since: float) -> str:
    """What failed, when (seconds after the fault), for the test's output."""
    failed = [o for c in customers for o in c.outcomes if not o.replied]
    return "\n".join(f"  {o.sent_at - since:+6.1f}s {o.status} {o.error}" for o in failed)


def test_kill_9_of_one_replica_under_load_every_conversation_carries_on(replicated):
    stack = replicated
    victim = stack.processes["rasa-2"]
    killed_at: list[float] = []

    def kill_when_under_way() -> None:
        time.sleep(4)  # the conversations are under way on both replicas
        os.kill(victim.pid, signal.SIGKILL)
        killed_at.append(time.monotonic())

    started = time.monotonic()
    customers = run_load(
        stack, conversations=24, messages=6, pause_s=1.0, during=kill_when_under_way
    )
    took = time.monotonic() - started
    replies, errors = assert_only_clear_errors(customers)
    print(f"\nkill -9 of rasa-2: {replies} replies, {errors} retry errors, {took:.0f}s")
    print(failures(customers, killed_at[0]))
    assert replies + errors == 24 * 6
    for customer in customers:  # only a message in flight on the killed replica failed
        failed = [o for o in customer.outcomes if not o.replied]
        assert len(failed) <= 1 and all(o.sent_at < killed_at[0] + 1 for o in failed), failed
    for customer in customers:  # every conversation went on after the kill
        after = [o for o in customer.outcomes if o.sent_at > killed_at[0] + 1]
        assert after and after[-1].replied, customer.outcomes

    wait_for_the_log(stack.direct)
    for customer in customers:
        sender = customer.chat.sender
        logged = logged_customer_texts(stack.direct, sender)
        assert len(logged) == len(set(logged)), f"a message logged twice: {logged}"
        replied = [o.text for o in customer.outcomes if o.replied]
        assert set(replied) <= set(logged), f"missing from the log: {replied} vs {logged}"
        assert set(logged) <= {o.text for o in customer.outcomes}
        assert logged == stored_customer_texts(stack.direct, sender)


def test_postgresql_unreachable_for_10s_loses_nothing_and_service_resumes(replicated):
    stack = replicated
    wait_until_every_process_serves(stack)  # the replica the last test killed is back
    pids = {name: proc.pid for name, proc in stack.processes.items()}
    outage: list[float] = []

    def cut_for_10s() -> None:
        time.sleep(3)
        stack.proxy.cut()
        outage.append(time.monotonic())
        time.sleep(10)
        stack.proxy.restore()
        outage.append(time.monotonic())

    customers = run_load(stack, conversations=12, messages=6, pause_s=3.0, during=cut_for_10s)
    replies, errors = assert_only_clear_errors(customers)
    print(f"\nPostgreSQL cut for 10 s: {replies} replies, {errors} retry errors")
    print(failures(customers, outage[0]))
    assert stack.proxy.cuts > 0  # the stack did lose its connections
    for customer in customers:  # answering again after the outage, nothing restarted
        after = [o for o in customer.outcomes if o.sent_at > outage[1]]
        assert after and all(o.replied for o in after), customer.outcomes
    assert {name: proc.pid for name, proc in stack.processes.items()} == pids

    wait_for_the_log(stack.direct)
    for customer in customers:
        sender = customer.chat.sender
        stored = stored_customer_texts(stack.direct, sender)
        replied = [o.text for o in customer.outcomes if o.replied]
        assert set(replied) <= set(stored), f"a reply without its message stored: {stored}"
        assert len(stored) == len(set(stored))
        assert logged_customer_texts(stack.direct, sender) == stored
