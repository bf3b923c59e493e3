"""Which product a customer means, and comparisons of two named products.

Names win over meaning: "is the Sonos Roam 2 in stock?" must answer about the Sonos Roam 2
(even out of stock), never about a semantically close speaker of the same brand. A product
named with a brand or model code that matches nothing the shop sells is reported as not sold,
with close alternatives that are in stock.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from bot.letters import folded, without_apostrophes
from bot.shop.recommend import BUDGET_WORDS
from knowledge.retrieval import KnowledgeBase
from knowledge.sources import PRODUCTS

if TYPE_CHECKING:  # spaCy takes seconds to import; the caller builds the recognizer
    from bot.nlu.entity_rules import ShopEntityRecognizer

NAME_WORDS = 4  # at most this many unknown words make a product's name, not a sentence
NAME_MATCH = 0.6  # share of a name's distinctive words the text must contain
SEMANTIC_MATCH = 0.35  # cosine; below this a description names nothing we sell
GENERIC = set(
    "the and with for series cordless stick smart wireless new edition gen generation pro "
    "plus mini max black white silver".split()
)
DESCRIPTIVE = {*BUDGET_WORDS, "good", "best", "quiet", "big", "small", "new"}
# Chat words that name nothing ("got any blenders?"), beside spaCy's English stop words.
CHAT_WORDS = set("got gotten want wanted need needed looking look after ye ya u ur guys".split())
QUESTION_WORDS = set(
    "is are the a an it this that in on stock do does you have has any available "
    "availability price how much what whats about tell me more of still sell can i get buy "
    "one there left please pls hi hello hey and or".split()
)


@dataclass(frozen=True)
class ProductMatch:
    product: Mapping[str, Any] | None = None  # what the customer named or described
    not_sold: bool = False  # they named something the shop does not sell
    by_name: bool = False  # the product was named, not just described
    alternatives: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    unknown_name: bool = False  # a model code or name the catalogue lacks ("Smeg KLF99")


@dataclass(frozen=True)
class Comparison:
    names: tuple[str, str]
    rows: tuple[tuple[str, str, str], ...]  # (spec, first value, second value)


def tokens(text: str) -> list[str]:
    """Lower-case runs of letters and digits, accents and apostrophes dropped ("Kånken" ->
    "kanken", "Arc'teryx" -> "arcteryx", as customers type them)."""
    return re.findall(r"[a-z0-9]+", without_apostrophes(folded(text)).lower())


def words(text: str) -> list[str]:
    """Lower-case words, with letter+digit runs also joined ("G 5056" -> "g5056")."""
    tokens_ = tokens(text)
    pairs = zip(tokens_, tokens_[1:], strict=False)
    return tokens_ + [a + b for a, b in pairs if re.search(r"\d", a + b)]


def _is_model_code(word: str) -> bool:
    return bool(re.search(r"\d", word)) and len(word) >= 2


def _is_code(word: str) -> bool:
    """Letters and digits together: a model code ("klf03", "1000xm5"), not a number."""
    return _is_model_code(word) and bool(re.search(r"[a-z]", word))


def names_a_model_code(text: str) -> bool:
    """A model code typed ("KLF03", "1000XM5"): a product named, whether or not it is sold."""
    return any(_is_code(w) for w in tokens(text))


@dataclass(frozen=True)
class _Catalogue:
    """What name matching needs from the catalogue, worked out once per index build."""

    products: tuple[Mapping[str, Any], ...]
    exact: dict[str, Mapping[str, Any]]
    name_words: tuple[tuple[str, ...], ...]  # distinctive words of each product's name
    by_brand: dict[tuple[str, ...], set[str]]  # brand's words -> every word of its names
    ignore: frozenset[str]  # words that name no product
    vocabulary: frozenset[str]  # every word of every name and description

    def brands_in(self, said: Sequence[str]) -> list[tuple[tuple[str, ...], int]]:
        """The brands said, each with where its words end ("the north face summit" -> the
        North Face, 3)."""
        return [
            (brand, i + len(brand))
            for i in range(len(said))
            for brand in self.by_brand
            if tuple(said[i : i + len(brand)]) == brand
        ]

    @classmethod
    def of(cls, products: Sequence[Mapping[str, Any]], descriptive: Iterable[str]) -> _Catalogue:
        """`descriptive`: the pack's spec words ("quiet", "lightweight"), which name no product."""
        describing = {w for phrase in descriptive for w in words(phrase)}
        from spacy.lang.en.stop_words import STOP_WORDS  # spaCy is loaded by then

        by_brand: dict[tuple[str, ...], set[str]] = {}
        for p in products:
            brand = tuple(tokens(p.get("brand") or p["name"].split()[0]))
            if brand and not set(brand) <= STOP_WORDS:  # "On": no word of its own to spot
                by_brand.setdefault(brand, set()).update(words(p["name"]))
        return cls(
            products=tuple(products),
            exact={p["name"]: p for p in products},
            name_words=tuple(_name_words(p) for p in products),
            by_brand=by_brand,
            ignore=frozenset(
                QUESTION_WORDS
                | STOP_WORDS
                | CHAT_WORDS
                | GENERIC
                | DESCRIPTIVE
                | describing
                | _category_words(products)
            ),
            vocabulary=frozenset(
                w for p in products for w in words(f"{p['name']} {p['description']}")
            ),
        )


