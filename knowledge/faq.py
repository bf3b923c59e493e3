"""Load the FAQ base (`knowledge/faq/*.yml`), validating every entry.

Each entry has an id, a topic, a question, phrasings (indexed with the question) and held-out
phrasings (only for evaluating retrieval), and optionally the `url` of the help-centre article
it comes from (`csbot import faq` sets it): customers are shown that link as the answer's
source. A bad entry fails with the file and entry named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.pack.locate import pack_dir
from knowledge.errors import KnowledgeError


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    answer: str
    phrasings: tuple[str, ...]
    heldout: tuple[str, ...]
    source: str  # file name, shown to customers with the answer
    url: str | None = None  # the article it comes from, shown to customers instead

    @property
    def indexed_texts(self) -> tuple[str, ...]:
        return (self.question, *self.phrasings)


KEYS = {"id", "topic", "question", "answer", "phrasings", "heldout", "url"}


def is_source_url(value: object) -> bool:
    """An absolute http(s) address without spaces: what a customer can be sent to."""
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed address ("http://[::1")
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _strings(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    return None


def _entry(raw: object, path: Path, position: int) -> FaqEntry:
    where = f"{path}, entry {position}"
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping with id, question and answer")
    where = f"{path}, entry {position} ({raw.get('id', 'no id')})"
    for key in ("id", "topic", "question", "answer"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise KnowledgeError(f"{where}: missing {key}")
    phrasings, heldout = _strings(raw.get("phrasings")), _strings(raw.get("heldout"))
    if phrasings is None or heldout is None:
        raise KnowledgeError(f"{where}: phrasings and heldout must be lists of text")
    unknown = set(raw) - KEYS
    if unknown:
        raise KnowledgeError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if raw.get("url") is not None and not is_source_url(raw["url"]):
        raise KnowledgeError(f"{where}: url must be an http(s) address, not {raw['url']!r}")
    return FaqEntry(
        id=raw["id"].strip(),
        topic=raw["topic"].strip(),
        question=raw["question"].strip(),
        answer=" ".join(raw["answer"].split()),
        phrasings=phrasings,
        heldout=heldout,
        source=path.name,
        url=raw.get("url"),
    )


def load_faq_file(path: Path) -> list[FaqEntry]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read FAQ file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("faqs"), list):
        raise KnowledgeError(f"{path}: expected a top-level 'faqs:' list")
    return [_entry(raw, path, i) for i, raw in enumerate(data["faqs"], start=1)]


def load_faqs(paths: Iterable[Path] | Path | None = None) -> list[FaqEntry]:
    """All entries from a folder (or list) of FAQ files, by default the active pack's `faq/`;
    ids must be unique across them."""
    if paths is None:
        paths = pack_dir() / "faq"
    if isinstance(paths, Path):
        paths = sorted(paths.glob("*.yml")) if paths.is_dir() else [paths]
    entries: list[FaqEntry] = []
    seen: dict[str, str] = {}
    for path in paths:
        for entry in load_faq_file(path):
            if entry.id in seen:
                raise KnowledgeError(
                    f"{path}: duplicate FAQ id {entry.id!r} (also in {seen[entry.id]})"
                )
            seen[entry.id] = path.name
            entries.append(entry)
    if not entries:
        raise KnowledgeError("no FAQ entries found")
    return entries
