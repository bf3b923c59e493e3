"""Rule-based entity recognition with spaCy, built from the shop's own catalogue.

No pretrained spaCy pipeline is available offline, so a blank English tokenizer carries an
EntityRuler (products, categories, order numbers, emails) plus a Matcher for money amounts
and quantities. Values are normalised so actions can use them directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.letters import folded, without_apostrophes
from bot.nlu.product_names import own_words, product_aliases
from bot.nlu.spelled_numbers import is_spelled, spelled_phrase, spelled_value
from bot.pack.model import OrderNumbers
from knowledge.catalogue import Product
from knowledge.embeddings import model_path

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple": 2,
    "a pair": 2,
}
# Budgets are understood in any common currency: the amount is what matters, and a shop's
# customers write the symbols and words of wherever they live.
CURRENCY_SYMBOLS = ["$", "€", "£"]
CURRENCY_WORDS = [
    *CURRENCY_SYMBOLS,
    *("dollars", "dollar", "bucks", "usd", "euros", "euro", "eur", "pounds", "pound", "quid"),
    "gbp",
]
SYMBOL = {"ORTH": {"IN": CURRENCY_SYMBOLS}}
OPTIONAL_SYMBOL = {"ORTH": {"IN": CURRENCY_SYMBOLS}, "OP": "?"}
LIMIT_WORDS = ["under", "below", "max", "maximum", "within", "around", "about", "budget"]
NOT_QUANTITY_NEXT = {
    "%",
    "percent",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "hour",
    "hours",
    "minute",
    "minutes",
    "am",
    "pm",
    "times",
    "star",
    "stars",
    "db",
    "w",
    "l",
    "litre",
    "litres",
    "liter",
    "liters",
    "inch",
    "inches",
    "cm",
    "mm",
}
# "size 43", "EU 42", "shade 220", "model 3": a number after these names a variant, not how
# many the customer wants.
NOT_QUANTITY_BEFORE = {
    *("size", "sizes", "sz", "uk", "eu", "us", "fr", "it", "waist", "leg", "length", "inseam"),
    *("shade", "model", "version", "gen", "generation", "series", "no", "number", "nr", "vol"),
    *("volume", "page", "chapter", "edition", "age", "aged", "ages", "order", "ref", "ticket"),
}
# Words after which bare digits are the customer's order number ("order 10452" for TH-10452).
ORDER_CUES = {"order", "#", "no", "no.", "nr", "number", "ref", "reference"}
MAX_QUANTITY = 50
# Words of many products' names that tell none apart ("Smart Plug", "Air Purifier" once the
# brand is gone).
GENERIC_WORDS = frozenset("smart wireless cordless the and with for pro plus mini max".split())
MIN_SPELLED_BUDGET = 20
UNITS = NOT_QUANTITY_NEXT | {  # "around 30 litres" is a size, not a budget
    *("kg", "g", "m", "km", "metres", "meters", "lumens", "lm", "degrees", "mah", "wh", "v"),
    *("gb", "tb", "hz", "ft", "feet", "person", "people", "season", "seasons", "x"),
}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole English words: those of MiniLM's vocabulary (about 20,000, shipped with the model
    csbot already uses). A word a customer spelt right ("stock", "store", "coast") is never
    read as a misspelt category ("socks", "stoves", "coats")."""
    vocab = model_path() / "vocab.txt"
    words = vocab.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and w.islower())


def _kind(phrase: str) -> str:
    """A phrase as a kind of product is named, less the words every name has ("Smart Plug"
    and "plug" alike)."""
    return " ".join(w for w in phrase.lower().split() if w not in GENERIC_WORDS)


def _words(text: str) -> set[str]:
    """Lower-case words of three letters or more, accents dropped."""
    return {w for w in re.findall(r"[a-z0-9]+", folded(text).lower()) if len(w) >= 3}


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int

    def as_rasa(self) -> dict[str, object]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


# A currency written onto the amount ("100e", "80eur", "50quid"), as customers type in a hurry.
CURRENCY_SUFFIX = r"(?:e|eur|euros?|quid|bucks|usd|gbp|dollars?)"


def _number(text: str) -> float | None:
    cleaned = text.lower().replace(",", "").strip().strip("".join(CURRENCY_SYMBOLS))
    if cleaned in NUMBER_WORDS:
        return float(NUMBER_WORDS[cleaned])
    cleaned = re.sub(r"(k)$", "000", cleaned)
    cleaned = re.sub(rf"(?<=\d){CURRENCY_SUFFIX}$", "", cleaned)
    try:
        return float(cleaned)
    except ValueError:
        return None


