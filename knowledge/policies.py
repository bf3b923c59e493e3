"""Split the long Markdown policy pages (`knowledge/policies/*.md`) into passages.

A passage is one `##` section: small enough to embed well, self-contained enough to answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.pack.locate import pack_dir
from knowledge.errors import KnowledgeError


@dataclass(frozen=True)
class Passage:
    id: str  # "<page>#<section-slug>"
    page_title: str
    title: str
    text: str
    source: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def split_page(path: Path) -> list[Passage]:
    text = path.read_text(encoding="utf-8")
    title_match = re.search(r"^# (.+)$", text, flags=re.MULTILINE)
    if not title_match:
        raise KnowledgeError(f"{path}: a policy page must start with a '# Title' line")
    page_title = title_match.group(1).strip()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    if not sections:
        raise KnowledgeError(f"{path}: no '## ' sections to split into passages")
    passages = []
    for section in sections:
        heading, _, body = section.partition("\n")
        body = " ".join(body.split())
        if not body:
            raise KnowledgeError(f"{path}: section '{heading.strip()}' is empty")
        passages.append(
            Passage(
                id=f"{path.stem}#{_slug(heading)}",
                page_title=page_title,
                title=heading.strip(),
                text=body,
                source=path.name,
            )
        )
    return passages


def load_passages(paths: Iterable[Path] | Path | None = None) -> list[Passage]:
    """Every section of the policy pages, by default the active pack's `policies/`."""
    if paths is None:
        paths = pack_dir() / "policies"
    if isinstance(paths, Path):
        paths = sorted(paths.glob("*.md")) if paths.is_dir() else [paths]
    passages = [p for path in paths for p in split_page(path)]
    ids = [p.id for p in passages]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise KnowledgeError(f"duplicate policy sections: {', '.join(sorted(duplicates))}")
    return passages
