"""`csbot init DIR`: a new shop pack, every file commented, ready for `csbot check`.

The template (bot/pack/template/) is a small, complete pack of a made-up shop: it passes the
check as it is, so an owner can start csbot on it at once and replace it piece by piece.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TEMPLATE = Path(__file__).with_name("template")
NAME_MARK = "__NAME__"


class ScaffoldRefused(Exception):
    """The folder cannot take a new pack; str(exc) says why."""


def scaffold(target: Path, name: str) -> list[Path]:
    """Write a new pack into `target` (new or empty) for a shop called `name`; the files
    written. Nothing is overwritten."""
    name = " ".join(name.split())
    if not name or len(name) > 80 or any(c in name for c in "\"'\\{}#:"):
        raise ScaffoldRefused("the shop's name must be 1-80 characters without quotes, #, : or {}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldRefused(f"{target} already exists and is not an empty folder")
    written = []
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or source.name.startswith((".", "__")):
            continue
        destination = target / source.relative_to(TEMPLATE)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix in (".yml", ".md"):
            destination.write_text(source.read_text(encoding="utf-8").replace(NAME_MARK, name))
        else:
            shutil.copyfile(source, destination)
        written.append(destination)
    return written