class ProductFinder:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        recognizer: ShopEntityRecognizer,
        spec_words: Iterable[str] = (),
        money: Callable[[float], str] = str,
    ) -> None:
        """`spec_words` are the pack's words for specs; `money` writes a price the shop's way."""
        self.knowledge = knowledge
        self.recognizer = recognizer
        self.spec_words = tuple(spec_words)
        self.money = money
        self._cached: tuple[int, _Catalogue] | None = None

    def _catalogue(self) -> _Catalogue:
        """Rebuilt only when the knowledge base loads a new product index."""
        payload = self.knowledge.collection(PRODUCTS).payload
        if self._cached is None or self._cached[0] != id(payload):
            self._cached = (id(payload), _Catalogue.of(list(payload.values()), self.spec_words))
        return self._cached[1]

    @staticmethod
    def _name_score(name_words: Sequence[str], said: set[str], said_codes: list[str]) -> float:
        """1.0 for the model code with the brand or model line (or a long code alone); about
        0.9 for the brand with its model line, the words before the code or the first three
        ("Breville Bambino" BES500BSS, "Fellow Stagg EKG" Electric Pour-Over Kettle), the
        fuller name said first; otherwise the share of the name's distinctive words said, if
        the brand is among them."""
        if not name_words:
            return 0.0
        brand = name_words[0]
        found = [w for w in name_words if _found(w, said)]
        codes = [w for w in name_words if _is_code(w)]
        codes_found = [w for w in codes if w in found]
        # "Roomba j7+": the model line with its code names the product as well as the brand.
        line_said = len(name_words) > 1 and name_words[1] in found and not _is_code(name_words[1])
        if codes_found and (brand in found or line_said or max(map(len, codes_found)) >= 5):
            return 1.0
        if codes and said_codes:
            return 0.0  # another model of the brand: "WH-9000XM9" is not the "WH-1000XM5"
        if brand not in found:
            return 0.0
        share = len(found) / len(name_words)
        line = list(itertools.takewhile(lambda w: not _is_code(w), name_words))[:3]
        if len(line) >= 2 and all(w in found for w in line):
            return 0.9 + 0.1 * share
        return share

    def by_name(self, text: str) -> Mapping[str, Any] | None:
        """The catalogue product whose name the text spells out (slips and spacing allowed)."""
        named = {e.value for e in self.recognizer.extract(text) if e.entity == "product"}
        catalogue = self._catalogue()
        said = set(words(text))
        said_codes = [w for w in tokens(text) if _is_code(w)]
        scored = []
        for p, name in zip(catalogue.products, catalogue.name_words, strict=True):
            score = self._name_score(name, said, said_codes)
            picked = p["name"] in named  # the entity rules' pick is a match, and wins a tie
            score = max(score, NAME_MATCH) if picked else score  # but for the category said
            scored.append((score, _mentions_category(p, said), picked, p))
        best = max(scored, key=lambda row: row[:3], default=(0.0, False, False, None))
        return best[3] if best[0] >= NAME_MATCH else None

    def find(self, text: str) -> ProductMatch:
        """The product the text is about, or that it names one the shop does not sell."""
        product = self.by_name(text)
        if product is not None:
            return ProductMatch(product, by_name=True)
        hits = self.knowledge.search(PRODUCTS, text, 10)
        if self._names_a_product(text):
            in_stock = tuple(h.data for h in hits if h.data["stock"] > 0)[:3]
            return ProductMatch(None, True, alternatives=in_stock, unknown_name=True)
        if hits and hits[0].score >= SEMANTIC_MATCH:
            return ProductMatch(hits[0].data)
        remaining = [w for w in tokens(text) if w not in QUESTION_WORDS]
        return ProductMatch(None, bool(remaining), ())

    def example_pair(self) -> tuple[str, str] | None:
        """Two products of one category from the catalogue, to show how to ask for a
        comparison (the shop's own products, whatever it sells)."""
        by_category: dict[str, list[str]] = {}
        for product in self._catalogue().products:
            by_category.setdefault(product["category"], []).append(product["name"])
        pairs = [names[:2] for names in by_category.values() if len(names) >= 2]
        return (pairs[0][0], pairs[0][1]) if pairs else None

    def in_stock_like(self, product: Mapping[str, Any], k: int = 3) -> list[Mapping[str, Any]]:
        """In-stock products of the same category closest to an out-of-stock one."""
        hits = self.knowledge.search(PRODUCTS, f"{product['name']} {product['description']}", 20)
        return [
            h.data
            for h in hits
            if h.data["category"] == product["category"]
            and h.data["stock"] > 0
            and h.data["name"] != product["name"]
        ][:k]

    def _names_a_product(self, text: str) -> bool:
        """Does the text name a product (that matched nothing we sell)? A model code; a brand
        we carry with a model word none of its products has; or words the catalogue never
        uses at all ("Instant Pot Duo")."""
        if names_a_model_code(text):
            return True
        catalogue = self._catalogue()
        said = words(text)
        leftover = [w for w in said if w not in catalogue.ignore and not w.isdigit()]
        for brand, end in catalogue.brands_in(tokens(text)):
            names = catalogue.by_brand[brand]
            model = [w for w in tokens(text)[end : end + 2] if w in leftover and len(w) >= 3]
            if any(w not in names for w in model):  # "Keurig K-Supreme": a model it lacks
                return True
            others = [w for w in leftover if w not in brand]
            if others and not any(w in names for w in others):
                return True
        # A name is a few words: a sentence of words the catalogue never uses ("she wants to
        # learn to read a map properly") is a question about something else.
        return 0 < len(leftover) <= NAME_WORDS and not any(
            w in catalogue.vocabulary for w in leftover
        )

    def compare(self, text: str) -> Comparison | None:
        """Compare the two products named in `text` on the specs they share."""
        named: list[Mapping[str, Any]] = []
        catalogue = self._catalogue()
        brand = ""
        for part in re.split(r"\b(?:vs\.?|versus|or|and|compared to|with)\b|,", text, flags=re.I):
            mentioned = catalogue.brands_in(tokens(part))
            said_brand = " ".join(mentioned[0][0]) if mentioned else None
            brand = said_brand or brand  # "the bambino vs the barista pro": same brand
            part = part if said_brand else f"{brand} {part}"
            found = self.by_name(part) if part.strip() else None
            if found is not None and found not in named:
                named.append(found)
        return _comparison(named[0], named[1], self.money) if len(named) >= 2 else None


