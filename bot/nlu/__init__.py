"""Understanding messages: the shop's entity rules, the negativity lexicon, and the Rasa graph
components built on them (referenced by module path in config.yml; they import Rasa, so
they are not imported here).

- `entity_rules`: spaCy rules built from the catalogue (products, categories, order numbers,
  emails, budgets, quantities). `sentiment`: how angry a message is.
- Components: `minilm_featurizer`, `entity_ruler`, `negativity`.
"""

from bot.nlu.entity_rules import Entity, ShopEntityRecognizer
from bot.nlu.sentiment import is_strongly_negative, negativity

__all__ = ["Entity", "ShopEntityRecognizer", "is_strongly_negative", "negativity"]
