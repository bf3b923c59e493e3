"""Train the Rasa model only when its inputs changed, keyed by a content hash."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Everything that changes what `rasa train` produces; the catalogue is read at load time.
TRAINING_DATA = ("data/nlu", "data/stories")
TRAINING_INPUTS = ("config.yml", "domain.yml", *TRAINING_DATA, "bot/nlu", "knowledge/embeddings.py")
MODEL_PREFIX = "csbot-"
MODEL_SUFFIX = ".tar.gz"
SNAPSHOT_SUFFIX = ".nlu.json"  # next to each model: the intent examples it was trained on

Inputs = Mapping[str, Path]  # each input's name in TRAINING_INPUTS -> where it is


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


def training_environment() -> dict[str, str]:
    """Rasa's environment plus what makes a training reproducible: the same inputs give a
    model that behaves the same (config.yml seeds DIET and TED; Python's hash order and
    TensorFlow's kernels are fixed here), so a harmless edit never changes the bot."""
    env = rasa_environment()
    env.update(PYTHONHASHSEED="0", TF_DETERMINISTIC_OPS="1", TF_CUDNN_DETERMINISTIC="1")
    return env


def default_inputs(project_dir: Path) -> dict[str, Path]:
    return {name: project_dir / name for name in TRAINING_INPUTS}


def inputs_of(settings: Any) -> dict[str, Path]:
    """The training inputs as configured: the config (CSBOT_TRAIN_CONFIG) and the NLU data
    (CSBOT_NLU_DIR, where the workbench teaches) may live elsewhere."""
    inputs = default_inputs(settings.project_dir)
    inputs["config.yml"] = settings.project_dir / settings.train_config
    if settings.nlu_dir is not None:
        inputs["data/nlu"] = Path(settings.nlu_dir)
    return inputs


def fingerprint(project_dir: Path, inputs: Inputs | None = None) -> str:
    """A hash of the training inputs' names and contents (order-independent of the OS). Each
    file counts under its input's name, wherever the input lives."""
    digest = hashlib.sha256()
    for name, root in (inputs or default_inputs(project_dir)).items():
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(root).as_posix() if path != root else ""
                digest.update(f"{name}/{relative}".rstrip("/").encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_name(digest: str) -> str:
    return f"{MODEL_PREFIX}{digest}{MODEL_SUFFIX}"


def model_path(project_dir: Path, models_dir: Path, inputs: Inputs | None = None) -> Path:
    return models_dir / model_name(fingerprint(project_dir, inputs))


def train_command(inputs: Inputs, models_dir: Path, target: Path) -> list[str]:
    """`rasa train` of `inputs` into `target` (a file in `models_dir`)."""
    return [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(inputs["config.yml"]),
        "--domain",
        str(inputs["domain.yml"]),
        "--data",
        *(str(inputs[name]) for name in TRAINING_DATA),
        "--out",
        str(models_dir),
        "--fixed-model-name",
        target.name[: -len(MODEL_SUFFIX)],
    ]


def snapshot_path(model: Path) -> Path:
    return model.with_name(model.name[: -len(MODEL_SUFFIX)] + SNAPSHOT_SUFFIX)


def write_snapshot(model: Path, nlu_dir: Path) -> None:
    """Record next to `model` the (text, intent) examples of `nlu_dir` it was trained on,
    so a later retrain can cross-validate the active model's data against the new data."""
    from bot.workbench.intent_cv import load_examples

    examples = load_examples(nlu_dir)
    temp = snapshot_path(model).with_suffix(".tmp")
    temp.write_text(json.dumps(examples, ensure_ascii=False), encoding="utf-8")
    temp.replace(snapshot_path(model))


def read_snapshot(model: Path) -> list[tuple[str, str]] | None:
    """The examples `model` was trained on, or None when it was trained without a record."""
    path = snapshot_path(model)
    if not path.exists():
        return None
    return [(text, intent) for text, intent in json.loads(path.read_text(encoding="utf-8"))]


def ensure_model(
    project_dir: Path, models_dir: Path, force: bool = False, inputs: Inputs | None = None
) -> Path:
    """Return the model for the current inputs, training it first if it does not exist."""
    inputs = inputs or default_inputs(project_dir)
    target = model_path(project_dir, models_dir, inputs)
    if target.exists() and not force:
        if not snapshot_path(target).exists():  # its name says these are its inputs
            write_snapshot(target, inputs["data/nlu"])
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    print(f"==> Training the Rasa model ({target.name}); inputs changed since the last one.")
    subprocess.run(
        train_command(inputs, models_dir, target),
        cwd=project_dir,
        env=training_environment(),
        check=True,
    )
    write_snapshot(target, inputs["data/nlu"])
    return target
