"""The ways customers name a product of the catalogue: its full name, the name without its
brand or category ("NeoAir XLite NXT"), its model code ("WH-1000XM5") and a made-up word of
the name that no other product has ("XLite"). A word shared by a product line ("Nuptse") or an
English word ("Atom") names nothing on its own and is not an alias."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.letters import folded
from knowledge.catalogue import Product

MIN_WORD = 4


def _model_codes(product: Product) -> Iterable[str]:
    """Distinctive model codes inside a name, e.g. 'SMS6ZCI48E' or 'WH-1000XM5'."""
    for word in product.name.split():
        if len(word) >= MIN_WORD and re.search(r"\d", word) and re.search(r"[A-Za-z]", word):
            yield word


def _without(name: str, words: Sequence[str], at_end: bool) -> str | None:
    lowered = name.lower()
    for word in sorted(words, key=len, reverse=True):
        word = word.lower()
        if at_end and lowered.endswith(" " + word):
            return name[: -len(word) - 1]
        if not at_end and lowered.startswith(word + " "):
            return name[len(word) + 1 :]
    return None


def product_aliases(product: Product, category_words: Sequence[str]) -> set[str]:
    """Full name, the name without the category, without the brand, and without both, and
    the model codes."""
    aliases = {product.name}
    no_category = _without(product.name, category_words, at_end=True)
    no_brand = _without(product.name, [product.brand], at_end=False)
    aliases |= {a for a in (no_category, no_brand) if a}
    if no_brand and (both := _without(no_brand, category_words, at_end=True)):
        aliases.add(both)
    aliases.update(_model_codes(product))
    return {a.strip() for a in aliases if len(a.strip()) >= 3}


def own_words(
    products: Sequence[Product], categories: dict[str, list[str]], english: frozenset[str]
) -> dict[str, str]:
    """Made-up words of a product's name that no other product's name or description uses,
    that are no brand, category or English word: word -> the product's name."""
    brands = {w for p in products for w in p.brand.lower().split()}
    category = {w.lower() for ws in categories.values() for phrase in ws for w in phrase.split()}
    common = brands | category | english

    def found(text: str) -> set[str]:
        return {w.strip("-") for w in re.findall(r"[a-z][a-z-]*[a-z]", folded(text).lower())}

    def words(product: Product) -> set[str]:
        return {w for w in found(product.name) if len(w) >= MIN_WORD and w not in common}

    named = Counter(w for p in products for w in words(p))
    described = Counter(w for p in products for w in found(p.description))
    return {
        w: p.name
        for p in products
        for w in words(p)
        if named[w] == 1 and described[w] <= int(w in found(p.description))
    }
