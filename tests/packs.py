"""The demo shop packs, loaded once for tests that need a shop's facts (order-number pattern,
currency, return rules) without hard-coding them."""

from bot.pack.load import load_pack
from bot.pack.locate import SHOPS_DIR

KV = load_pack(SHOPS_DIR / "kettle-and-volt")
TRAILHEAD = load_pack(SHOPS_DIR / "trailhead")
PACKS = (KV, TRAILHEAD)
