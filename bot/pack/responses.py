"""A pack's wording of Rasa's fixed replies (`responses.yml`) and the shop facts their
`{placeholders}` name. Kept free of Rasa so `csbot check` reads it quickly; Rasa uses it
through `bot.runtime.pack_nlg`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.pack.formats import ShopFormat
from bot.pack.model import ShopPack

RESPONSES_FILE = "responses.yml"


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
    return responses


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
