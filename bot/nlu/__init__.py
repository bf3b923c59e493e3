"""Understanding messages: the shop's entity rules, the negativity lexicon, and the Rasa graph
components built on them (referenced by module path in config.yml; they import Rasa, so
they are not imported here).

- `entity_rules`: spaCy rules built from the catalogue (products, categories, order numbers,
  emails, budgets, quantities). `sentiment`: how angry a message is.
- Components: `minilm_featurizer`, `entity_ruler`, `negativity`.
"""

from bot.nlu.sentiment import is_strongly_negative, negativity

__all__ = ["Entity", "ShopEntityRecognizer", "is_strongly_negative", "negativity"]


def __getattr__(name: str):
    """The entity rules on first use: importing spaCy takes seconds."""
    if name in ("Entity", "ShopEntityRecognizer"):
        from bot.nlu import entity_rules

        return getattr(entity_rules, name)
    raise AttributeError(f"module 'bot.nlu' has no attribute {name!r}")
