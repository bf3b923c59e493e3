"""FAQ auto-reply: answer, clarify or escalate, by calibrated score thresholds.

Thresholds live in `knowledge/thresholds.yml`, written by `benchmarks/faq_retrieval.py
--calibrate` from held-out phrasings (see the README for how).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import yaml

from knowledge.errors import KnowledgeError
from knowledge.retrieval import Hit, KnowledgeBase
from knowledge.sources import ANSWERS

DEFAULT_THRESHOLDS = Path(__file__).with_name("thresholds.yml")


class Decision(str, Enum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"


@dataclass(frozen=True)
class Thresholds:
    answer: float  # best score at least this ...
    margin: float  # ... and this far ahead of the runner-up: answer directly
    clarify: float  # best score at least this: offer the top candidates; below: escalate

    def __post_init__(self) -> None:
        if not 0 <= self.clarify <= self.answer or self.margin < 0:
            raise KnowledgeError("thresholds need 0 <= clarify <= answer and margin >= 0")

    @classmethod
    def load(cls, path: Path = DEFAULT_THRESHOLDS) -> Thresholds:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(float(data["answer"]), float(data["margin"]), float(data["clarify"]))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise KnowledgeError(f"{path}: cannot read thresholds ({exc})") from None


@dataclass(frozen=True)
class Reply:
    decision: Decision
    candidates: tuple[Hit, ...]
    version: str  # content hash of the index that answered

    @property
    def best(self) -> Hit | None:
        return self.candidates[0] if self.candidates else None


def decide(hits: list[Hit], thresholds: Thresholds) -> Decision:
    if not hits or hits[0].score < thresholds.clarify:
        return Decision.ESCALATE
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if hits[0].score >= thresholds.answer and hits[0].score - runner_up >= thresholds.margin:
        return Decision.ANSWER
    return Decision.CLARIFY


class FaqAnswerer:
    def __init__(self, knowledge: KnowledgeBase, thresholds: Thresholds, k: int = 5) -> None:
        if k < 3:
            raise ValueError("k must be at least 3 (clarify offers three candidates)")
        self.knowledge = knowledge
        self.thresholds = thresholds
        self.k = k

    def reply(self, question: str) -> Reply:
        hits = self.knowledge.search(ANSWERS, question, self.k)
        return Reply(decide(hits, self.thresholds), tuple(hits), self.knowledge.version(ANSWERS))

    def entry(self, doc_id: str) -> Hit | None:
        """One answer by id (a clarify button's choice)."""
        data = self.knowledge.collection(ANSWERS).payload.get(doc_id)
        return Hit(doc_id, 1.0, data) if data else None
