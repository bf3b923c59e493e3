"""Shop packs: one folder per shop (`shops/<slug>/`) with everything about that shop.

- `locate`: which pack this process serves (`CSBOT_SHOP`).
- `model`: the typed values a pack holds (`ShopPack`, hours, order numbers, return rules).
- `load`: reading and validating `shop.yml`, every problem with file and line.
- `tickets`: the ticket categories and queues (`tickets.yml`) and their labelled tickets
  (`tickets/*.csv`), or csbot's shop-neutral default set; `problems`: `PackProblem`.
- `formats`: money, dates and order numbers in the pack's currency and locale.
"""

from bot.pack.formats import ShopFormat
from bot.pack.load import PackInvalid, PackProblem, load_pack
from bot.pack.model import ShopPack

__all__ = ["PackInvalid", "PackProblem", "ShopFormat", "ShopPack", "load_pack"]
