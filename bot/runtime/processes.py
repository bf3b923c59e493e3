"""Start and stop the three processes of a running csbot: Rasa, the action server, the web app.

Used by `csbot run` and by the end-to-end tests, so both exercise the same start-up path.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import yaml

from bot.runtime.settings import Settings
from bot.runtime.tokens import ACTIONS_SECRET_ENV, RASA_TOKEN_ENV, actions_secret, rasa_token
from bot.runtime.training import rasa_environment

STARTUP_TIMEOUT_S = 240
BROKER = "bot.conversations.broker.ConversationLogBroker"


class StackError(RuntimeError):
    """A process died or did not become ready in time; the message says which."""


@dataclass
class Stack:
    settings: Settings
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return f"{stack_url(self.settings.host, self.settings.web_port)}/"

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

    def wait(self) -> str:
        """Block until a process exits; return its name."""
        while True:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    return name
            time.sleep(0.5)


def _ready(url: str) -> bool:
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
            if _ready(pending[name]):
                del pending[name]
        if pending and time.monotonic() > deadline:
            raise StackError(f"not ready after {timeout:.0f}s: {', '.join(pending)}")
        time.sleep(0.5)


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


def write_endpoints(
    settings: Settings, folder: Path | None = None, broker: str = BROKER, guarded: bool = True
) -> Path:
    """Endpoints for this stack: its action server (with the secret's header; Rasa expands
    the variable from its environment), and the conversation-log broker writing to its
    database."""
    path = (folder or settings.project_dir / "var") / f"endpoints-{settings.actions_port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    action_url = f"{stack_url(settings.internal_host, settings.actions_port)}/webhook"
    action_endpoint: dict = {"url": action_url}
    if guarded:
        action_endpoint["headers"] = {"Authorization": f"Bearer ${{{ACTIONS_SECRET_ENV}}}"}
    endpoints = {
        "action_endpoint": action_endpoint,
        "event_broker": {"type": broker, "url": settings.database_url},
    }
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
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
    }


def start_stack(
    settings: Settings,
    model: Path,
    with_web: bool = True,
    log_dir: Path | None = None,
    timeout: float = STARTUP_TIMEOUT_S,
    broker: str = BROKER,
    guarded: bool = True,
) -> Stack:
    """Start the processes and wait until each answers its health check. Rasa and the
    action server listen on the internal host and require their token/secret; only the web
    app listens on `settings.host`. (`broker` names the event broker class and
    `guarded=False` starts them the old, open way: the journey evaluation also runs older
    checkouts.)"""
    shared = secret_environment(settings)
    settings = dataclasses.replace(
        settings, rasa_token=shared[RASA_TOKEN_ENV], actions_secret=shared[ACTIONS_SECRET_ENV]
    )
    env = rasa_environment()
    env.update(
        CSBOT_DATABASE_URL=settings.database_url,
        CSBOT_RASA_URL=settings.rasa_url,
        CSBOT_INDEX_DIR=str(settings.index_dir),
        CSBOT_CATALOGUE=str(settings.catalogue_path),
        CSBOT_INTERNAL_HOST=settings.internal_host,
        **shared,
    )
    endpoints = write_endpoints(settings, log_dir, broker, guarded)
    commands = stack_commands(settings, model, endpoints, guarded)
    host, internal = settings.host, settings.internal_host
    checks = {
        "actions": f"{stack_url(internal, settings.actions_port)}/health",
        "rasa": f"{settings.rasa_url}/status?{urlencode({'token': settings.rasa_token})}",
        "web": f"{stack_url(host, settings.web_port)}/healthz",
    }
    if not with_web:
        del commands["web"], checks["web"]
    stack = Stack(settings)
    try:
        for name, command in commands.items():
            stack.processes[name] = _start(command, settings, env, log_dir, name)
        _wait_ready(stack, checks, timeout)
    except BaseException:
        stack.stop()
        raise
    return stack


def _start(
    command: list[str], settings: Settings, env: dict[str, str], log_dir: Path | None, name: str
) -> subprocess.Popen:
    """One process in a session of its own (Ctrl-C reaches only the runner, which stops them
    in order), writing to `<log_dir>/<name>.log`; the child keeps the log open, we do not."""
    out = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        out = (log_dir / f"{name}.log").open("w")
    try:
        return subprocess.Popen(
            command,
            cwd=settings.project_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if out is not None:
            out.close()


def stack_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"
