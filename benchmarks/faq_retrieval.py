"""FAQ retrieval quality on phrasings held out from the index, and threshold calibration.

    python -m benchmarks.faq_retrieval [--calibrate] [--skip-rasa]

Queries are each FAQ's `heldout` phrasings (never indexed); out-of-scope NLU examples are the
negatives that should escalate. The held-out set is split in two by FAQ id: thresholds are
fitted on the first half (--calibrate writes them to the active shop pack's thresholds.yml)
and every figure is reported on the second half. Compared side by side: MiniLM + a linear
head, with FAISS for the on-topic check (csbot), MiniLM + FAISS nearest neighbour alone (csbot
before), BM25 over the same texts, and Rasa's ResponseSelector trained on the same FAQ
questions and phrasings.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from bot.pack.load import load_pack
from bot.pack.locate import pack_dir
from bot.runtime.training import rasa_environment
from knowledge.answers import Decision, Thresholds, decide
from knowledge.classifier import LinearHead
from knowledge.embeddings import MiniLMEncoder
from knowledge.faq import FaqEntry, load_faqs
from knowledge.index import make_index
from knowledge.policies import load_passages
from knowledge.retrieval import Hit, Ranking, clean_query, name_pattern
from knowledge.sources import answer_texts

ROOT = Path(__file__).resolve().parents[1]
Ranker = Callable[[str], Ranking]
# Direct answers must be this precise on the calibration half: a wrong answer costs the
# customer more than a question back.
PRECISION = 0.95


@dataclass(frozen=True)
class Query:
    text: str
    gold: str | None  # doc id, or None for a question that should escalate


@lru_cache(maxsize=1)
def _shop_name() -> re.Pattern[str]:
    """The served pack's names, dropped from queries as the bot does."""
    pack = load_pack(pack_dir())
    return name_pattern([pack.name, pack.short_name])


def held_out(faqs: Sequence[FaqEntry]) -> tuple[list[Query], list[Query]]:
    """(calibration, test) halves, split by a stable hash of the FAQ id."""
    halves: tuple[list[Query], list[Query]] = ([], [])
    for faq in faqs:
        half = int(hashlib.sha256(faq.id.encode()).hexdigest(), 16) % 2
        halves[half].extend(Query(t, f"faq:{faq.id}") for t in faq.heldout)
    negatives = out_of_scope()
    middle = len(negatives) // 2
    return halves[0] + negatives[:middle], halves[1] + negatives[middle:]


def out_of_scope() -> list[Query]:
    data = yaml.safe_load((ROOT / "data/nlu/customer_service_part2.yml").read_text())
    block = next(i for i in data["nlu"] if i["intent"] == "out_of_scope")["examples"]
    return [Query(line[2:].strip(), None) for line in block.splitlines() if line.strip()]


def by_score(hits: list[Hit]) -> Ranking:
    return Ranking(hits, hits[0].score if hits else 0.0)


def dense_ranker(texts: list[tuple[str, str]], payload: dict, head: bool) -> Ranker:
    """MiniLM + FAISS; with `head`, candidates ranked by a linear head as csbot does."""
    encoder = MiniLMEncoder()
    vectors = encoder.encode([t for _, t in texts])
    index = make_index(vectors)
    rows = [doc for doc, _ in texts]
    classifier = LinearHead.fit(vectors, rows) if head else None

    def rank(query: str) -> Ranking:
        vector = encoder.encode([clean_query(query, _shop_name()) or query])
        scores, ids = index.search(vector, 40)
        best: dict[str, float] = {}
        for score, row in zip(scores[0], ids[0], strict=True):
            if row >= 0:
                best.setdefault(rows[row], float(score))
        nearest = [Hit(d, s, payload[d]) for d, s in best.items()][:10]
        if classifier is None:
            return by_score(nearest)
        ranked = [Hit(d, s, payload[d]) for d, s in classifier.rank(vector[0], 10)]
        return Ranking(ranked, nearest[0].score)

    return rank


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def bm25_ranker(texts: list[tuple[str, str]], payload: dict) -> Ranker:
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([_tokens(t) for _, t in texts])
    rows = [doc for doc, _ in texts]

    def rank(query: str) -> Ranking:
        scores = bm25.get_scores(_tokens(clean_query(query, _shop_name())))
        best: dict[str, float] = {}
        for row in np.argsort(-scores)[:40]:
            best.setdefault(rows[row], float(scores[row] / (1 + scores[row])))  # into [0, 1)
        return by_score([Hit(d, s, payload[d]) for d, s in best.items()][:10])

    return rank


def response_selector_ranker(faqs: Sequence[FaqEntry], payload: dict) -> Ranker:
    """Train Rasa's ResponseSelector on faq/<id> retrieval intents; rank by its confidence."""
    from rasa.core.agent import Agent

    work = Path(tempfile.mkdtemp(prefix="csbot-rs-"))
    nlu = {
        "version": "3.1",
        "nlu": [
            {"intent": f"faq/{f.id}", "examples": "".join(f"- {t}\n" for t in f.indexed_texts)}
            for f in faqs
        ],
    }
    domain = {
        "version": "3.1",
        "intents": ["faq"],
        "responses": {f"utter_faq/{f.id}": [{"text": f.answer}] for f in faqs},
    }
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {
                "name": "CountVectorsFeaturizer",
                "analyzer": "char_wb",
                "min_ngram": 1,
                "max_ngram": 4,
            },
            {"name": "ResponseSelector", "epochs": 100, "retrieval_intent": "faq"},
        ],
        "policies": [],
    }
    for name, data in (("nlu.yml", nlu), ("domain.yml", domain), ("config.yml", config)):
        (work / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "nlu",
            "--nlu",
            "nlu.yml",
            "--domain",
            "domain.yml",
            "--config",
            "config.yml",
            "--out",
            "models",
            "--fixed-model-name",
            "rs",
        ],
        cwd=work,
        env=rasa_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    agent = Agent.load(str(work / "models" / "rs.tar.gz"))
    loop = asyncio.new_event_loop()

    def rank(query: str) -> Ranking:
        parsed = loop.run_until_complete(agent.parse_message(query))
        ranking = parsed["response_selector"]["faq"]["ranking"]
        hits = []
        for item in ranking[:10]:
            doc = "faq:" + item["intent_response_key"].split("/", 1)[1]
            hits.append(Hit(doc, float(item["confidence"]), payload[doc]))
        return by_score(hits)

    return rank


