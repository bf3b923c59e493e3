"""Ticket auto-classification: category and priority from the customer's words.

MiniLM sentence embeddings + a linear model (logistic regression), trained per shop on its
pack's labelled tickets (tickets/*.csv, or csbot's shop-neutral default) plus agents'
corrections. A TF-IDF + multinomial naive Bayes model on the same split is the baseline it
must beat. The saved model's name is a hash of the categories and examples it learned, so a
shop never gets another shop's model, nor one trained before its examples changed.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline

from bot.pack.model import PRIORITIES, ShopPack
from bot.pack.tickets import LabelledTicket, load_examples, read_examples, read_examples_file
from knowledge.embeddings import Encoder

__all__ = ["PRIORITIES", "LabelledTicket"]  # re-exported: what the ticket code imports here
log = logging.getLogger(__name__)
TARGETS = ("category", "priority")


@dataclass(frozen=True)
class Classification:
    category: str
    priority: str
    category_confidence: float
    priority_confidence: float


def load_labelled(folder: Path, categories: Collection[str] | None = None) -> list[LabelledTicket]:
    """The labelled tickets in `folder`/*.csv; ValueError naming the file and line of the
    first bad row (`categories` None accepts any category)."""
    tickets, problems = read_examples(folder, categories)
    if problems:
        raise ValueError(str(problems[0]))
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


def data_hash(tickets: Sequence[LabelledTicket], categories: Sequence[str] = ()) -> str:
    """What a trained model depends on: the shop's categories and every example, in order."""
    digest = hashlib.sha256("\t".join(categories).encode() + b"\n")
    for t in tickets:
        digest.update(f"{t.text}\t{t.category}\t{t.priority}\n".encode())
    return digest.hexdigest()[:16]


class ClassifierNotTrained(RuntimeError):
    """No classifier was trained for the current labelled tickets: run `csbot tickets retrain`
    (`csbot run` does it at start-up)."""


def _model_file(models_dir: Path, tickets: Sequence[LabelledTicket], names: Sequence[str]) -> Path:
    return models_dir / "tickets" / f"classifier-{data_hash(tickets, names)}.pkl"


def corrections_dir(models_dir: Path) -> Path:
    """Agents' corrections, exported by `csbot tickets retrain` (kept beside the models)."""
    return models_dir / "tickets" / "corrections"


def corrections_file(models_dir: Path, pack: ShopPack) -> Path:
    """The shop's own corrections (one file per pack: packs served from the same models
    folder have different categories, and one shop's customers' words are not another's
    training data)."""
    return corrections_dir(models_dir) / f"corrections-{pack.slug}.csv"


def exported_corrections(pack: ShopPack, models_dir: Path) -> list[LabelledTicket]:
    """The shop's exported corrections whose category it still has (a category renamed in
    tickets.yml since the export drops its rows, logged, rather than stopping the start)."""
    path = corrections_file(models_dir, pack)
    if not path.is_file():
        return []
    rows, problems = read_examples_file(path, None)
    kept = [t for t in rows if t.category in pack.tickets.names]
    if problems or len(kept) < len(rows):
        log.warning(
            "%s: %d correction(s) left out (a category the shop no longer has, or a bad row)",
            path,
            len(rows) - len(kept) + len(problems),
        )
    return kept


def training_tickets(pack: ShopPack, models_dir: Path) -> list[LabelledTicket]:
    """The pack's labelled tickets plus its agents' exported corrections."""
    return load_examples(pack.tickets) + exported_corrections(pack, models_dir)


def ensure_trained(
    pack: ShopPack, models_dir: Path, encoder: Encoder
) -> tuple[TicketClassifier, bool]:
    """The pack's classifier for its current training tickets, trained and saved if missing
    (a set-up step: about 20 s on 2 cores). True when it was trained now."""
    tickets = training_tickets(pack, models_dir)
    target = _model_file(models_dir, tickets, pack.tickets.names)
    if target.exists():
        return load_trained(pack, models_dir, encoder), False
    classifier = TicketClassifier(encoder).fit(tickets)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")  # processes starting together never read half a file
    partial.write_bytes(pickle.dumps(classifier.models))
    partial.replace(target)
    return classifier, True


def load_trained(pack: ShopPack, models_dir: Path, encoder: Encoder) -> TicketClassifier:
    """The pack's saved classifier for its current training tickets; never trains."""
    target = _model_file(models_dir, training_tickets(pack, models_dir), pack.tickets.names)
    if not target.exists():
        raise ClassifierNotTrained(f"no ticket classifier for {pack.slug} at {target}")
    classifier = TicketClassifier(encoder)
    classifier.models = pickle.loads(target.read_bytes())
    return classifier


class SavedClassifier:
    """`classify` for the services: the pack's saved classifier, loaded on the first ticket
    (not when the process starts, nor on import) and kept for the process's life."""

    def __init__(self, pack: ShopPack, models_dir: Path | None = None) -> None:
        self._pack = pack
        self._models_dir = models_dir
        self._loaded: TicketClassifier | None = None
        self._lock = threading.Lock()

    def _classifier(self) -> TicketClassifier:
        with self._lock:
            if self._loaded is None:
                from bot.runtime.settings import Settings
                from knowledge.embeddings import MiniLMEncoder

                models_dir = self._models_dir or Settings.from_env().models_dir
                self._loaded = load_trained(self._pack, models_dir, MiniLMEncoder())
            return self._loaded

    def __call__(self, text: str) -> Classification:
        return self._classifier().predict(text)