NUMBERS = (
    {"LIKE_NUM": True},
    {"TEXT": {"REGEX": r"^\d+(?:\.\d+)?[kK]$"}},  # 400, 1,000, 1k
    {"LOWER": {"REGEX": rf"^\d+(?:\.\d+)?{CURRENCY_SUFFIX}$"}},
)
# An amount with its currency on it is a budget on its own ("a merino top, 100e"); one digit
# is more often a fitting ("2E wide").
SUFFIXED = {"LOWER": {"REGEX": rf"^\d{{2,}}(?:\.\d+)?{CURRENCY_SUFFIX}$"}}
SPEND_WORDS = ["spend", "spending", "pay", "paying", "go"]


def _budget_patterns() -> list[list[dict]]:
    """How customers put a ceiling on the price: "$50", "€50", "50 euros", "under 600", "no more
    than 400", "don't want to spend more than 400", "500 max", "budget around 700", "1k"."""
    patterns = []
    for number in NUMBERS:
        patterns += [
            [SYMBOL, number],
            [number, {"LOWER": {"IN": CURRENCY_WORDS}}],
            [{"LOWER": {"IN": LIMIT_WORDS}}, number],
            [
                {"LOWER": {"IN": ["less", "up", "no", "cheaper", "not"]}},
                {"LOWER": {"IN": ["than", "to", "more", "over"]}},
                {"LOWER": "than", "OP": "?"},
                number,
            ],
            [
                {"LOWER": {"IN": SPEND_WORDS}},
                {"LOWER": {"IN": ["more", "over"]}},
                {"LOWER": "than", "OP": "?"},
                OPTIONAL_SYMBOL,
                number,
            ],
            [number, {"LOWER": {"IN": ["max", "maximum", "tops", "top"]}}],
            [number, {"LOWER": "or"}, {"LOWER": {"IN": ["less", "under", "below", "cheaper"]}}],
            [
                {"LOWER": "budget"},
                {"LOWER": {"IN": ["is", "of", "around", "about", "roughly"]}},
                {"LOWER": {"IN": ["around", "about", "roughly"]}, "OP": "?"},
                OPTIONAL_SYMBOL,
                number,
            ],
        ]
    patterns.append([SUFFIXED])
    return patterns