def metrics(results: list[tuple[Query, Ranking]], thresholds: Thresholds) -> dict[str, float]:
    positives = [(q, h) for q, h in results if q.gold]
    negatives = [(q, h) for q, h in results if not q.gold]
    ranks = [
        next((i for i, hit in enumerate(h.hits, 1) if hit.doc_id == q.gold), None)
        for q, h in positives
    ]
    decisions = [decide(h, thresholds) for _, h in positives]
    answered = [
        (q, h) for (q, h), d in zip(positives, decisions, strict=True) if d is Decision.ANSWER
    ]
    correct = sum(h.hits[0].doc_id == q.gold for q, h in answered)
    return {
        "P@1": sum(r == 1 for r in ranks) / len(ranks),
        "MRR@10": sum(1 / r for r in ranks if r) / len(ranks),
        "answer": len(answered) / len(positives),
        "clarify": decisions.count(Decision.CLARIFY) / len(positives),
        "escalate": decisions.count(Decision.ESCALATE) / len(positives),
        "answer precision": correct / len(answered) if answered else float("nan"),
        "off-topic escalated": sum(decide(h, thresholds) is Decision.ESCALATE for _, h in negatives)
        / max(1, len(negatives)),
    }


def calibrate(results: list[tuple[Query, Ranking]], precision: float = PRECISION) -> Thresholds:
    """Clarify: above 90% of off-topic questions' similarities. Answer + margin: the pair that
    answers the most held-out questions while >= `precision` of those answers are right."""
    negatives = [h.similarity for q, h in results if not q.gold and h.hits]
    clarify = float(np.quantile(negatives, 0.9)) if negatives else 0.0
    tops = sorted({round(h.hits[0].score, 3) for q, h in results if q.gold and h.hits})
    best, best_answered = Thresholds(1.0, 0.0, clarify), -1
    for answer in tops[:: max(1, len(tops) // 60)]:
        for margin in (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15):
            candidate = Thresholds(answer, margin, clarify)
            m = metrics(results, candidate)
            answered = m["answer"]
            if m["answer precision"] >= precision and answered > best_answered:
                best, best_answered = candidate, answered
    return best


def evaluate(name: str, rank: Ranker, calib: list[Query], test: list[Query]) -> dict[str, float]:
    fitted = calibrate([(q, rank(q.text)) for q in calib])
    row = metrics([(q, rank(q.text)) for q in test], fitted)
    row["thresholds"] = fitted
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calibrate", action="store_true", help="write the active shop pack's thresholds.yml"
    )
    parser.add_argument("--skip-rasa", action="store_true", help="leave out the ResponseSelector")
    args = parser.parse_args()
    faqs = load_faqs()
    texts, payload = answer_texts(faqs, load_passages())
    calib, test = held_out(faqs)
    rankers = {
        "MiniLM + linear head (csbot)": dense_ranker(texts, payload, head=True),
        "MiniLM + FAISS nearest": dense_ranker(texts, payload, head=False),
        "BM25": bm25_ranker(texts, payload),
    }
    if not args.skip_rasa:
        rankers["Rasa ResponseSelector"] = response_selector_ranker(faqs, payload)
    rows = {name: evaluate(name, rank, calib, test) for name, rank in rankers.items()}
    n_pos = sum(1 for q in test if q.gold)
    print(
        f"\nFAQ retrieval on {n_pos} held-out phrasings (+{len(test) - n_pos} off-topic), "
        f"{len(faqs)} FAQs + {len(payload) - len(faqs)} policy passages indexed\n"
    )
    columns = [
        "P@1",
        "MRR@10",
        "answer",
        "clarify",
        "escalate",
        "answer precision",
        "off-topic escalated",
    ]
    print("| method | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in columns) + " |")
    ours = rows["MiniLM + linear head (csbot)"]["thresholds"]
    print(
        f"\ncsbot thresholds (fitted on the calibration half): answer >= {ours.answer:.3f}, "
        f"margin >= {ours.margin:.2f}, clarify >= {ours.clarify:.3f}"
    )
    if args.calibrate:
        (pack_dir() / "thresholds.yml").write_text(
            "# Written by `python -m benchmarks.faq_retrieval --calibrate`; see README.\n"
            "# answer, margin: the linear head's probability for the best FAQ (and its lead over\n"
            "# the runner-up); clarify: cosine similarity to the nearest indexed text.\n"
            + yaml.safe_dump(
                {
                    "answer": round(ours.answer, 3),
                    "margin": ours.margin,
                    "clarify": round(ours.clarify, 3),
                },
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        print(f"wrote {pack_dir() / 'thresholds.yml'}")


if __name__ == "__main__":
    main()
