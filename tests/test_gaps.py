"""FAQ-gap mining: clusters of unanswered questions ranked by volume and recency, with the
closest existing entry and a draft; and with the real MiniLM on shop-like questions."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from bot.workbench.gaps import Question, mine
from knowledge.faq import FaqEntry

NOW = datetime(2026, 12, 1)
AXES = {"wrap": 0, "gift": 0, "present": 0, "island": 1, "jersey": 1, "guernsey": 1}


class AxisEncoder:
    """A fake encoder: each text points along the axis of its first keyword (plus jitter)."""

    def encode(self, texts, progress=False):
        rows = []
        for n, text in enumerate(texts):
            axis = next((a for w, a in AXES.items() if w in text.lower()), 2 + n)
            v = np.zeros(64, dtype="float32")
            v[axis] = 1.0
            v[40 + n % 20] = 0.05
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


def faq(id_, topic, question):
    return FaqEntry(id_, topic, question, "answer", (), (), "x.yml")


def test_clusters_are_ranked_by_volume_and_recency_with_a_draft():
    questions = [
        Question("do you gift wrap", NOW - timedelta(days=1)),
        Question("can u wrap it as a present", NOW - timedelta(days=2)),
        Question("gift wrapping available?", NOW - timedelta(days=3)),
        Question("ship to jersey?", NOW - timedelta(days=60)),
        Question("deliver to guernsey", NOW - timedelta(days=61)),
        Question("do you ship to the channel islands", NOW - timedelta(days=62)),
        Question("tell me a joke", NOW),
    ]
    faqs = [faq("store-gift-cards", "store-policies", "Do you sell gift cards?")]
    gaps = mine(questions, AxisEncoder(), faqs, now=NOW)
    assert [g.size for g in gaps] == [3, 3]  # the joke stays alone: no cluster
    wrap, islands = gaps
    assert wrap.score > islands.score  # same volume, more recent
    assert set(wrap.representative) <= {q.text for q in questions[:3]}
    assert wrap.closest_faq == "store-gift-cards" and wrap.draft["topic"] == "store-policies"
    assert wrap.draft["question"].endswith("?") and len(wrap.draft["phrasings"]) == 2
    assert islands.last_seen == NOW - timedelta(days=60)


def test_nothing_to_mine_is_no_gap():
    assert mine([], AxisEncoder()) == []
    assert mine([Question("one lonely question", NOW)], AxisEncoder()) == []


def test_real_minilm_groups_paraphrases(encoder):
    texts = [
        "do you offer gift wrapping",
        "can you wrap my order as a present",
        "is gift wrap available at checkout",
        "do you deliver to the channel islands",
        "can you ship to jersey or guernsey",
        "shipping to the channel islands possible?",
        "who won the football",
    ]
    gaps = mine([Question(t, NOW) for t in texts], encoder, now=NOW)
    groups = sorted(sorted(g.members) for g in gaps)
    assert groups == [[0, 1, 2], [3, 4, 5]]
