"""Ticket auto-classification: category and priority from the customer's words.

MiniLM sentence embeddings + a linear model (logistic regression), trained on the labelled
tickets shipped in data/tickets/ plus agents' corrections. A TF-IDF + multinomial naive Bayes
model on the same split is the baseline it must beat.
"""

from __future__ import annotations

import csv
import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline

from bot import csv_cells
from bot.runtime.settings import PROJECT_ROOT
from knowledge.embeddings import Encoder

TICKET_DATA = PROJECT_ROOT / "data" / "tickets"
CATEGORIES = (
    "delivery",
    "returns_refunds",
    "damaged_defective",
    "billing",
    "account",
    "product_question",
    "warranty_repair",
    "order_changes",
    "installation",
    "complaint",
)
PRIORITIES = ("low", "normal", "high", "urgent")
TARGETS = ("category", "priority")


@dataclass(frozen=True)
class LabelledTicket:
    text: str
    category: str
    priority: str


@dataclass(frozen=True)
class Classification:
    category: str
    priority: str
    category_confidence: float
    priority_confidence: float


def load_labelled(folder: Path = TICKET_DATA) -> list[LabelledTicket]:
    """All labelled tickets; a bad label fails with file and line."""
    tickets = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                category, priority = row.get("category"), row.get("priority")
                if category not in CATEGORIES or priority not in PRIORITIES or not row.get("text"):
                    raise ValueError(
                        f"{path}, line {reader.line_num}: needs text, a category from "
                        f"{', '.join(CATEGORIES)} and a priority from {', '.join(PRIORITIES)}"
                    )
                text = csv_cells.restore(row["text"].strip())
                tickets.append(LabelledTicket(text, category, priority))
    return tickets


def split(tickets: Sequence[LabelledTicket], seed: int = 13):
    """A fixed 80/20 split, stratified by category."""
    return train_test_split(
        list(tickets), test_size=0.2, random_state=seed, stratify=[t.category for t in tickets]
    )


class TicketClassifier:
    """Two logistic regressions (category, priority) over MiniLM embeddings."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.models: dict[str, LogisticRegression] = {}

    def fit(self, tickets: Sequence[LabelledTicket]) -> TicketClassifier:
        vectors = self.encoder.encode([t.text for t in tickets])
        for target in TARGETS:
            labels = [getattr(t, target) for t in tickets]
            model = LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")
            self.models[target] = model.fit(vectors, labels)
        return self

    def predict_many(self, texts: Sequence[str]) -> list[Classification]:
        vectors = self.encoder.encode(list(texts))
        out = {}
        for target in TARGETS:
            proba = self.models[target].predict_proba(vectors)
            classes = self.models[target].classes_
            out[target] = [
                (classes[i], float(p[i])) for p, i in zip(proba, proba.argmax(1), strict=True)
            ]
        return [
            Classification(c, p, cc, pc)
            for (c, cc), (p, pc) in zip(out["category"], out["priority"], strict=True)
        ]

    def predict(self, text: str) -> Classification:
        return self.predict_many([text])[0]


def baseline(tickets: Sequence[LabelledTicket], target: str):
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), MultinomialNB())
    return model.fit([t.text for t in tickets], [getattr(t, target) for t in tickets])


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return float(f1_score(truth, predicted, average="macro"))


def evaluate(encoder: Encoder, tickets: Sequence[LabelledTicket]) -> dict[str, dict[str, float]]:
    """Macro-F1 of csbot's classifier and the baseline on the same held-out split."""
    train, test = split(tickets)
    ours = TicketClassifier(encoder).fit(train).predict_many([t.text for t in test])
    scores: dict[str, dict[str, float]] = {}
    for target in TARGETS:
        truth = [getattr(t, target) for t in test]
        base = baseline(train, target).predict([t.text for t in test])
        scores[target] = {
            "csbot": macro_f1(truth, [getattr(c, target) for c in ours]),
            "baseline": macro_f1(truth, list(base)),
        }
    return scores


def data_hash(tickets: Sequence[LabelledTicket]) -> str:
    digest = hashlib.sha256()
    for t in tickets:
        digest.update(f"{t.text}\t{t.category}\t{t.priority}\n".encode())
    return digest.hexdigest()[:16]


class ClassifierNotTrained(RuntimeError):
    """No classifier was trained for the current labelled tickets: run `csbot tickets retrain`
    (`csbot run` does it at start-up)."""


def _model_file(models_dir: Path, tickets: Sequence[LabelledTicket]) -> Path:
    return models_dir / "tickets" / f"classifier-{data_hash(tickets)}.pkl"


def corrections_dir(models_dir: Path) -> Path:
    """Agents' corrections, exported by `csbot tickets retrain` (kept beside the models)."""
    return models_dir / "tickets" / "corrections"


def training_tickets(models_dir: Path) -> list[LabelledTicket]:
    """The shipped labelled tickets plus the agents' exported corrections."""
    return load_labelled() + load_labelled(corrections_dir(models_dir))


def ensure_trained(models_dir: Path, encoder: Encoder) -> tuple[TicketClassifier, bool]:
    """The classifier for the current training tickets, trained and saved if missing (a
    set-up step: about 20 s on 2 cores). True when it was trained now."""
    tickets = training_tickets(models_dir)
    target = _model_file(models_dir, tickets)
    if target.exists():
        return load_trained(models_dir, encoder), False
    classifier = TicketClassifier(encoder).fit(tickets)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pickle.dumps(classifier.models))
    return classifier, True


def load_trained(models_dir: Path, encoder: Encoder) -> TicketClassifier:
    """The saved classifier for the current training tickets; never trains."""
    target = _model_file(models_dir, training_tickets(models_dir))
    if not target.exists():
        raise ClassifierNotTrained(f"no ticket classifier at {target}")
    classifier = TicketClassifier(encoder)
    classifier.models = pickle.loads(target.read_bytes())
    return classifier


@lru_cache(maxsize=1)
def default_classifier() -> TicketClassifier:
    """The saved classifier, loaded once per process (the action server's)."""
    from bot.runtime.settings import Settings
    from knowledge.embeddings import MiniLMEncoder

    return load_trained(Settings.from_env().models_dir, MiniLMEncoder())


def classify(text: str) -> Classification:
    return default_classifier().predict(text)
