"""Start, supervise and stop the three processes of a running csbot: Rasa, the action server,
the web app.

Used by `csbot run` and by the end-to-end tests, so both exercise the same start-up path.
`Supervisor` restarts a process that dies (kill -9, a crash) with backoff while the others
keep serving, and gives up, saying why, after repeated crashes. Nothing is lost by a restart:
Rasa keeps conversations in the database (`bot.conversations.tracker_store`) and the
conversation log catches up from there.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.runtime.private_files import UMASK, open_private, private_dir, write_private
from bot.runtime.settings import Settings, SettingsError
from bot.runtime.tokens import ACTIONS_SECRET_ENV, RASA_TOKEN_ENV, actions_secret, rasa_token
from bot.runtime.training import rasa_environment

STARTUP_TIMEOUT_S = 240
TRACKER_STORE = "bot.conversations.tracker_store.DurableTrackerStore"


class StackError(RuntimeError):
    """A process died or did not become ready in time; the message says which."""


@dataclass
class Stack:
    settings: Settings
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)  # name -> health URL
    env: dict[str, str] | None = None
    log_dir: Path | None = None

    def start(self, name: str, restart: bool = False) -> subprocess.Popen:
        """Start one process; a restart appends to its log, keeping the crash's lines, after
        ending what is left of the crashed one (the action server's forked workers)."""
        log_mode = "a" if restart else "w"
        if restart and name in self.processes:
            end_group(self.processes[name])
        proc = _start(self.commands[name], self.settings, self.env, self.log_dir, name, log_mode)
        self.processes[name] = proc
        return proc

    def note(self, message: str) -> None:
        """A line for the runner's log (`<log_dir>/runner.log`) and the terminal."""
        line = f"{datetime.now():%Y-%m-%d %H:%M:%S} {message}"
        print(line, file=sys.stderr, flush=True)
        if self.log_dir is not None:
            with open_private(private_dir(self.log_dir) / "runner.log", append=True) as out:
                out.write(line + "\n")

    @property
    def web_url(self) -> str:
        return f"{stack_url(self.settings.host, self.settings.web_port)}/"

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        return self.settings.rasa_urls

    @property
    def actions_url(self) -> str:
        return stack_url(self.settings.internal_host, self.settings.actions_port)

    def stop(self, timeout: float = 15) -> None:
        """Terminate every process, killing any that ignores SIGTERM."""
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            end_group(proc)


def end_group(proc: subprocess.Popen) -> None:
    """Kill whatever is left in the process's session (each runs in its own, see `_start`):
    the action server's Sanic workers outlive a main process killed with -9."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def responding(url: str) -> bool:
    """True when `url` (a health check) answers 200 within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_ready(stack: Stack, checks: dict[str, str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(checks)
    while pending:
        for name in list(pending):
            proc = stack.processes[name]
            if proc.poll() is not None:
                raise StackError(f"{name} exited with code {proc.returncode} during start-up")
            if responding(pending[name]):
                del pending[name]
        if pending and time.monotonic() > deadline:
            raise StackError(f"not ready after {timeout:.0f}s: {', '.join(pending)}")
        time.sleep(0.5)


def health_urls(settings: Settings) -> dict[str, str]:
    """Each process's health check: what start-up, the supervisor and `csbot status` ask.
    Rasa's status needs its token; the action server's /health is open."""
    token = urlencode({"token": settings.rasa_token or rasa_token(settings)})
    return {
        "actions": f"{stack_url(settings.internal_host, settings.actions_port)}/health",
        **{name: f"{url}/status?{token}" for name, url in rasa_replicas(settings).items()},
        "web": f"{stack_url(settings.host, settings.web_port)}/healthz",
    }


def rasa_replicas(settings: Settings) -> dict[str, str]:
    """Each Rasa process's name and URL: "rasa", or "rasa-1", "rasa-2"... for replicas."""
    urls = settings.rasa_urls
    return {"rasa": urls[0]} if len(urls) == 1 else {f"rasa-{i}": u for i, u in enumerate(urls, 1)}


def scale_out(settings: Settings, replicas: int, action_workers: int) -> Settings:
    """Settings for `replicas` Rasa processes on consecutive ports from CSBOT_RASA_PORT.
    Several replicas share conversations, so they need Redis for the lock store (one message
    per conversation at a time across processes) and a database server, not a SQLite file."""
    if replicas < 1 or action_workers < 1:
        raise SettingsError("--rasa-replicas and --action-workers must be at least 1")
    if replicas == 1:
        return dataclasses.replace(settings, rasa_replica_urls=())  # just the one it starts
    missing = []
    if not settings.redis_url:
        missing.append("CSBOT_REDIS_URL=redis://host:6379/0 (the shared lock store)")
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        missing.append("CSBOT_DATABASE_URL=postgresql://user:password@host/db (not SQLite)")
    if missing:
        raise SettingsError(f"--rasa-replicas {replicas} needs " + " and ".join(missing))
    ports = range(settings.rasa_port, settings.rasa_port + replicas)
    urls = tuple(stack_url(settings.internal_host, port) for port in ports)
    return dataclasses.replace(settings, rasa_url=urls[0], rasa_replica_urls=urls)


def replica_commands(commands: dict[str, list[str]], settings: Settings) -> dict[str, list]:
    """`commands` with Rasa's started once per replica, each on its own port."""
    replicas = rasa_replicas(settings)
    if len(replicas) == 1:
        return commands
    rasa = commands.pop("rasa")
    port = rasa.index("--port") + 1
    for name, url in replicas.items():
        commands[name] = [*rasa[:port], url.rsplit(":", 1)[1], *rasa[port + 1 :]]
    return commands


def action_server_command(settings: Settings, guarded: bool = True) -> list[str]:
    """The action server serving `actions/` on the internal host, refusing calls without
    the shared secret (`guarded=False`: plain rasa_sdk, for older checkouts)."""
    port = str(settings.actions_port)
    if not guarded:
        return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", port]
    module, host = "bot.runtime.action_server", settings.internal_host
    return [sys.executable, "-m", module, "--actions", "actions", "--host", host, "--port", port]


def secret_environment(settings: Settings) -> dict[str, str]:
    """Rasa's token and the action server's secret for the child processes (taken from the
    settings or var/): by environment, never on a command line or in a written file."""
    return {RASA_TOKEN_ENV: rasa_token(settings), ACTIONS_SECRET_ENV: actions_secret(settings)}


def lock_store_config(redis_url: str | None) -> dict:
    """Rasa's lock store: Redis from CSBOT_REDIS_URL (`redis://[:password@]host[:port][/db]`,
    `rediss://` for TLS), needed when several Rasa processes share conversations; else in
    memory, which is right for one Rasa process."""
    if not redis_url:
        return {"type": "in_memory"}
    parts = urlsplit(redis_url)
    try:
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError(redis_url)
        config: dict = {
            "type": "redis",
            "url": parts.hostname,
            "port": parts.port or 6379,
            "db": int(parts.path.strip("/") or 0),
            "use_ssl": parts.scheme == "rediss",
        }
    except ValueError:
        raise SettingsError(
            f"CSBOT_REDIS_URL must look like redis://host:6379/0, got {redis_url!r}"
        ) from None
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def event_broker_config(rabbitmq_url: str | None, queue: str) -> dict | None:
    """Rasa's Pika event broker from CSBOT_RABBITMQ_URL (`amqp://user:password@host:5672/vhost`,
    `amqps://` for TLS): Rasa publishes each new event, persistent, through a fanout exchange
    named like the queue (so two csbots on one vhost stay apart) to the durable `queue`, which
    `csbot log-consumer` writes into the conversation log. None without the URL: then the log
    is projected from the tracker store inside each Rasa process."""
    if not rabbitmq_url:
        return None
    parts = urlsplit(rabbitmq_url)
    try:
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname or not parts.username:
            raise ValueError(parts.scheme)
        port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    except ValueError:
        shown = rabbitmq_url.replace(f":{parts.password}@", ":***@") if parts.password else ""
        raise SettingsError(
            "CSBOT_RABBITMQ_URL must look like amqp://user:password@host:5672/vhost, "
            f"got {shown or rabbitmq_url!r}"
        ) from None
    return {
        "type": "pika",
        # Rasa adds the credentials to this URL; they stay percent-encoded, as in the URL.
        "url": f"{parts.scheme}://{parts.hostname}:{port}{parts.path}",
        "port": port,
        "username": parts.username,
        "password": parts.password or "",
        "queues": [queue],
        "exchange_name": queue,
    }


def log_consumer_command(settings: Settings) -> dict[str, list[str]]:
    """With RabbitMQ, the process that writes the conversation log (`csbot log-consumer`)."""
    if not settings.rabbitmq_url:
        return {}
    return {"log-consumer": [sys.executable, "-m", "bot.runtime.cli", "log-consumer"]}


def write_endpoints(
    settings: Settings, folder: Path | None = None, broker: str | None = None, guarded: bool = True
) -> Path:
    """Endpoints for this stack: its action server (with the secret's header; Rasa expands
    the variable from its environment), conversations kept in its database (which also feeds
    the conversation log, or with RabbitMQ its event broker does), and its lock store. The
    database URL is not written here: the tracker store reads CSBOT_DATABASE_URL. (`broker`:
    the event broker class of an older checkout played by the journey evaluation, which kept
    conversations in memory.)"""
    path = (folder or settings.project_dir / "var") / f"endpoints-{settings.actions_port}.yml"
    action_url = f"{stack_url(settings.internal_host, settings.actions_port)}/webhook"
    action_endpoint: dict = {"url": action_url}
    if guarded:
        action_endpoint["headers"] = {"Authorization": f"Bearer ${{{ACTIONS_SECRET_ENV}}}"}
    endpoints: dict = {"action_endpoint": action_endpoint}
    if broker:
        endpoints["event_broker"] = {"type": broker, "url": settings.database_url}
    else:
        endpoints["tracker_store"] = {"type": TRACKER_STORE}
        rabbitmq = event_broker_config(settings.rabbitmq_url, settings.rabbitmq_queue)
        if rabbitmq:
            endpoints["event_broker"] = rabbitmq
    endpoints["lock_store"] = lock_store_config(settings.redis_url)
    # It may hold the Redis and RabbitMQ passwords: 0600 from the start, replaced whole.
    write_private(path, yaml.safe_dump(endpoints, sort_keys=False))
    return path


def stack_commands(
    settings: Settings, model: Path, endpoints: Path, guarded: bool = True
) -> dict[str, list[str]]:
    """The command line of each process. Only the web app listens on `settings.host`;
    Rasa's token reaches it by environment (see `rasa_server`), never on a command line."""
    py, internal = sys.executable, settings.internal_host
    rasa = ("bot.runtime.rasa_server", "run") if guarded else ("rasa", "run")
    return {
        "actions": action_server_command(settings, guarded),
        "rasa": [
            *(py, "-m", *rasa, "--enable-api", "--model", str(model)),
            *("--endpoints", str(endpoints), "--credentials", "credentials.yml"),
            *("--interface", internal, "--port", str(settings.rasa_port)),
        ],
        "web": [py, "-m", "bot.web", "--host", settings.host, "--port", str(settings.web_port)],
        **log_consumer_command(settings),
    }


def rabbitmq_environment(settings: Settings) -> dict[str, str]:
    """RabbitMQ for Rasa's tracker store (which then leaves the log to the consumer) and the
    consumer; nothing without it."""
    if not settings.rabbitmq_url:
        return {}
    return {
        "CSBOT_RABBITMQ_URL": settings.rabbitmq_url,
        "CSBOT_RABBITMQ_QUEUE": settings.rabbitmq_queue,
    }


def limits_environment(settings: Settings) -> dict[str, str]:
    """The widget API's limits as the web app reads them (`bot.web.limits`), so a harness
    that plays many customers from one address can raise them in its settings."""
    return {
        "CSBOT_MESSAGES_PER_MINUTE": str(settings.messages_per_minute),
        "CSBOT_MESSAGES_PER_MINUTE_PER_ADDRESS": str(settings.messages_per_minute_per_address),
        "CSBOT_POLLS_PER_MINUTE_PER_ADDRESS": str(settings.polls_per_minute_per_address),
        "CSBOT_STREAMS_PER_CONVERSATION": str(settings.streams_per_conversation),
        "CSBOT_STREAMS_PER_ADDRESS": str(settings.streams_per_address),
    }


def workbench_environment(settings: Settings) -> dict[str, str]:
    """The folders the console's review workbench writes to, as the web app reads them."""
    folders = {
        "CSBOT_NLU_DIR": settings.nlu_dir,
        "CSBOT_FAQ_DIR": settings.faq_dir,
        "CSBOT_TEST_STORIES_DIR": settings.test_stories_dir,
    }
    return {name: str(path) for name, path in folders.items() if path is not None}


def one_math_thread(env: dict[str, str]) -> dict[str, str]:
    """One math thread per process for ONNX Runtime's MiniLM and OpenMP unless
    OMP_NUM_THREADS says otherwise. MiniLM encodes one short message at a time; a thread per
    core in each of several busy processes makes them spin against each other (measured 10x
    slower under load, see benchmarks/README.md). Scale with processes (replicas), not
    threads. (TensorFlow's own pools are left as they are: one thread each made no
    difference there.)"""
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def start_stack(
    settings: Settings,
    model: Path,
    with_web: bool = True,
    log_dir: Path | None = None,
    timeout: float = STARTUP_TIMEOUT_S,
    broker: str | None = None,
    guarded: bool = True,
    rasa_replicas: int = 1,
    action_workers: int = 1,
) -> Stack:
    """Start the processes and wait until each answers its health check. Rasa and the
    action server listen on the internal host and require their token/secret; only the web
    app listens on `settings.host`. (`broker` names an event broker class and
    `guarded=False` starts them the old, open way: the journey evaluation also runs older
    checkouts.) `rasa_replicas` Rasa processes (see `scale_out`) share the action server,
    which forks `action_workers` Sanic workers (rasa_sdk's ACTION_SERVER_SANIC_WORKERS)."""
    shared = secret_environment(settings)
    settings = dataclasses.replace(
        scale_out(settings, rasa_replicas, action_workers),
        rasa_token=shared[RASA_TOKEN_ENV],
        actions_secret=shared[ACTIONS_SECRET_ENV],
    )
    env = one_math_thread(rasa_environment())
    env.update(
        CSBOT_DATABASE_URL=settings.database_url,
        CSBOT_RASA_URL=settings.rasa_url,
        CSBOT_INDEX_DIR=str(settings.index_dir),
        CSBOT_CATALOGUE=str(settings.catalogue_path),
        CSBOT_INTERNAL_HOST=settings.internal_host,
        **rabbitmq_environment(settings),
        **workbench_environment(settings),
        **limits_environment(settings),
        **shared,
        CSBOT_RASA_URLS=",".join(settings.rasa_urls),
        ACTION_SERVER_SANIC_WORKERS=str(action_workers),
    )
    if rasa_replicas > 1:
        # A replica killed mid-message leaves its conversation's lock in Redis until the lock
        # expires (Rasa's default: 60 s). Half the web app's wait for an answer lets the
        # customer's next message through on another replica before the web app gives up.
        lifetime = max(5, math.ceil(settings.rasa_timeout_s / 2))
        env.setdefault("TICKET_LOCK_LIFETIME", str(lifetime))
    endpoints = write_endpoints(settings, log_dir, broker, guarded)
    commands = replica_commands(stack_commands(settings, model, endpoints, guarded), settings)
    checks = health_urls(settings)
    if not with_web:
        del commands["web"], checks["web"]
    stack = Stack(settings, commands=commands, checks=checks, env=env, log_dir=log_dir)
    try:
        for name in commands:
            stack.start(name)
        _wait_ready(stack, checks, timeout)
    except BaseException:
        stack.stop()
        raise
    return stack


def _start(
    command: list[str],
    settings: Settings,
    env: dict[str, str] | None,
    log_dir: Path | None,
    name: str,
    log_mode: str = "w",
) -> subprocess.Popen:
    """One process in a session of its own (Ctrl-C reaches only the runner, which stops them
    in order), writing to `<log_dir>/<name>.log`; the child keeps the log open, we do not.
    Logs hold customers' messages: the folder is 0700 and the files 0600, and the process
    runs under umask 077, so whatever it creates (the database's -wal and -shm included)
    is its owner's only."""
    out = None
    if log_dir is not None:
        out = open_private(private_dir(log_dir) / f"{name}.log", append=log_mode == "a")
    try:
        return subprocess.Popen(
            command,
            cwd=settings.project_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=UMASK,
        )
    finally:
        if out is not None:
            out.close()


def stack_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


@dataclass
class Supervisor:
    """Restarts a process of `stack` that exits, after a backoff that doubles with each crash
    (`backoff_s`, at most `max_backoff_s`), and gives up once `max_restarts` crashes fall
    within `window_s`. Each decision is a line in the runner's log."""

    stack: Stack
    max_restarts: int = 5
    window_s: float = 600.0
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    crashes: dict[str, list[float]] = field(default_factory=dict)
    _due: dict[str, float] = field(default_factory=dict)  # name -> when to restart
    _starting: set[str] = field(default_factory=set)  # restarted, not answering yet

    def watch(self, stop: threading.Event | None = None, interval: float = 0.5) -> str | None:
        """Supervise until `stop` is set (None) or a process crashes too often (its name)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            gave_up = self.check()
            if gave_up:
                return gave_up
            stop.wait(interval)
        return None

    def check(self) -> str | None:
        """One round: note exits, restart what is due, report processes ready again."""
        now = self.clock()
        for name, proc in self.stack.processes.items():
            if name in self._due or proc.poll() is None:
                continue
            recent = [t for t in self.crashes.get(name, []) if now - t < self.window_s]
            self.crashes[name] = [*recent, now]
            self._starting.discard(name)
            if len(self.crashes[name]) > self.max_restarts:
                self.stack.note(
                    f"{name} exited with code {proc.returncode}: {len(self.crashes[name])} "
                    f"crashes in {self.window_s:.0f}s, giving up. See its log"
                    f"{f' in {self.stack.log_dir}/{name}.log' if self.stack.log_dir else ''}."
                )
                return name
            delay = min(self.backoff_s * 2 ** (len(self.crashes[name]) - 1), self.max_backoff_s)
            self._due[name] = now + delay
            self.stack.note(
                f"{name} exited with code {proc.returncode}; restarting in {delay:g}s "
                f"(crash {len(self.crashes[name])} of {self.max_restarts} allowed in "
                f"{self.window_s:.0f}s)"
            )
        for name, due in list(self._due.items()):
            if now >= due:
                del self._due[name]
                proc = self.stack.start(name, restart=True)
                self._starting.add(name)
                self.stack.note(f"{name} restarted (pid {proc.pid})")
        for name in list(self._starting):
            url = self.stack.checks.get(name)
            if url is None or responding(url):
                self._starting.discard(name)
                self.stack.note(f"{name} is serving again")
        return None
