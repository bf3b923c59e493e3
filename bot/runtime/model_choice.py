"""Which Rasa model an admin chose in the console, kept in `<models dir>/choice.json` so a
restart serves it: the active model, the one before it (for a one-click rollback), and the
training inputs' fingerprint when the admin decided. Once the inputs change again (new
examples taught, a new config), a restart trains and serves the model for them as before.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

CHOICE_FILE = "choice.json"


@dataclass(frozen=True)
class Choice:
    active: str  # model file names in the models dir
    previous: str | None
    fingerprint: str  # of the training inputs when the admin decided
    decision: str  # activate | keep | rollback
    by: str
    at: str  # UTC, ISO 8601


def read(models_dir: Path) -> Choice | None:
    path = models_dir / CHOICE_FILE
    if not path.exists():
        return None
    return Choice(**json.loads(path.read_text(encoding="utf-8")))


def record(
    models_dir: Path,
    decision: str,
    active: str,
    previous: str | None,
    fingerprint: str,
    by: str,
    at: datetime | None = None,
) -> Choice:
    """Write the admin's decision (atomically: a restart never reads half a file)."""
    when = (at or datetime.utcnow()).isoformat(timespec="seconds") + "Z"
    choice = Choice(active, previous, fingerprint, decision, by, when)
    models_dir.mkdir(parents=True, exist_ok=True)
    temp = models_dir / f".{CHOICE_FILE}.{os.getpid()}"
    temp.write_text(json.dumps(asdict(choice), indent=2), encoding="utf-8")
    temp.replace(models_dir / CHOICE_FILE)
    return choice


def chosen_model(models_dir: Path, fingerprint: str) -> Path | None:
    """The model the admin chose, while the training inputs are still those it was chosen
    with and its file exists; else None (serve the model for the current inputs)."""
    choice = read(models_dir)
    if choice is None or choice.fingerprint != fingerprint:
        return None
    path = models_dir / choice.active
    return path if path.exists() else None
