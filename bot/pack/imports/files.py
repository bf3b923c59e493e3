"""Replacing a pack's file all at once: the new text goes to a temporary file beside it, is
checked by the loader csbot itself uses, and only then renamed over the old one (kept as
`<name>.bak`). A failure at any step leaves the old file as it was and no temporary file."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def replace_file(target: Path, text: str, check: Callable[[Path], object]) -> Path | None:
    """Write `text` as `target` if `check(temporary path)` accepts it (raises otherwise); the
    backup of the old file, or None when there was none."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        check(temporary)
        backup = None
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o777)
            backup = target.with_name(target.name + ".bak")
            shutil.copy2(target, backup)
        os.replace(temporary, target)
        return backup
    finally:
        temporary.unlink(missing_ok=True)
