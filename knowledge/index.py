"""FAISS indexes over sentence embeddings, one per collection, persisted with a manifest.

A collection is a list of (doc_id, text) pairs plus a JSON payload per doc id. Several texts
may share a doc id (an FAQ's question and its phrasings); search returns each doc once, with
its best score. Exact inner-product search below EXACT_LIMIT vectors, HNSW above it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from knowledge.classifier import LinearHead
from knowledge.embeddings import Encoder

EXACT_LIMIT = 50_000  # vectors; a flat index answers in well under a millisecond below this
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
HEAD_FILE = "head.npz"
HEAD_TAG = "+linear-head"


@dataclass(frozen=True)
class Manifest:
    collection: str
    model: str
    dim: int
    count: int
    docs: int
    content_hash: str
    index_type: str
    built_at: float


def content_hash(model: str, texts: Sequence[tuple[str, str]], payload: dict[str, Any]) -> str:
    digest = hashlib.sha256(model.encode())
    digest.update(json.dumps([list(t) for t in texts], ensure_ascii=False).encode())
    digest.update(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def make_index(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> faiss.Index:
    """Flat (exact) for small collections, HNSW for large ones; inner product on both."""
    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


@dataclass
class Collection:
    """A loaded index: vectors' doc ids, the docs' payloads, and how it was built."""

    manifest: Manifest
    index: faiss.Index
    row_ids: list[str]
    payload: dict[str, Any]
    head: LinearHead | None = None  # built with `classify`

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Best k distinct doc ids for one normalised query vector, best first."""
        if k <= 0:
            raise ValueError("k must be positive")
        wanted = min(len(self.row_ids), k * 4)  # several rows may belong to one doc
        scores, rows = self.index.search(query.reshape(1, -1).astype(np.float32), wanted)
        best: dict[str, float] = {}
        for score, row in zip(scores[0], rows[0], strict=True):
            if row >= 0:
                doc = self.row_ids[row]
                best.setdefault(doc, float(score))
        return sorted(best.items(), key=lambda item: -item[1])[:k]

    def rank(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Best k doc ids by the linear head's probability; by similarity without a head."""
        return self.head.rank(query, k) if self.head else self.search(query, k)


def manifest_path(root: Path, name: str) -> Path:
    return root / name / "manifest.json"


def read_manifest(root: Path, name: str) -> Manifest | None:
    try:
        data = json.loads(manifest_path(root, name).read_text(encoding="utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def build_collection(
    root: Path,
    name: str,
    texts: Sequence[tuple[str, str]],
    payload: dict[str, Any],
    encoder: Encoder,
    force: bool = False,
    progress: bool = False,
    classify: bool = False,
) -> Manifest | None:
    """(Re)build one collection if its content changed; return the new manifest or None.

    With `classify`, a linear head that tells the collection's docs apart is trained on the
    same vectors and stored with the build. The manifest is what readers watch to pick up a
    new build without a restart.
    """
    if not texts:
        raise ValueError(f"collection {name!r} has no texts")
    digest = content_hash(encoder.name + (HEAD_TAG if classify else ""), texts, payload)
    current = read_manifest(root, name)
    if current and current.content_hash == digest and not force:
        return None
    vectors = encoder.encode([t for _, t in texts], progress=progress)
    index = make_index(vectors)
    manifest = Manifest(
        collection=name,
        model=encoder.name,
        dim=int(vectors.shape[1]),
        count=len(texts),
        docs=len(payload),
        content_hash=digest,
        index_type=type(index).__name__,
        built_at=time.time(),
    )
    # Each build goes to its own folder named by the content hash; the manifest, replaced
    # atomically last, says which folder is current, so readers never mix two builds.
    folder = root / name / digest
    folder.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(folder / "index.faiss"))
    (folder / "rows.json").write_text(json.dumps([doc for doc, _ in texts]), encoding="utf-8")
    (folder / "payload.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    if classify:
        LinearHead.fit(vectors, [doc for doc, _ in texts]).save(folder / HEAD_FILE)
    tmp = manifest_path(root, name).with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    os.replace(tmp, manifest_path(root, name))
    keep = {digest, current.content_hash if current else ""}
    for old in (root / name).iterdir():
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    return manifest


def load_collection(root: Path, name: str) -> Collection:
    manifest = read_manifest(root, name)
    if manifest is None:
        raise FileNotFoundError(
            f"no '{name}' index under {root}: run `csbot knowledge build` first"
        )
    folder = root / name / manifest.content_hash
    index = faiss.read_index(str(folder / "index.faiss"))
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    rows = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
    payload = json.loads((folder / "payload.json").read_text(encoding="utf-8"))
    head = LinearHead.load(folder / HEAD_FILE) if (folder / HEAD_FILE).exists() else None
    return Collection(manifest, index, rows, payload, head)
