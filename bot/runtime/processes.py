"""Start and stop the three processes of a running csbot: Rasa, the action server, the web app.

Used by `csbot run` and by the end-to-end tests, so both exercise the same start-up path.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.runtime.settings import Settings
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
        return stack_url(self.settings.host, self.settings.actions_port)

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


def action_server_command(settings: Settings) -> list[str]:
    """The rasa_sdk action server serving `actions/` on the configured port."""
    port = str(settings.actions_port)
    return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", port]


def write_endpoints(settings: Settings, folder: Path | None = None, broker: str = BROKER) -> Path:
    """Endpoints for this stack: its action server port, and the conversation-log broker
    writing to its database."""
    path = (folder or settings.project_dir / "var") / f"endpoints-{settings.actions_port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    endpoints = {
        "action_endpoint": {"url": f"{stack_url(settings.host, settings.actions_port)}/webhook"},
        "event_broker": {"type": broker, "url": settings.database_url},
    }
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def start_stack(
    settings: Settings,
    model: Path,
    with_web: bool = True,
    log_dir: Path | None = None,
    timeout: float = STARTUP_TIMEOUT_S,
    broker: str = BROKER,
) -> Stack:
    """Start the processes and wait until each answers its health check. (`broker` names
    the event broker class; the journey evaluation also runs older checkouts.)"""
    env = rasa_environment()
    env.update(
        CSBOT_DATABASE_URL=settings.database_url,
        CSBOT_RASA_URL=settings.rasa_url,
        CSBOT_INDEX_DIR=str(settings.index_dir),
        CSBOT_CATALOGUE=str(settings.catalogue_path),
    )
    py, host = sys.executable, settings.host
    endpoints = str(write_endpoints(settings, log_dir, broker))
    commands = {
        "actions": action_server_command(settings),
        "rasa": [
            *(py, "-m", "rasa", "run", "--enable-api", "--model", str(model)),
            *("--endpoints", endpoints, "--credentials", "credentials.yml"),
            *("--interface", host, "--port", str(settings.rasa_port)),
        ],
    }
    checks = {
        "actions": f"{stack_url(host, settings.actions_port)}/health",
        "rasa": f"{settings.rasa_url}/status",
    }
    if with_web:
        commands["web"] = [py, "-m", "bot.web", "--host", host, "--port", str(settings.web_port)]
        checks["web"] = f"{stack_url(host, settings.web_port)}/healthz"
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
