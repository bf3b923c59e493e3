"""FAQ-gap mining: group the questions the bot could not answer (and answers marked "didn't
help") into clusters, rank them by volume and recency, and draft one FAQ entry per cluster.

MiniLM embeddings (normalised), clustered by HDBSCAN when the `hdbscan` package is
installed, else by scikit-learn's agglomerative clustering with average linkage and a
cosine distance threshold (no number of clusters to guess). Each cluster gets its most
central questions, the closest existing FAQ entry (a cluster very close to one is a
phrasing gap, not a missing entry) and a draft entry for the admin to edit and approve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from knowledge.embeddings import Encoder
from knowledge.faq import FaqEntry

DISTANCE_THRESHOLD = 0.55  # cosine distance that joins questions (benchmarks/gap_mining.py)
MIN_CLUSTER = 2
HALF_LIFE_DAYS = 14.0  # a question this old counts half as much as today's
STOPWORDS = set(
    "a an and are as at be by can could do does for from how i if in is it its me my of on or "
    "the to u ur was we what when where which who why will with would you your there this "
    "that have has any get im i'm need want please".split()
)


@dataclass(frozen=True)
class Question:
    text: str
    at: datetime
    outcome: str = "escalated"  # escalated | not_helpful


@dataclass
class Gap:
    size: int
    score: float  # volume weighted by recency
    last_seen: datetime
    representative: list[str]
    members: list[int]  # indexes into the mined questions
    closest_faq: str | None
    closest_similarity: float | None
    draft: dict = field(default_factory=dict)


def cluster_labels(vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """A cluster label per vector; -1 for noise (HDBSCAN) or singletons."""
    if len(vectors) < MIN_CLUSTER:
        return np.full(len(vectors), -1)
    try:
        import hdbscan  # optional

        return hdbscan.HDBSCAN(min_cluster_size=MIN_CLUSTER, metric="euclidean").fit_predict(
            vectors
        )  # on unit vectors euclidean distance orders pairs as cosine does
    except ImportError:
        pass
    from sklearn.cluster import AgglomerativeClustering

    options = {"n_clusters": None, "distance_threshold": threshold, "linkage": "average"}
    try:
        model = AgglomerativeClustering(metric="cosine", **options)
    except TypeError:  # scikit-learn before 1.2 calls it `affinity`
        model = AgglomerativeClustering(affinity="cosine", **options)
    labels = model.fit_predict(vectors)
    sizes = np.bincount(labels)
    return np.where(sizes[labels] >= MIN_CLUSTER, labels, -1)


def _slug(texts: Sequence[str]) -> str:
    words: dict[str, int] = {}
    for text in texts:
        for word in re.findall(r"[a-z]+", text.lower()):
            if word not in STOPWORDS and len(word) > 2:
                words[word] = words.get(word, 0) + 1
    top = sorted(words, key=lambda w: (-words[w], w))[:3]
    return "-".join(top) or "new-question"


def _question(text: str) -> str:
    text = " ".join(text.split()).rstrip("?.! ")
    return (text[:1].upper() + text[1:] + "?") if text else text


def mine(
    questions: Sequence[Question],
    encoder: Encoder,
    faqs: Sequence[FaqEntry] = (),
    now: datetime | None = None,
    threshold: float = DISTANCE_THRESHOLD,
) -> list[Gap]:
    """Clusters of unanswered questions, best first (volume x recency)."""
    if not questions:
        return []
    now = now or datetime.utcnow()
    vectors = np.asarray(encoder.encode([q.text for q in questions]), dtype="float32")
    labels = cluster_labels(vectors, threshold)
    faq_vectors, faq_ids = _faq_vectors(faqs, encoder)
    by_id = {f.id: f for f in faqs}
    gaps = []
    for label in sorted(set(labels) - {-1}):
        members = [int(i) for i in np.flatnonzero(labels == label)]
        gaps.append(_gap(questions, vectors, members, faq_vectors, faq_ids, by_id, now))
    return sorted(gaps, key=lambda g: (-g.score, -g.size))


def _faq_vectors(faqs: Sequence[FaqEntry], encoder: Encoder) -> tuple[np.ndarray | None, list]:
    if not faqs:
        return None, []
    texts = [(f.id, t) for f in faqs for t in f.indexed_texts]
    vectors = np.asarray(encoder.encode([t for _, t in texts]), dtype="float32")
    return vectors, [i for i, _ in texts]


def _gap(questions, vectors, members, faq_vectors, faq_ids, by_id, now) -> Gap:
    centroid = vectors[members].mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    central = sorted(members, key=lambda i: -float(vectors[i] @ centroid))
    texts = [questions[i].text for i in central]
    ages = [(now - questions[i].at).total_seconds() / 86400 for i in members]
    score = sum(0.5 ** (max(age, 0) / HALF_LIFE_DAYS) for age in ages)
    closest, similarity = None, None
    if faq_vectors is not None:
        sims = faq_vectors @ centroid
        best = int(np.argmax(sims))
        closest, similarity = faq_ids[best], float(sims[best])
    topic = by_id[closest].topic if closest in by_id else "workbench"
    draft = {
        "id": _slug(texts),
        "topic": topic,
        "question": _question(texts[0]),
        "phrasings": list(dict.fromkeys(" ".join(t.split()) for t in texts[1:9])),
        "answer": "",
    }
    return Gap(
        size=len(members),
        score=round(score, 3) if not math.isnan(score) else 0.0,
        last_seen=max(questions[i].at for i in members),
        representative=texts[:3],
        members=central,
        closest_faq=closest,
        closest_similarity=similarity,
        draft=draft,
    )
