"""Turn the editable sources into index collections, and (re)build them when they change.

Two collections: `answers` (FAQ questions and phrasings, plus policy passages, with a linear
head that tells the entries apart) and `products` (one text per catalogue product).
`csbot knowledge build` calls `build_all`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.pack.locate import pack_dir
from knowledge.catalogue import Product, load_products
from knowledge.embeddings import Encoder
from knowledge.faq import FaqEntry, load_faqs
from knowledge.index import Manifest, build_collection
from knowledge.policies import Passage, load_passages

ANSWERS = "answers"
PRODUCTS = "products"


@dataclass(frozen=True)
class Sources:
    """The files an index is built from; by default the active shop pack's."""

    faq_dir: Path = field(default_factory=lambda: pack_dir() / "faq")
    policy_dir: Path = field(default_factory=lambda: pack_dir() / "policies")
    catalogue: Path = field(default_factory=lambda: pack_dir() / "products.csv")

    @classmethod
    def of_pack(cls, root: Path) -> Sources:
        return cls(root / "faq", root / "policies", root / "products.csv")


def answer_texts(
    faqs: Sequence[FaqEntry], passages: Sequence[Passage]
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Rows to embed and the payload shown when a doc is retrieved."""
    texts: list[tuple[str, str]] = []
    payload: dict[str, Any] = {}
    for faq in faqs:
        doc = f"faq:{faq.id}"
        texts += [(doc, text) for text in faq.indexed_texts]
        texts.append((doc, f"{faq.question} {faq.answer}"))  # the answer's words help too
        payload[doc] = {
            "kind": "faq",
            "title": faq.question,
            "answer": faq.answer,
            "source": f"FAQ '{faq.id}' ({faq.source})",
        }
        if faq.url:  # the help-centre article customers are shown (absent: unchanged index)
            payload[doc]["url"] = faq.url
    for passage in passages:
        doc = f"policy:{passage.id}"
        texts.append((doc, f"{passage.title}. {passage.text}"))
        payload[doc] = {
            "kind": "policy",
            "title": passage.title,
            "page": passage.page_title,
            "answer": passage.text,
            "source": f"{passage.page_title}, section '{passage.title}' ({passage.source})",
        }
    return texts, payload


def product_text(product: Product) -> str:
    specs = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in product.specs.items())
    kind = f"{product.category_label} by {product.brand}"
    return f"{product.name}. {kind}. {product.description} {specs}"


def product_texts(products: Sequence[Product]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    texts = [(p.sku, product_text(p)) for p in products]
    payload = {
        p.sku: {
            "name": p.name,
            "brand": p.brand,
            "category": p.category,
            "price": p.price,
            "rating": p.rating,
            "stock": p.stock,
            "description": p.description,
            "specs": p.specs,
        }
        for p in products
    }
    return texts, payload


def build_all(
    root: Path, encoder: Encoder, sources: Sources = Sources(), force: bool = False
) -> dict[str, Manifest | None]:
    """Validate every source, then rebuild only the collections whose content changed."""
    answers = answer_texts(load_faqs(sources.faq_dir), load_passages(sources.policy_dir))
    products = product_texts(load_products(sources.catalogue))
    return {
        name: build_collection(
            root, name, texts, payload, encoder, force=force, progress=True, classify=classify
        )
        for name, (texts, payload), classify in (
            (ANSWERS, answers, True),
            (PRODUCTS, products, False),
        )
    }
