"""Product recommendations over the catalogue index.

A request ("a quiet dishwasher under $600", "gift for a coffee lover") is parsed with the
shop's spaCy rules into constraints (category, budget, attributes); FAISS gives semantic
candidates; they are filtered and re-ranked by fit, rating, stock and, for a known customer,
co-purchase similarity with what they bought before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.catalogue import SpecWord
from knowledge.retrieval import KnowledgeBase
from knowledge.sources import PRODUCTS

if TYPE_CHECKING:  # spaCy takes seconds to import; the caller builds the recognizer
    from bot.nlu.entity_rules import ShopEntityRecognizer

BUDGET_WORDS = ("cheap", "budget", "affordable", "inexpensive")
# "my kettle is fine, it's the toaster that died": the kettle is not what they want.
STILL_FINE = re.compile(
    r"^\W*(?:is|are|'s|was|works?|still)\b[\w\s]{0,12}?\b(?:fine|ok|okay|good|great|working|works)\b",
    re.IGNORECASE,
)
CANDIDATES = 200


@dataclass(frozen=True)
class Constraints:
    category: str | None = None  # catalogue slug
    max_price: float | None = None
    attributes: tuple[str, ...] = ()
    cheap: bool = False


@dataclass(frozen=True)
class Recommendation:
    sku: str
    name: str
    price: float
    rating: float
    reason: str
    score: float


def _spec_number(value: str | None) -> float | None:
    if value is None:
        return None
    if re.fullmatch(r"[A-G]", value.strip(), flags=re.IGNORECASE):  # energy class A..G
        return float(ord(value.strip().upper()) - ord("A"))
    match = re.search(r"\d+(?:\.\d+)?", value)
    return float(match.group(0)) if match else None


def _says_yes(value: str | None) -> bool:
    return bool(value) and value.strip().lower() not in ("no", "none", "n/a", "0")


@dataclass
class CoPurchase:
    """Item-to-item cosine similarity over customers' baskets."""

    index: dict[str, int] = field(default_factory=dict)
    similarity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @classmethod
    def from_baskets(cls, baskets: Iterable[Iterable[str]]) -> CoPurchase:
        baskets = [sorted(set(b)) for b in baskets]
        skus = sorted({s for b in baskets for s in b})
        index = {s: i for i, s in enumerate(skus)}
        matrix = np.zeros((len(baskets), len(skus)), dtype=np.float32)
        for row, basket in enumerate(baskets):
            matrix[row, [index[s] for s in basket]] = 1.0
        norms = np.linalg.norm(matrix, axis=0)
        norms[norms == 0] = 1.0
        normed = matrix / norms
        similarity = normed.T @ normed
        np.fill_diagonal(similarity, 0.0)
        return cls(index, similarity)

    def affinity(self, history: Sequence[str]) -> dict[str, float]:
        """How strongly each product goes with what this customer already bought (0..1)."""
        rows = [self.index[s] for s in history if s in self.index]
        if not rows:
            return {}
        scores = self.similarity[rows].max(axis=0)
        return {sku: float(scores[i]) for sku, i in self.index.items() if scores[i] > 0}


class Recommender:
    """Picks products for what a customer asked: category, budget, and the spec words of the
    shop's pack ("quiet", "lightweight"), with reasons worded in the shop's currency."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        recognizer: ShopEntityRecognizer,
        co_purchase: CoPurchase | None = None,
        spec_words: Mapping[str, SpecWord] | None = None,
        money: Callable[[float], str] = str,
    ) -> None:
        self.knowledge = knowledge
        self.recognizer = recognizer
        self.co_purchase = co_purchase or CoPurchase()
        self.spec_words = dict(spec_words or {})
        self.money = money

    def constraints(self, text: str) -> Constraints:
        found = self.recognizer.extract(text)
        named = [e for e in found if e.entity == "product_category"]
        wanted = [e for e in named if not STILL_FINE.match(text[e.end :])] or named
        category = wanted[0].value if wanted else None
        budget = next((float(e.value) for e in found if e.entity == "budget"), None)
        lowered = text.lower()
        attributes = tuple(w for w in self.spec_words if re.search(rf"\b{re.escape(w)}", lowered))
        return Constraints(
            category=category.replace(" ", "-") if category else None,
            max_price=budget,
            attributes=attributes,
            cheap=any(w in lowered for w in BUDGET_WORDS),
        )

    def _attribute_fit(
        self, product: Mapping[str, Any], attributes: Sequence[str], pool: Sequence[Mapping]
    ) -> tuple[float, list[str]]:
        """0..1 per attribute, averaged, with the spec facts that justify it."""
        if not attributes:
            return 0.0, []
        total, facts = 0.0, []
        for attribute in attributes:
            keys, direction = self.spec_words[attribute].keys, self.spec_words[attribute].prefer
            key = next((k for k in keys if k in product["specs"]), None)
            if key is None:
                continue
            value = product["specs"][key]
            if direction == "yes":
                total += 1.0 if _says_yes(value) else 0.0
                if _says_yes(value):
                    facts.append(f"{key.replace('_', ' ')}: {value}")
                continue
            mine = _spec_number(value)
            values = [v for v in (_spec_number(p["specs"].get(key)) for p in pool) if v is not None]
            if mine is None or len(values) < 2 or max(values) == min(values):
                continue
            rank = (mine - min(values)) / (max(values) - min(values))
            total += 1 - rank if direction == "low" else rank
            facts.append(f"{key.replace('_', ' ')} {value}")
        return total / len(attributes), facts

    def recommend(
        self, text: str, history: Sequence[str] = (), k: int = 3
    ) -> tuple[Constraints, list[Recommendation]]:
        wanted = self.constraints(text)
        collection = self.knowledge.collection(PRODUCTS)
        hits = self.knowledge.search(PRODUCTS, text, min(CANDIDATES, len(collection.payload)))
        pool = [
            (h.doc_id, h.score, h.data)
            for h in hits
            if h.data["stock"] > 0
            and (wanted.category is None or h.data["category"] == wanted.category)
            and (wanted.max_price is None or h.data["price"] <= wanted.max_price)
        ]
        affinity = self.co_purchase.affinity(history)
        prices = [d["price"] for _, _, d in pool] or [1.0]
        results = []
        for sku, similarity, data in pool:
            fit, facts = self._attribute_fit(data, wanted.attributes, [d for _, _, d in pool])
            cheapness = 1 - (data["price"] - min(prices)) / ((max(prices) - min(prices)) or 1)
            score = (
                0.45 * similarity
                + 0.25 * fit
                + 0.15 * (data["rating"] / 5)
                + 0.10 * affinity.get(sku, 0.0)
                + 0.05 * min(data["stock"], 20) / 20
                + (0.15 * cheapness if wanted.cheap else 0.0)
            )
            results.append((score, sku, data, facts, affinity.get(sku, 0.0)))
        results.sort(key=lambda r: -r[0])
        return wanted, [
            Recommendation(
                sku, d["name"], d["price"], d["rating"], self._reason(d, facts, wanted, aff), s
            )
            for s, sku, d, facts, aff in results[:k]
        ]

    def _reason(
        self, data: Mapping[str, Any], facts: list[str], wanted: Constraints, affinity: float
    ) -> str:
        parts = [f"rated {data['rating']}/5"]
        parts += facts[:2] or [data["description"].split(". ")[0].rstrip(".")[:90]]
        if wanted.max_price is not None:
            parts.append(f"within your {self.money(wanted.max_price)} budget")
        if affinity > 0.05:
            parts.append("goes well with what you bought before")
        return ", ".join(parts)
