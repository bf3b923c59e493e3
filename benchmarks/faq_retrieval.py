"""FAQ retrieval quality on phrasings held out from the index, and threshold calibration.

    python -m benchmarks.faq_retrieval [--calibrate] [--skip-rasa]

Queries are each FAQ's `heldout` phrasings (never indexed); the off-topic questions `csbot
tune` uses (knowledge/tuning.py) are the negatives that should escalate. The held-out set is
split in two by FAQ id: thresholds are fitted on the first half (--calibrate writes them to
the active shop pack's thresholds.yml; `csbot tune` fits a pack's on all of its phrasings) and
every figure is reported on the second half. Compared side by side: the bot's own ranker,
MiniLM + a linear head with FAISS for the on-topic check (csbot), MiniLM + FAISS nearest
neighbour alone (csbot before), BM25 over the same texts, and Rasa's ResponseSelector trained
on the same FAQ questions and phrasings.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from bot.pack.load import load_pack
from bot.pack.locate import pack_dir
from bot.runtime.training import rasa_environment
from knowledge.answers import Thresholds
from knowledge.calibration import Query, Ranked, calibrate, figures
from knowledge.embeddings import Encoder, MiniLMEncoder
from knowledge.faq import FaqEntry, load_faqs
from knowledge.index import make_index
from knowledge.policies import load_passages
from knowledge.retrieval import Hit, Ranking, clean_query, name_pattern
from knowledge.sources import answer_texts
from knowledge.tuning import Ranker, heldout_queries, off_topic, pack_ranker


@lru_cache(maxsize=1)
def _shop_names() -> tuple[str, str]:
    """The served pack's names, dropped from queries as the bot does."""
    pack = load_pack(pack_dir())
    return pack.name, pack.short_name


def _shop_name() -> re.Pattern[str]:
    return name_pattern(_shop_names())


def held_out(faqs: Sequence[FaqEntry]) -> tuple[list[Query], list[Query]]:
    """(calibration, test) halves, split by a stable hash of the FAQ id."""
    halves: tuple[list[Query], list[Query]] = ([], [])
    for faq in faqs:
        half = int(hashlib.sha256(faq.id.encode()).hexdigest(), 16) % 2
        halves[half].extend(heldout_queries([faq]))
    negatives = off_topic()
    middle = len(negatives) // 2
    return halves[0] + negatives[:middle], halves[1] + negatives[middle:]


def by_score(hits: list[Hit]) -> Ranking:
    return Ranking(hits, hits[0].score if hits else 0.0)


def nearest_ranker(texts: list[tuple[str, str]], payload: dict, encoder: Encoder) -> Ranker:
    """MiniLM + FAISS nearest neighbour alone, without the linear head csbot ranks by."""
    index = make_index(encoder.encode([t for _, t in texts]))
    rows = [doc for doc, _ in texts]

    def rank(query: str) -> Ranking:
        vector = encoder.encode([clean_query(query, _shop_name()) or query])
        scores, ids = index.search(vector, 40)
        best: dict[str, float] = {}
        for score, row in zip(scores[0], ids[0], strict=True):
            if row >= 0:
                best.setdefault(rows[row], float(score))
        return by_score([Hit(d, s, payload[d]) for d, s in best.items()][:10])

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


def metrics(results: list[Ranked], thresholds: Thresholds) -> dict[str, float]:
    """The decisions' shares (knowledge.calibration's counts) and the ranking's P@1, MRR@10."""
    counted = figures(results, thresholds)
    ranks = [
        next((i for i, hit in enumerate(h.hits, 1) if hit.doc_id == q.gold), None)
        for q, h in results
        if q.gold
    ]
    return {
        "P@1": sum(r == 1 for r in ranks) / len(ranks),
        "MRR@10": sum(1 / r for r in ranks if r) / len(ranks),
        "answer": counted.answered / counted.questions,
        "clarify": counted.clarified / counted.questions,
        "escalate": counted.escalated / counted.questions,
        "answer precision": counted.precision,
        "off-topic escalated": counted.off_topic_escalated / max(1, counted.off_topic),
    }


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
    faqs, passages, encoder = load_faqs(), load_passages(), MiniLMEncoder()
    texts, payload = answer_texts(faqs, passages)
    calib, test = held_out(faqs)
    with pack_ranker(faqs, passages, encoder, _shop_names()) as csbot:
        rankers = {
            "MiniLM + linear head (csbot)": csbot,
            "MiniLM + FAISS nearest": nearest_ranker(texts, payload, encoder),
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
        origin = "Written by `python -m benchmarks.faq_retrieval --calibrate`; see README."
        ours.save(pack_dir() / "thresholds.yml", origin)
        print(f"wrote {pack_dir() / 'thresholds.yml'}")


if __name__ == "__main__":
    main()
