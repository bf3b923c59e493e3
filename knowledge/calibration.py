"""How well a set of thresholds does on ranked held-out questions, and the thresholds that do
best.

Pure functions over rankings already made, so `csbot tune` (knowledge/tuning.py) and the
retrieval benchmark (benchmarks/faq_retrieval.py) count and fit the same way whatever ranker
produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.answers import Thresholds, decide
from knowledge.decision import Decision
from knowledge.retrieval import Ranking

# Direct answers must be at least this precise: a wrong answer costs the customer more than
# a question back.
PRECISION = 0.95
# Share of off-topic questions whose similarity the clarify threshold sits above: most of
# them are handed over instead of being offered unrelated FAQ entries.
OFF_TOPIC_QUANTILE = 0.9
MARGINS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15)
ANSWER_STEPS = 60  # answer thresholds tried, spread over the positives' top probabilities


@dataclass(frozen=True)
class Query:
    text: str
    gold: str | None  # the doc id that answers it, or None for a question that should escalate


Ranked = tuple[Query, Ranking]


@dataclass(frozen=True)
class Figures:
    """What the bot would do with each held-out question under one set of thresholds."""

    questions: int  # held-out phrasings of the shop's own FAQs
    answered_right: int  # answered directly with the FAQ they ask for
    answered_wrong: int  # answered directly with another entry
    clarified: int  # offered a choice of entries
    escalated: int  # handed to a person
    off_topic: int  # questions no shop answers
    off_topic_escalated: int  # ... of which handed to a person, as they should be

    @property
    def answered(self) -> int:
        return self.answered_right + self.answered_wrong

    @property
    def precision(self) -> float:
        """Share of direct answers that were right (NaN when nothing was answered)."""
        return self.answered_right / self.answered if self.answered else float("nan")


def figures(results: Sequence[Ranked], thresholds: Thresholds) -> Figures:
    decisions = [(q, r, decide(r, thresholds)) for q, r in results]
    on_topic = [(q, r, d) for q, r, d in decisions if q.gold]
    answered = [(q, r) for q, r, d in on_topic if d is Decision.ANSWER]
    right = sum(r.hits[0].doc_id == q.gold for q, r in answered)
    off_topic = [d for q, _, d in decisions if not q.gold]
    return Figures(
        questions=len(on_topic),
        answered_right=right,
        answered_wrong=len(answered) - right,
        clarified=sum(d is Decision.CLARIFY for _, _, d in on_topic),
        escalated=sum(d is Decision.ESCALATE for _, _, d in on_topic),
        off_topic=len(off_topic),
        off_topic_escalated=off_topic.count(Decision.ESCALATE),
    )


def calibrate(results: Sequence[Ranked], precision: float = PRECISION) -> Thresholds:
    """Clarify: above 90% of off-topic questions' similarities. Answer + margin: the pair that
    answers the most held-out questions while >= `precision` of those answers are right.
    Every value has three decimals at most, as thresholds.yml keeps them, so the file that is
    written is the one these figures were fitted with."""
    negatives = [r.similarity for q, r in results if not q.gold and r.hits]
    clarify = round(float(np.quantile(negatives, OFF_TOPIC_QUANTILE)), 3) if negatives else 0.0
    tops = sorted({round(r.hits[0].score, 3) for q, r in results if q.gold and r.hits})
    best, best_answered = Thresholds(1.0, 0.0, clarify), -1
    for answer in tops[:: max(1, len(tops) // ANSWER_STEPS)]:
        for margin in MARGINS:
            candidate = Thresholds(answer, margin, clarify)
            counted = figures(results, candidate)
            if counted.precision >= precision and counted.answered > best_answered:
                best, best_answered = candidate, counted.answered
    return best