class ShopEntityRecognizer:
    """Extracts order_number, email, product, product_category, budget and quantity."""

    def __init__(
        self,
        products: Sequence[Product],
        categories: dict[str, list[str]],
        order_numbers: OrderNumbers,
    ) -> None:
        """`order_numbers`: what the shop's order numbers look like (its pack's)."""
        self._nlp = spacy.blank("en")
        self._nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        self._order_numbers = order_numbers
        patterns = self._patterns(products, categories, order_numbers.loose)
        self._nlp.get_pipe("entity_ruler").add_patterns(patterns)
        self._category_of = {
            w.lower(): slug for slug, words in categories.items() for w in words if " " not in w
        }
        self._category_words = list(self._category_of)
        self._vocabulary = frozenset(
            w
            for text in (
                *(f"{p.name} {p.brand}" for p in products),
                *(" ".join([slug, *words]) for slug, words in categories.items()),
            )
            for w in _words(text)
        )
        self._matcher = Matcher(self._nlp.vocab)
        self._matcher.add("budget", _budget_patterns())
        number = {"LIKE_NUM": True}
        self._matcher.add(
            "quantity",
            [[number], [{"LOWER": {"IN": ["a"]}}, {"LOWER": {"IN": ["couple", "pair"]}}]],
        )

    @staticmethod
    def _patterns(
        products: Sequence[Product], categories: dict[str, list[str]], order_number: str
    ) -> list[dict]:
        number = {"TEXT": {"REGEX": rf"(?i)^#?(?:{order_number})$"}}
        patterns: list[dict] = [
            {"label": "order_number", "pattern": [number]},
            {"label": "email", "pattern": [{"LIKE_EMAIL": True}]},
        ]
        for slug, words in categories.items():
            patterns += [{"label": "product_category", "pattern": w, "id": slug} for w in words]
        # "Air Purifier" (the Mila Air Purifier without its brand) names a kind, not a product.
        kinds = {_kind(phrase) for ws in categories.values() for phrase in ws}
        for product in products:
            words = categories.get(product.category, [product.category_label])
            patterns += [
                {"label": "product", "pattern": alias, "id": product.name}
                for alias in product_aliases(product, words)
                if _kind(alias) not in kinds | {""}
            ]
        patterns += [
            {"label": "product", "pattern": word, "id": name}
            for word, name in own_words(products, categories, english_words()).items()
        ]
        # Matched against the text folded the same way: "kanken" finds "Kånken"; and a name
        # with an apostrophe is also found without it ("arcteryx beta", "womens beta").
        spelt = []
        for p in patterns:
            if isinstance(p["pattern"], str):
                name = folded(p["pattern"])
                typed = {name, without_apostrophes(name), name.replace("'", "")}  # women, womens
                spelt += [{**p, "pattern": n} for n in typed]
            else:
                spelt.append(p)
        return spelt

    def _budget(self, doc: Doc, span: Span) -> Entity | None:
        numeric = [t for t in span if _number(t.text) is not None and t.lower_ not in NUMBER_WORDS]
        money = [
            t
            for t in span
            if t.text in CURRENCY_SYMBOLS
            or t.lower_ in CURRENCY_WORDS
            or re.fullmatch(rf"\d+(?:\.\d+)?{CURRENCY_SUFFIX}", t.lower_)
        ]
        tokens = [t for t in span if t in numeric or t in money]
        amount = next((_number(t.text) for t in numeric), None)
        spelled = next((t.i for t in span if is_spelled(t)), None)
        if amount is None and spelled is not None and (phrase := spelled_phrase(doc, spelled)):
            words = doc[phrase[0] : phrase[1]]
            value = spelled_value([t.text for t in words])
            if value is not None and value >= MIN_SPELLED_BUDGET:  # "two quid" is no budget
                amount = float(value)
                tokens = sorted({*words, *money}, key=lambda t: t.i)
        if amount is None or amount <= 0:
            return None
        if not money and span.end < len(doc) and doc[span.end].lower_ in UNITS:
            return None  # "around 30 litres": a size
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        return Entity("budget", f"{amount:g}", start, end)

    def _quantity(self, doc: Doc, span: Span) -> Entity | None:
        value = _number(span.text)
        after = doc[span.end].lower_ if span.end < len(doc) else ""
        before = doc[span.start - 1].text if span.start > 0 else ""
        if value is None or not 1 <= value <= MAX_QUANTITY or value != int(value):
            return None
        if (
            after in NOT_QUANTITY_NEXT
            or before.lower() in NOT_QUANTITY_BEFORE
            or before in {*CURRENCY_SYMBOLS, "#", "-"}
            or "." in span.text
        ):
            return None
        return Entity("quantity", str(int(value)), span.start_char, span.end_char)

    def extract(self, text: str) -> list[Entity]:
        """All entities in `text`, longest match winning where two overlap; accents do not
        count ("Kanken" is the "Kånken")."""
        doc = self._nlp(folded(text))
        spans = list(doc.ents)
        for match_id, start, end in self._matcher(doc):
            span = Span(doc, start, end, label=self._nlp.vocab.strings[match_id])
            spans.append(span)
        entities = []
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            if span.label_ == "budget":
                entity = self._budget(doc, span)
            elif span.label_ == "quantity":
                entity = self._quantity(doc, span)
            elif span.label_ in ("product", "product_category"):
                value = span.ent_id_ or span.text
                if span.label_ == "product_category":
                    value = value.replace("-", " ")
                entity = Entity(span.label_, value, span.start_char, span.end_char)
            else:
                entity = Entity(span.label_, span.text.lower(), span.start_char, span.end_char)
            if entity is not None:
                entities.append(entity)
        budgets = [e for e in entities if e.entity == "budget"]  # "one hundred": no quantity
        entities = [
            e
            for e in entities
            if e.entity != "quantity" or not any(b.start <= e.start < b.end for b in budgets)
        ]
        if not any(e.entity == "product_category" for e in entities):
            entities += self._misspelt_category(doc)
        if not any(e.entity == "order_number" for e in entities):
            entities = self._bare_order_number(doc, entities)
        return entities

    def knows(self, text: str) -> bool:
        """Does `text` hold a word of the shop's product names, brands or category words
        ("Scarpas", "the atom", "hoodies")? Another extractor's "product" that holds none
        ("mushrooms", "Bens") is nothing this shop sells."""
        said = _words(text)
        return any(w in self._vocabulary or w.removesuffix("s") in self._vocabulary for w in said)

    def _bare_order_number(self, doc: Doc, entities: list[Entity]) -> list[Entity]:
        """Digits right after "order", "#" or "number" that make one of this shop's order
        numbers when written its way ("order 10452" for TH-10452): the order number, and no
        longer a quantity or budget. The value stays the digits; `OrderNumbers.read` takes it."""
        for token in doc[1:]:
            cue = doc[token.i - 1].lower_
            if cue not in ORDER_CUES or not token.is_digit or len(token.text) > 12:
                continue
            if self._order_numbers.read(token.text) is None:
                continue
            start, end = token.idx, token.idx + len(token.text)
            kept = [e for e in entities if e.end <= start or e.start >= end]
            return [*kept, Entity("order_number", token.text, start, end)]
        return entities

    def _misspelt_category(self, doc: Doc) -> list[Entity]:
        """A category word typed with a slip ("vaccum", "dishwaser"), when none matched."""
        for token in doc:
            if len(token.text) < 5 or not token.is_alpha or token.lower_ in english_words():
                continue
            close = get_close_matches(token.lower_, self._category_words, n=1, cutoff=0.8)
            if close:
                slug = self._category_of[close[0]].replace("-", " ")
                return [Entity("product_category", slug, token.idx, token.idx + len(token))]
        return []
