"""A pack's wording of Rasa's fixed replies (`responses.yml`) and the shop facts their
`{placeholders}` name. Kept free of Rasa so `csbot check` reads it quickly; Rasa uses it
through `bot.runtime.pack_nlg`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.pack.formats import ShopFormat
from bot.pack.model import ShopPack

RESPONSES_FILE = "responses.yml"
SOURCE = re.compile(r"faq:[a-z0-9][a-z0-9-]*|policy:[a-z0-9][a-z0-9-]*#[a-z0-9][a-z0-9-]*")


class ResponsesInvalid(ValueError):
    """A pack's responses.yml is malformed; the message names the file and the response."""


def load_responses(path: Path, known: set[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The pack's overrides: response name -> its variations (each at least a `text`). A
    missing file is no override; `known`: the domain's response names, the only ones a pack
    may override (a typo would silently never be shown)."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ResponsesInvalid(f"{path}: cannot read ({exc})") from None
    responses = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(responses, dict):
        raise ResponsesInvalid(f"{path}: expected a 'responses:' mapping")
    for name, variations in responses.items():
        if known is not None and name not in known:
            raise ResponsesInvalid(f"{path}: {name!r} is not a response of the domain")
        if not isinstance(variations, list) or not all(
            isinstance(v, dict) and isinstance(v.get("text"), str) and v["text"].strip()
            for v in variations
        ):
            raise ResponsesInvalid(f"{path}: {name!r} needs a list of variations with a text")
        sources = {v["source"] for v in variations if "source" in v}
        if not all(isinstance(v, str) and SOURCE.fullmatch(v) for v in sources):
            raise ResponsesInvalid(
                f"{path}: {name!r}: a source is 'faq:<id>' or 'policy:<page>#<section>'"
            )
    return responses


def response_sources(responses: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Response name -> the FAQ entry or policy section it sums up (its `source:`), which the
    customer is shown beside it: "More in our help pages: ..." with the article's link."""
    return {
        name: variations[0]["source"]
        for name, variations in responses.items()
        if variations and "source" in variations[0]
    }


@lru_cache(maxsize=8)
def response_sources_of(root: Path) -> dict[str, str]:
    """The `source:` of each response in the pack at `root` (read once: like the wording,
    a change needs a restart)."""
    return response_sources(load_responses(root / RESPONSES_FILE))


def without_sources(responses: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict]]:
    """The responses as Rasa takes them: a variation's `source` is csbot's, not Rasa's."""
    return {
        name: [{k: v for k, v in variation.items() if k != "source"} for variation in variations]
        for name, variations in responses.items()
    }


def shipping_summary(pack: ShopPack) -> str:
    """'Ireland: 1-2 days, €4.95 (free over €60.00); ...' from shop.yml's regions."""
    money = ShopFormat.of(pack).money
    parts = []
    for region in pack.shipping:
        cost = f", {money(region.cost)}" if region.cost is not None else ""
        free = f" (free over {money(region.free_over)})" if region.free_over is not None else ""
        parts.append(f"{region.name}: {region.days} days{cost}{free}")
    return "; ".join(parts) + "."


def pack_values(pack: ShopPack) -> dict[str, str]:
    """What a response's placeholders may name."""
    return {
        "shop_name": pack.short_name,
        "contact_email": pack.contact.email,
        "contact_phone": pack.contact.phone,
        "order_example": pack.order_numbers.example,
        "return_days": str(pack.returns.window_days),
        "shipping_summary": shipping_summary(pack),
    }
