"""Rebuild the knowledge index after the workbench changed the FAQ, in one background
thread. The Rasa action server's `KnowledgeBase` reloads a collection as soon as its
manifest names a new build, so a rebuilt index is live without a restart (hot reload).

Edits that arrive during a build ask for one more build afterwards, so the last edit is
always indexed; the page shows the state.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from knowledge.embeddings import Encoder


class Reindexer:
    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self.state = "idle"  # idle | running | done | failed
        self.detail = ""
        self.finished_at: datetime | None = None

    def start(self) -> None:
        """Rebuild now, or once more after the build that is running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self.state, self.detail = "running", ""
            self._thread = threading.Thread(target=self._run, name="reindex", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                result = self._build()
                state, detail = "done", str(result or "")
            except Exception as exc:  # shown to the admin; the old index stays live
                state, detail = "failed", f"{exc}\n{traceback.format_exc(limit=3)}"
            with self._lock:
                if self._again:
                    self._again = False
                    continue
                self.state, self.detail, self.finished_at = state, detail, datetime.utcnow()
                return

    def wait(self, timeout: float | None = None) -> str:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.state


def index_builder(settings: Any, encoder: Encoder) -> Callable[[], str]:
    """Rebuild what changed under settings.index_dir with `encoder` (the web app's one
    MiniLM, shared with the FAQ-gap page; it loads on first use)."""

    def build() -> str:
        from bot.runtime.setup import workbench_sources
        from knowledge.sources import build_all

        built = build_all(settings.index_dir, encoder, workbench_sources(settings))
        return ", ".join(f"{name} {m.content_hash[:8]}" for name, m in built.items() if m)

    return build
