"""A message with no word in it is not a request: "blarg fnord zzyzx" gets the fallback (a
rephrase, then a person), whatever the intent classifier made of it. The classifier always
picks its likeliest intent, and noise can land anywhere, out_of_scope included ("that's
outside what I can help with" is no answer to a keyboard slip).

A word is an English word (MiniLM's vocabulary) or one of the shop's own words (its product
names, brands and category words), so "xlite?" or "grigri" are words in a shop selling them.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot import intents
from bot.letters import folded
from bot.nlu.entity_rules import english_words
from bot.nlu.intent_override import IntentOverride
from bot.pack.load import load_pack
from bot.pack.locate import pack_dir
from knowledge.catalogue import load_categories, load_products

WORD = re.compile(r"[a-z]+")
MAX_CHARS = 2000  # longer than any chat message: read no further
MIN_WORDS = 2  # one odd word may be a name, a slip or a product: the classifier decides
# Chat shorthand that no dictionary has.
CHAT_WORDS = frozenset(
    "thx ty pls plz lol omg idk tbh btw asap hii heyyy helo hiya sry soz yup kk brb np".split()
)


def shop_words(pack_root: Any = None) -> frozenset[str]:
    """The words of the active pack's catalogue: product names, brands, category words."""
    pack = load_pack(pack_root or pack_dir())
    found: set[str] = set()
    for product in load_products(pack.catalogue):
        found |= set(WORD.findall(folded(f"{product.name} {product.brand}").lower()))
    for slug, words in load_categories(pack.categories).items():
        found |= set(WORD.findall(folded(" ".join([slug, *words])).lower()))
    return frozenset(found)


def is_gibberish(text: str, known: frozenset[str]) -> bool:
    """Letters, but not one word csbot or the shop knows. Digits, emails and order numbers are
    not gibberish (no letters-only token then, or a known one)."""
    tokens = folded(text[:MAX_CHARS]).lower().split()
    words = [t for t in tokens if t.isalpha()]
    if len(words) < MIN_WORDS or len(words) != len(tokens):
        return False
    return not any(w in known or w in CHAT_WORDS or w in english_words() for w in words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class Gibberish(IntentOverride):
    @cached_property
    def _known(self) -> frozenset[str]:
        return shop_words()

    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        if intent != intents.FALLBACK and is_gibberish(text, self._known):
            return {"name": intents.FALLBACK}
        return None
