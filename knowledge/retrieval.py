"""Search the built indexes at run time, picking up a rebuilt index without a restart."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.letters import folded
from knowledge.embeddings import Encoder
from knowledge.index import Collection, load_collection, manifest_path, read_manifest

NOTHING = re.compile(r"(?!)")


def name_pattern(names: Sequence[str]) -> re.Pattern[str]:
    """The shop's names as customers type them ("Kettle & Volt", "kettle and volt", "kettle n
    volt"); an empty list matches nothing."""
    spelt = []
    for name in names:
        words = re.findall(r"[0-9a-z]+", folded(name).lower())
        words = [w for w in words if w not in ("and", "n")]
        if words:
            spelt.append(r"\s*(?:&|\+|and|n)?\s*".join(map(re.escape, words)))
    if not spelt:
        return NOTHING
    return re.compile(rf"\b(?:{'|'.join(sorted(spelt, key=len, reverse=True))})\b", re.IGNORECASE)


def clean_query(text: str, shop_name: re.Pattern[str] = NOTHING) -> str:
    """Drop the shop's own name: 'kettle' in 'Kettle & Volt' is not about kettles."""
    return " ".join(shop_name.sub(" ", folded(text)).split())


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when a file is replaced or rewritten (None: no file)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float
    data: dict[str, Any]


@dataclass(frozen=True)
class Ranking:
    """Candidates best first (by the collection's linear head where it has one), and how
    close the question came to any indexed text: a question about nothing the shop knows is
    far from all of them, however the head ranks them."""

    hits: list[Hit]
    similarity: float


class KnowledgeBase:
    """Holds loaded collections; reloads one when its manifest names a new build."""

    def __init__(self, root: Path, encoder: Encoder, shop_names: Sequence[str] = ()) -> None:
        """`shop_names`: the shop's own names, dropped from queries (its pack's name)."""
        self.root = root
        self.encoder = encoder
        self.shop_name = name_pattern(shop_names)
        self._collections: dict[str, Collection] = {}
        self._stamps: dict[str, tuple[int, int, int] | None] = {}  # name -> manifest file's
        self._lock = threading.Lock()

    def collection(self, name: str) -> Collection:
        """The loaded collection, reloaded when its manifest names a new build. The manifest
        is read again only when its file changed (a build replaces it): one stat per call
        instead of reading and parsing it, several times per message."""
        stamp = _stamp(manifest_path(self.root, name))
        with self._lock:
            loaded = self._collections.get(name)
            if loaded is None or stamp is None or stamp != self._stamps.get(name):
                manifest = read_manifest(self.root, name)
                stale = (
                    manifest and loaded and manifest.content_hash != loaded.manifest.content_hash
                )
                if loaded is None or stale:
                    loaded = self._collections[name] = load_collection(self.root, name)
                self._stamps[name] = stamp
            return loaded

    def version(self, name: str) -> str:
        return self.collection(name).manifest.content_hash

    def _embed(self, text: str) -> Any:
        return self.encoder.encode([clean_query(text, self.shop_name) or text])[0]

    def search(self, name: str, text: str, k: int = 10) -> list[Hit]:
        """Nearest docs by cosine similarity."""
        collection = self.collection(name)
        found = collection.search(self._embed(text), k)
        return [Hit(doc, score, collection.payload[doc]) for doc, score in found]

    def rank(self, name: str, text: str, k: int = 10) -> Ranking:
        """Likeliest docs by the collection's linear head, with the nearest text's similarity."""
        collection = self.collection(name)
        query = self._embed(text)
        nearest = collection.search(query, 1)
        ranked = collection.rank(query, k)
        hits = [Hit(doc, score, collection.payload[doc]) for doc, score in ranked]
        return Ranking(hits, nearest[0][1] if nearest else 0.0)
