"""The process runner: the endpoints it gives Rasa (durable conversations, lock store), and
supervision that restarts a crashed process while the others keep serving."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import time
import uuid

import pytest
import yaml

from bot.runtime.rasa_config import event_broker_config, lock_store_config, write_endpoints
from bot.runtime.settings import Settings, SettingsError
from bot.runtime.stack import Stack
from bot.runtime.supervisor import Supervisor
from bot.runtime.topology import health_urls, replica_commands, scale_out, stack_commands

REDIS_URL = os.environ.get("CSBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def settings_for(tmp_path, **changes) -> Settings:
    return dataclasses.replace(Settings.from_env({}), project_dir=tmp_path, **changes)


def test_endpoints_keep_conversations_in_the_database_without_its_password(tmp_path):
    settings = settings_for(tmp_path, database_url="postgresql://csbot:s3cret@db/csbot")
    endpoints = yaml.safe_load(write_endpoints(settings).read_text())
    assert endpoints["tracker_store"] == {
        "type": "bot.conversations.tracker_store.DurableTrackerStore"
    }
    assert endpoints["lock_store"] == {"type": "in_memory"}
    assert "event_broker" not in endpoints and "s3cret" not in str(endpoints)


@pytest.mark.parametrize(
    ("url", "config"),
    [
        (
            "redis://127.0.0.1:6379/2",
            {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 2, "use_ssl": False},
        ),
        (
            "rediss://:p%40ss@cache.example:6380",
            {
                "type": "redis",
                "url": "cache.example",
                "port": 6380,
                "db": 0,
                "use_ssl": True,
                "password": "p@ss",
            },
        ),
    ],
)
def test_csbot_redis_url_becomes_rasas_redis_lock_store(url, config):
    assert lock_store_config(url) == config


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "redis://cache/zero", "redis://cache:port"])
def test_a_malformed_redis_url_is_refused_by_name(url):
    with pytest.raises(SettingsError, match="CSBOT_REDIS_URL must look like"):
        lock_store_config(url)


@pytest.mark.filterwarnings("ignore:the load_module:DeprecationWarning")  # Rasa's YAML checker
def test_rasa_locks_conversations_in_redis_with_those_endpoints(tmp_path, monkeypatch):
    """Two Rasa processes with these endpoints share locks: the second waits for the first."""
    import redis
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import AvailableEndpoints

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    path = write_endpoints(settings_for(tmp_path, redis_url=REDIS_URL))
    monkeypatch.setenv("CSBOT_ACTIONS_SECRET", "s3cret")  # Rasa expands it reading the file
    first = LockStore.create(AvailableEndpoints.read_endpoints(str(path)).lock_store)
    second = LockStore.create(AvailableEndpoints.read_endpoints(str(path)).lock_store)
    assert type(first).__name__ == "RedisLockStore"

    conversation = f"conversation-{uuid.uuid4().hex}"
    order: list[str] = []

    async def turn(store, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock(conversation, wait_time_in_seconds=0.02):
            order.append(f"{name} starts")
            await asyncio.sleep(0.3)
            order.append(f"{name} ends")

    async def both() -> None:
        await asyncio.gather(turn(first, "first", 0), turn(second, "second", 0.1))

    asyncio.run(both())
    # one conversation's messages are handled one at a time, across processes
    assert order == ["first starts", "first ends", "second starts", "second ends"]


# --- supervision ---------------------------------------------------------------------------

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


@pytest.fixture
def stack(tmp_path):
    created: list[Stack] = []

    def make(**commands: list[str]) -> Stack:
        made = Stack(
            settings_for(tmp_path), commands=commands, env=dict(os.environ), log_dir=tmp_path
        )
        for name in commands:
            made.start(name)
        created.append(made)
        return made

    yield make
    for made in created:
        made.stop(timeout=5)


def until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_process_is_restarted_and_the_others_keep_running(stack, tmp_path):
    running = stack(rasa=SLEEPER, web=SLEEPER)
    rasa, web = running.processes["rasa"], running.processes["web"]
    supervisor = Supervisor(running, backoff_s=0.2)
    os.kill(rasa.pid, signal.SIGKILL)

    def restarted() -> bool:
        supervisor.check()
        return running.processes["rasa"].pid != rasa.pid

    until(restarted)
    assert running.processes["rasa"].poll() is None
    assert running.processes["web"] is web and web.poll() is None
    log = (tmp_path / "runner.log").read_text()
    assert "rasa exited with code -9; restarting in 0.2s (crash 1 of 5 allowed in 600s)" in log
    assert "rasa restarted (pid" in log and "rasa is serving again" in log


def test_repeated_crashes_back_off_then_give_up_with_a_clear_message(stack, tmp_path):
    running = stack(rasa=CRASHER, web=SLEEPER)
    supervisor = Supervisor(running, max_restarts=3, backoff_s=0.05, window_s=60)
    started = time.monotonic()
    assert supervisor.watch(interval=0.02) == "rasa"
    assert time.monotonic() - started >= 0.05 + 0.1 + 0.2  # 0.05, 0.1, 0.2 s between restarts
    log = (tmp_path / "runner.log").read_text()
    assert [
        line.split(" restarting in ")[1][:5] for line in log.splitlines() if "in 0" in line
    ] == [
        "0.05s",
        "0.1s ",
        "0.2s ",
    ]
    assert "rasa exited with code 3: 4 crashes in 60s, giving up" in log
    assert running.processes["web"].poll() is None  # still serving until the runner stops


def test_csbot_rabbitmq_url_becomes_rasas_pika_broker_and_a_log_consumer(tmp_path):
    settings = settings_for(
        tmp_path,
        rabbitmq_url="amqp://csbot:p%40ss@mq.example:5673/prod",
        rabbitmq_queue="csbot_log",
    )
    endpoints = yaml.safe_load(write_endpoints(settings).read_text())
    assert endpoints["event_broker"] == {
        "type": "pika",
        "url": "amqp://mq.example:5673/prod",  # Rasa adds the credentials, vhost kept
        "port": 5673,
        "username": "csbot",
        "password": "p%40ss",
        "queues": ["csbot_log"],
        "exchange_name": "csbot_log",
    }
    assert endpoints["tracker_store"]["type"].endswith("DurableTrackerStore")  # still the truth
    commands = stack_commands(settings, tmp_path / "model.tar.gz", tmp_path / "endpoints.yml")
    assert commands["log-consumer"][-3:] == ["-m", "bot.runtime.cli", "log-consumer"]
    without = settings_for(tmp_path)
    assert "log-consumer" not in stack_commands(without, tmp_path / "m", tmp_path / "e")


@pytest.mark.parametrize(
    "url", ["mq.example:5672", "amqp://mq.example:5672/", "http://u:pw@mq/", "amqp://u:pw@mq:x/"]
)
def test_a_malformed_rabbitmq_url_is_refused_by_name_without_its_password(url):
    with pytest.raises(SettingsError, match="CSBOT_RABBITMQ_URL must look like") as refused:
        event_broker_config(url, "csbot_log")
    assert ":pw@" not in str(refused.value)


# --- several Rasa replicas -----------------------------------------------------------------

POSTGRES = "postgresql://csbot@db/csbot"


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({}, ["CSBOT_REDIS_URL=redis://", "CSBOT_DATABASE_URL=postgresql://"]),
        ({"redis_url": REDIS_URL}, ["CSBOT_DATABASE_URL=postgresql://"]),
        ({"database_url": POSTGRES}, ["CSBOT_REDIS_URL=redis://"]),
    ],
)
def test_several_replicas_are_refused_without_redis_and_a_database_server(
    tmp_path, changes, missing
):
    settings = settings_for(tmp_path, **changes)
    with pytest.raises(SettingsError, match="--rasa-replicas 2 needs") as refused:
        scale_out(settings, 2, 1)
    for setting in missing:
        assert setting in str(refused.value)
    with pytest.raises(SettingsError, match="at least 1"):
        scale_out(settings, 1, 0)


def test_replicas_listen_on_consecutive_ports_each_with_its_own_health_check(tmp_path):
    settings = scale_out(
        settings_for(tmp_path, redis_url=REDIS_URL, database_url=POSTGRES, rasa_port=5105), 3, 2
    )
    assert settings.rasa_urls == tuple(f"http://127.0.0.1:{p}" for p in (5105, 5106, 5107))
    endpoints = write_endpoints(settings)
    commands = replica_commands(
        stack_commands(settings, tmp_path / "m.tar.gz", endpoints), settings
    )
    assert [name for name in commands if name.startswith("rasa")] == ["rasa-1", "rasa-2", "rasa-3"]
    ports = [commands[f"rasa-{i}"][commands[f"rasa-{i}"].index("--port") + 1] for i in (1, 2, 3)]
    assert ports == ["5105", "5106", "5107"]
    assert commands["rasa-2"][:-1] == commands["rasa-1"][:-1]  # only the port differs
    checks = health_urls(dataclasses.replace(settings, rasa_token="t"))
    assert checks["rasa-3"] == "http://127.0.0.1:5107/status?token=t"
    assert "rasa" not in checks and set(checks) == set(commands)


def test_one_replica_is_the_plain_stack_whatever_csbot_rasa_urls_says(tmp_path):
    listed = settings_for(tmp_path, rasa_replica_urls=("http://10.0.0.9:5005",))
    settings = scale_out(listed, 1, 1)
    assert settings.rasa_urls == (settings.rasa_url,)
    assert list(health_urls(dataclasses.replace(settings, rasa_token="t"))) == [
        "actions",
        "rasa",
        "web",
    ]


def test_csbot_run_refuses_replicas_on_sqlite_before_training(tmp_path, monkeypatch, capsys):
    from bot.runtime import cli

    monkeypatch.setenv("CSBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'one.db'}")
    monkeypatch.delenv("CSBOT_REDIS_URL", raising=False)
    monkeypatch.setattr(cli.setup, "prepare", lambda settings: pytest.fail("went on to train"))
    assert cli.main(["run", "--rasa-replicas", "2"]) == 2
    err = capsys.readouterr().err
    assert "--rasa-replicas 2 needs CSBOT_REDIS_URL=" in err and "(not SQLite)" in err
