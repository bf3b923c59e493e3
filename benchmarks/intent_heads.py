"""Intent classification heads on data/nlu, 3-fold stratified cross-validation.

    python -m benchmarks.intent_heads

The MiniLM embedding is computed once; each head is trained per fold. Prints macro-F1,
accuracy, the share of messages a fallback threshold leaves to the bot and how many of those
are right, and the training time per fold.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from bot.workbench.intent_cv import held_out, linear_head, load_examples
from knowledge.embeddings import MiniLMEncoder

FALLBACK_THRESHOLD = 0.3  # config.yml's FallbackClassifier


def cross_validate(features, labels: np.ndarray, make_model) -> dict[str, float]:
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    splits = folds.split(np.zeros(len(labels)), labels)
    result = held_out(features, labels, splits, make_model)
    predicted, kept = result.predicted, result.confidence >= FALLBACK_THRESHOLD
    return {
        "macro-F1": f1_score(labels, predicted, average="macro"),
        "accuracy": accuracy_score(labels, predicted),
        "kept": kept.mean(),
        "right of kept": (predicted[kept] == labels[kept]).mean(),
        "train s": float(np.mean(result.train_seconds)),
    }


def main() -> None:
    pairs = load_examples("data/nlu")
    texts, intents = [t for t, _ in pairs], [i for _, i in pairs]
    labels = np.array(intents, dtype=object)
    start = time.perf_counter()
    vectors = MiniLMEncoder().encode(texts)
    encode_s = time.perf_counter() - start
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    rows = {
        "MiniLM + logistic regression (csbot)": cross_validate(vectors, labels, linear_head),
        "TF-IDF + logistic regression": cross_validate(tfidf, labels, linear_head),
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
