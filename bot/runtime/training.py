"""Train the Rasa model only when its inputs changed, keyed by a content hash."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

# Everything that changes what `rasa train` produces; the catalogue is read at load time.
TRAINING_DATA = ("data/nlu", "data/stories")
TRAINING_INPUTS = ("config.yml", "domain.yml", *TRAINING_DATA, "bot/nlu", "knowledge/embeddings.py")
MODEL_PREFIX = "csbot-"


def rasa_environment() -> dict[str, str]:
    """The environment every Rasa process gets: offline, quiet, no telemetry."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def fingerprint(project_dir: Path, inputs: tuple[str, ...] = TRAINING_INPUTS) -> str:
    """A hash of the training inputs' paths and contents (order-independent of the OS)."""
    digest = hashlib.sha256()
    for name in inputs:
        root = project_dir / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(project_dir).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(project_dir: Path, models_dir: Path) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint(project_dir)}.tar.gz"


def ensure_model(project_dir: Path, models_dir: Path, force: bool = False) -> Path:
    """Return the model for the current inputs, training it first if it does not exist."""
    target = model_path(project_dir, models_dir)
    if target.exists() and not force:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    print(f"==> Training the Rasa model ({target.name}); inputs changed since the last one.")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            *TRAINING_DATA,
            "--out",
            str(models_dir),
            "--fixed-model-name",
            target.name[: -len(".tar.gz")],
        ],
        cwd=project_dir,
        env=rasa_environment(),
        check=True,
    )
    return target
