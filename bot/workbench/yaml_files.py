"""Round-trip YAML edits that keep a file's comments, quotes and indentation, written
atomically (a temporary file in the same folder, fsynced, then renamed over the old one),
so Rasa, the knowledge loader or a reviewer never read a half-written file."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.util import load_yaml_guess_indent


def _null(representer: Any, _value: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def round_trip(text: str) -> tuple[Any, YAML]:
    """The document and a YAML instance that writes it back in the file's own style."""
    _, indent, offset = load_yaml_guess_indent(text) if text.strip() else (None, 2, 0)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=indent - offset if offset else indent, sequence=indent, offset=offset)
    yaml.representer.add_representer(type(None), _null)
    return yaml.load(text), yaml


def load(path: Path) -> tuple[Any, YAML]:
    return round_trip(path.read_text(encoding="utf-8"))


def dumps(data: Any, yaml: YAML) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
