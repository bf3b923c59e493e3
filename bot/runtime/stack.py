"""Start and stop the processes of a running csbot (Rasa, the action server, the web app and,
with RabbitMQ, the log consumer) and wait until each answers its health check.

Used by `csbot run`, the end-to-end tests, the load benchmark and the journey evaluation, so
all of them exercise the same start-up path. What runs is decided in `topology`, the
environment in `environment`, Rasa's endpoints in `rasa_config`; restarts in `supervisor`.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.runtime.environment import secret_environment, stack_environment
from bot.runtime.private_files import UMASK, open_private, private_dir
from bot.runtime.rasa_config import write_endpoints
from bot.runtime.settings import Settings
from bot.runtime.tokens import ACTIONS_SECRET_ENV, RASA_TOKEN_ENV
from bot.runtime.topology import health_urls, replica_commands, scale_out, stack_commands, stack_url

STARTUP_TIMEOUT_S = 240


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


def start_stack(
    settings: Settings,
    model: Path,
    with_web: bool = True,
    log_dir: Path | None = None,
    timeout: float = STARTUP_TIMEOUT_S,
    rasa_replicas: int = 1,
    action_workers: int = 1,
) -> Stack:
    """Start the processes and wait until each answers its health check. Rasa and the
    action server listen on the internal host and require their token/secret; only the web
    app listens on `settings.host`. `rasa_replicas` Rasa processes (see `scale_out`) share
    the action server, which forks `action_workers` Sanic workers (rasa_sdk's
    ACTION_SERVER_SANIC_WORKERS). The database's schema must be at head already (`csbot
    migrate`): each process checks it and exits otherwise, which fails the start here."""
    shared = secret_environment(settings)
    settings = dataclasses.replace(
        scale_out(settings, rasa_replicas, action_workers),
        rasa_token=shared[RASA_TOKEN_ENV],
        actions_secret=shared[ACTIONS_SECRET_ENV],
    )
    env = stack_environment(settings, action_workers)
    endpoints = write_endpoints(settings, log_dir)
    commands = replica_commands(stack_commands(settings, model, endpoints), settings)
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
