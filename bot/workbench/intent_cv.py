"""Cross-validation of the intent head (logistic regression on the MiniLM sentence vector,
`bot.nlu.intent_head`) on NLU examples: what `benchmarks.intent_heads` measures, and what a
retrain from the console compares before and after.

The console's folds come from a hash of each example's normalised text, not from a shuffle:
an example present in the old and the new data sits in the same fold both times, so the two
figures differ by what changed in the data, not by how the folds fell.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

K_FOLDS = 5
INTENT_HEAD = "bot.nlu.intent_head.MiniLMIntentClassifier"
DEFAULT_C = 10.0  # MiniLMIntentClassifier's default
Example = tuple[str, str]  # (text, intent)
Split = tuple[np.ndarray, np.ndarray]  # (train indices, test indices)


def load_examples(nlu_dir: Path | str) -> list[Example]:
    """The (text, intent) examples of the NLU data as Rasa reads them (annotations removed)."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(nlu_dir))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def head_c(config_path: Path) -> float:
    """The intent head's regularisation C in a Rasa config (its default when not set)."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    for component in config.get("pipeline") or []:
        if component.get("name") == INTENT_HEAD:
            return float(component.get("C", DEFAULT_C))
    return DEFAULT_C


def linear_head(C: float = DEFAULT_C) -> Any:
    """The classifier MiniLMIntentClassifier trains on the sentence vector."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000)


def normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def fold_of(text: str, k: int = K_FOLDS) -> int:
    """The example's fold: stable across runs, machines and data sets."""
    digest = hashlib.sha256(normalised(text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % k


def hash_splits(texts: Sequence[str], k: int = K_FOLDS) -> list[Split]:
    folds = np.array([fold_of(t, k) for t in texts])
    return [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(k)]


@dataclass(frozen=True)
class HeldOut:
    """Each example's prediction by a model that did not see it, and its confidence."""

    predicted: np.ndarray
    confidence: np.ndarray
    train_seconds: list[float]


def held_out(
    features: Any, labels: np.ndarray, splits: Iterable[Split], make_model: Callable[[], Any]
) -> HeldOut:
    """Train `make_model()` on each split's training part, predict its test part."""
    predicted = np.empty(len(labels), dtype=object)
    confidence = np.zeros(len(labels))
    seconds = []
    for train, test in splits:
        if len(test) == 0:
            continue
        if len(set(labels[train])) < 2:  # nothing to learn: the one intent it knows
            predicted[test] = labels[train][0] if len(train) else None
            confidence[test] = 1.0
            continue
        start = time.perf_counter()
        model = make_model().fit(features[train], labels[train])
        seconds.append(time.perf_counter() - start)
        probabilities = model.predict_proba(features[test])
        predicted[test] = model.classes_[probabilities.argmax(1)]
        confidence[test] = probabilities.max(1)
    return HeldOut(predicted, confidence, seconds)


@dataclass(frozen=True)
class CvReport:
    """Intent macro-F1 and each intent's F1 and number of examples."""

    examples: int
    macro_f1: float
    f1: dict[str, float]
    support: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"examples": self.examples, "macro_f1": self.macro_f1, "f1": self.f1,
                "support": self.support}  # fmt: skip


def cross_validate(
    examples: Sequence[Example], encode: Callable[[list[str]], np.ndarray], C: float = DEFAULT_C
) -> CvReport:
    """K_FOLDS-fold cross-validation of the intent head on `examples`, folds by text hash."""
    from sklearn.metrics import f1_score

    if not examples:
        return CvReport(0, 0.0, {}, {})
    texts = [t for t, _ in examples]
    labels = np.array([i for _, i in examples], dtype=object)
    intents = sorted(set(labels))
    result = held_out(encode(texts), labels, hash_splits(texts), lambda: linear_head(C))
    scores = f1_score(labels, result.predicted, labels=intents, average=None, zero_division=0)
    return CvReport(
        examples=len(examples),
        macro_f1=float(np.mean(scores)) if intents else 0.0,
        f1={i: float(s) for i, s in zip(intents, scores, strict=True)},
        support={i: int((labels == i).sum()) for i in intents},
    )


@dataclass(frozen=True)
class IntentChange:
    """One intent's F1 before and after (None: the intent is not in that data)."""

    intent: str
    before: float | None
    after: float | None
    examples_before: int
    examples_after: int

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def compare(before: CvReport | None, after: CvReport) -> list[IntentChange]:
    """Per-intent changes, the biggest drop first; intents only on one side come last."""
    old = before or CvReport(0, 0.0, {}, {})
    rows = [
        IntentChange(
            intent,
            old.f1.get(intent),
            after.f1.get(intent),
            old.support.get(intent, 0),
            after.support.get(intent, 0),
        )
        for intent in sorted(set(old.f1) | set(after.f1))
    ]
    return sorted(rows, key=lambda r: (r.change is None, r.change or 0.0, r.intent))
