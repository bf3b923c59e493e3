"""Intent classification heads on data/nlu, 3-fold stratified cross-validation.

    python -m benchmarks.intent_heads

The MiniLM embedding is computed once; each head is trained per fold. Prints macro-F1,
accuracy, the share of messages a fallback threshold leaves to the bot and how many of those
are right, and the training time per fold.
"""

from __future__ import annotations

import time

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from knowledge.embeddings import MiniLMEncoder

FALLBACK_THRESHOLD = 0.3  # config.yml's FallbackClassifier


def examples() -> tuple[list[str], list[str]]:
    data = load_data("data/nlu")
    pairs = [(m.get("text"), m.get("intent")) for m in data.intent_examples]
    return [t for t, _ in pairs], [i for _, i in pairs]


def cross_validate(features, labels: np.ndarray, make_model) -> dict[str, float]:
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    predicted = np.empty(len(labels), dtype=object)
    confidence = np.zeros(len(labels))
    seconds = []
    for train, test in folds.split(np.zeros(len(labels)), labels):
        start = time.perf_counter()
        model = make_model().fit(features[train], labels[train])
        seconds.append(time.perf_counter() - start)
        probabilities = model.predict_proba(features[test])
        predicted[test] = model.classes_[probabilities.argmax(1)]
        confidence[test] = probabilities.max(1)
    kept = confidence >= FALLBACK_THRESHOLD
    return {
        "macro-F1": f1_score(labels, predicted, average="macro"),
        "accuracy": accuracy_score(labels, predicted),
        "kept": kept.mean(),
        "right of kept": (predicted[kept] == labels[kept]).mean(),
        "train s": float(np.mean(seconds)),
    }


def main() -> None:
    texts, intents = examples()
    labels = np.array(intents, dtype=object)
    start = time.perf_counter()
    vectors = MiniLMEncoder().encode(texts)
    encode_s = time.perf_counter() - start
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    rows = {
        "MiniLM + logistic regression (csbot)": cross_validate(
            vectors, labels, lambda: LogisticRegression(C=10, max_iter=5000)
        ),
        "TF-IDF + logistic regression": cross_validate(
            tfidf, labels, lambda: LogisticRegression(C=10, max_iter=5000)
        ),
    }
    print(f"{len(texts)} examples, {len(set(intents))} intents; MiniLM encode {encode_s:.0f} s\n")
    print(f"| head | macro-F1 | accuracy | kept at {FALLBACK_THRESHOLD} | right of kept | train |")
    print("|---|---|---|---|---|---|")
    for name, m in rows.items():
        print(
            f"| {name} | {m['macro-F1']:.3f} | {m['accuracy']:.3f} | {m['kept']:.0%} | "
            f"{m['right of kept']:.0%} | {m['train s']:.1f} s |"
        )


if __name__ == "__main__":
    main()
