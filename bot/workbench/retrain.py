"""Retrain the Rasa model from the console: one background job at a time, in stages the page
shows as they go:

1. cross-validate the intent head on the data the active model was trained on (the record
   next to each model, `training.snapshot_path`);
2. train a model on the current training inputs (`rasa train` in a subprocess, from a copy
   of the NLU data taken when the job starts, so what is trained, named and measured is one
   data set even if someone teaches meanwhile);
3. cross-validate the intent head on the new data, on the same folds (`intent_cv`).

Nothing is loaded: the admin then activates the new model or keeps the active one
(`bot.web.console.model`).
"""

from __future__ import annotations

import collections
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.runtime import training
from bot.workbench import intent_cv

TrainCommand = Callable[[training.Inputs, Path, Path], list[str]]
PROGRESS = re.compile(r"(\d{1,3})%\|")  # tqdm's bar, e.g. "Epochs:  45%|####  | 18/40"
TAIL_LINES = 25
log = logging.getLogger(__name__)


class RetrainRunning(RuntimeError):
    """A retrain is running already; the message says whose and since when."""


class TrainingFailed(RuntimeError):
    """The training command failed; the message ends with its last lines of output."""


class Retrainer:
    """The console's retrain job. `encoder` embeds texts like the NLU pipeline (MiniLM;
    loaded on the first job); `command` is the training command (tests give a failing one)."""

    def __init__(
        self,
        settings: Any,
        encoder: Callable[[], Any] | None = None,
        command: TrainCommand = training.train_command,
    ) -> None:
        self.settings = settings
        self._make_encoder = encoder or _minilm
        self._encoder: Any = None
        self._vectors: dict[str, np.ndarray] = {}  # text -> MiniLM vector, across jobs
        self.command = command
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._state: dict[str, Any] = {"state": "idle"}

    # --- the job's state, as the page and its JSON show it ---------------------------------

    def status(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._state.update(changes)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, active: Path | None, by: str) -> None:
        """Start a job; RetrainRunning while one runs. `active`: the model Rasa serves."""
        with self._lock:
            if self.running:
                raise RetrainRunning(
                    f"a retrain is already running (started by {self._state['by']} at "
                    f"{self._state['started_at']} UTC); wait for it to finish"
                )
            self._state = {
                "state": "running",
                "stage": "starting",
                "percent": None,
                "detail": "",
                "by": by,
                "started_at": _now(),
                "active": active.name if active else None,
            }
            self._thread = threading.Thread(
                target=self._run, args=(active,), name="retrain", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> str:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()["state"]

    def decide(self, decision: str) -> None:
        """Note what the admin did with the finished job's model (activated, kept)."""
        self._update(decision=decision)

    # --- the job ------------------------------------------------------------------------

    def _run(self, active: Path | None) -> None:
        try:
            self._update(**self._job(active), state="done", stage="done", percent=100)
        except TrainingFailed as exc:  # shown on the page; the active model is untouched
            self._update(state="failed", detail=str(exc))
        except Exception as exc:
            log.exception("retrain failed")
            self._update(state="failed", detail=f"{type(exc).__name__}: {exc}")
        finally:
            self._update(finished_at=_now())

    def _job(self, active: Path | None) -> dict[str, Any]:
        settings = self.settings
        C = intent_cv.head_c(settings.project_dir / settings.train_config)
        self._update(stage="cross-validating the active model's data", percent=None)
        before, note = None, ""
        old = training.read_snapshot(active) if active else None
        if old is None:
            note = (
                f"{active.name if active else 'The active model'} has no record of the data "
                "it was trained on (it was trained before such records): no 'before' figures."
            )
        else:
            before = intent_cv.cross_validate(old, self._encode, C).to_json()
        self._update(before=before, before_note=note)

        with tempfile.TemporaryDirectory(prefix="csbot-retrain-") as temp:
            inputs = training.inputs_of(settings)
            inputs["data/nlu"] = Path(shutil.copytree(inputs["data/nlu"], Path(temp) / "nlu"))
            models_dir = Path(settings.models_dir)
            target = training.model_path(settings.project_dir, models_dir, inputs)
            self._update(candidate=target.name, stage="training")
            if target.exists():
                self._update(detail=f"{target.name} exists already: these inputs were trained")
            else:
                self._train(inputs, models_dir, target)
            training.write_snapshot(target, inputs["data/nlu"])
            new = training.read_snapshot(target) or []
        self._update(stage="cross-validating the new data", percent=None, detail="")
        after = intent_cv.cross_validate(new, self._encode, C).to_json()
        return {"after": after, "candidate": target.name}

    def _train(self, inputs: training.Inputs, models_dir: Path, target: Path) -> None:
        """Run the training command, showing tqdm's percentage and the latest line."""
        models_dir.mkdir(parents=True, exist_ok=True)
        tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        with subprocess.Popen(
            self.command(inputs, models_dir, target),
            cwd=self.settings.project_dir,
            env=training.training_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        ) as process:
            assert process.stdout is not None
            pending = ""
            while chunk := os.read(process.stdout.fileno(), 4096):
                pending += chunk.decode("utf-8", "replace")
                *lines, pending = re.split(r"[\r\n]", pending)
                for line in filter(None, (raw.strip() for raw in lines)):
                    self._progress(line, tail)
            code = process.wait()
        if code != 0 or not target.exists():
            lines = "\n".join(tail)
            raise TrainingFailed(f"rasa train exited with code {code}:\n{lines}")

    def _progress(self, line: str, tail: collections.deque[str]) -> None:
        found = PROGRESS.search(line)
        if found:
            self._update(percent=min(100, int(found.group(1))), detail=line[:160])
            return
        tail.append(line[:500])
        self._update(detail=line[:160])

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Sentence vectors, computed once per text across jobs."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            if self._encoder is None:
                self._encoder = self._make_encoder()
            self._vectors.update(zip(missing, self._encoder.encode(missing), strict=True))
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 1))


def _minilm() -> Any:
    from knowledge.embeddings import MiniLMEncoder

    return MiniLMEncoder()


def _now() -> str:
    return datetime.utcnow().isoformat(timespec="seconds")


def report_rows(status: dict[str, Any]) -> Sequence[intent_cv.IntentChange]:
    """The finished job's per-intent changes (regressions first)."""
    if not status.get("after"):
        return []
    return intent_cv.compare(_report(status.get("before")), _report(status["after"]))


def _report(raw: dict[str, Any] | None) -> intent_cv.CvReport | None:
    return intent_cv.CvReport(**raw) if raw else None
