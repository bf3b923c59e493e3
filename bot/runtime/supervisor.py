"""Keep a running csbot running: restart a process of the stack that dies (kill -9, a crash)
with backoff while the others keep serving, and give up, saying why, after repeated crashes.

Nothing is lost by a restart: Rasa keeps conversations in the database
(`bot.conversations.tracker_store`) and the conversation log catches up from there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.runtime.stack import Stack, responding


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