def _name_words(product: Mapping[str, Any]) -> tuple[str, ...]:
    """The words of a name that tell products apart (not the category, not "series")."""
    category_words = set(product["category"].split("-"))
    return tuple(
        w for w in tokens(product["name"]) if len(w) >= 2 and w not in GENERIC | category_words
    )


def _mentions_category(product: Mapping[str, Any], said: set[str]) -> bool:
    """Breaks a tie between two products of one model line ("iQ500" fridge or dishwasher)."""
    return any(w in said or w + "s" in said for w in product["category"].split("-"))


def _category_words(products: Sequence[Mapping[str, Any]]) -> set[str]:
    return {w for p in products for w in p["category"].split("-")} | {
        w + "s" for p in products for w in p["category"].split("-")
    }


def _found(word: str, said: set[str]) -> bool:
    """Said as is, inside a run of letters and digits ("1000xm5" in "wh1000xm5"), or with a
    slip ("philps")."""
    return (
        word in said
        or (len(word) >= 3 and any(word in s for s in said if re.search(r"\d", s)))
        or any(_close(word, s) for s in said)
    )


CLOSE = 0.85  # a slip: this similar (difflib's ratio) to a word of the product's name


def _close(wanted: str, said: str) -> bool:
    """Similar enough to be a slip. The cheap upper bounds of difflib's ratio (lengths, then
    letters in common) rule out most pairs before the full match, with the same result: this
    runs for every word of every product name against every word said."""
    if len(wanted) < 5 or 2.0 * min(len(wanted), len(said)) / (len(wanted) + len(said)) < CLOSE:
        return False  # difflib's real_quick_ratio, computed the same way
    matcher = SequenceMatcher(None, wanted, said)
    return matcher.quick_ratio() >= CLOSE and matcher.ratio() >= CLOSE


def _comparison(
    first: Mapping[str, Any], second: Mapping[str, Any], money: Callable[[float], str]
) -> Comparison:
    rows = [
        ("price", money(first["price"]), money(second["price"])),
        ("rating", f"{first['rating']}/5", f"{second['rating']}/5"),
        ("stock", _stock(first), _stock(second)),
    ]
    shared = [k for k in first["specs"] if k in second["specs"] and k != "colour"]
    rows += [(k.replace("_", " "), first["specs"][k], second["specs"][k]) for k in shared]
    return Comparison((first["name"], second["name"]), tuple(rows))


def _stock(product: Mapping[str, Any]) -> str:
    return f"in stock ({product['stock']})" if product["stock"] > 0 else "out of stock"


def alternatives_text(products: Sequence[Mapping[str, Any]], money: Callable[[float], str]) -> str:
    return "; ".join(f"{p['name']} ({money(p['price'])})" for p in products)
