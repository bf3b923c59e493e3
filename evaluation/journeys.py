"""Customer journeys: loading and validating `evaluation/journeys/*.yml` (see README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

JOURNEY_DIR = Path(__file__).with_name("journeys")
EXPECT_KEYS = {
    "order_status": {"order"},
    "returns": {"return_order", "return_item"},
    "faq": {"faq", "policy"},
    "recommendation": {"category", "max_price"},
    "product_facts": {"product", "compare_with", "not_sold"},
    "human": {"queue", "priority"},
    "out_of_scope": set(),
}
KINDS = tuple(EXPECT_KEYS)


class JourneyError(ValueError):
    """A malformed journey; the message names the file and the journey."""


@dataclass(frozen=True)
class Journey:
    id: str
    kind: str
    turns: tuple[str, ...]
    expect: dict[str, Any] = field(default_factory=dict)
    never: tuple[str, ...] = ()
    note: str = ""
    source: str = ""


def _journey(raw: Any, source: str) -> Journey:
    name = raw.get("id", "?") if isinstance(raw, dict) else repr(raw)
    where = f"{source}, journey {name}"
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise JourneyError(f"{where}: needs an id")
    kind, turns = raw.get("kind"), raw.get("turns")
    if kind not in EXPECT_KEYS:
        raise JourneyError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise JourneyError(f"{where}: turns must be a list of non-empty texts")
    expect = raw.get("expect") or {}
    unknown = set(expect) - EXPECT_KEYS[kind]
    if unknown:
        raise JourneyError(f"{where}: unknown expect keys {sorted(unknown)} for {kind}")
    return Journey(
        id=raw["id"],
        kind=kind,
        turns=tuple(turns),
        expect=dict(expect),
        never=tuple(raw.get("never") or ()),
        note=str(raw.get("note") or ""),
        source=source,
    )


def load_journeys(folder: Path = JOURNEY_DIR) -> list[Journey]:
    """Every journey of every file, in file order; ids are unique across files."""
    journeys: list[Journey] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for raw in data.get("journeys") or []:
            journeys.append(_journey(raw, path.name))
    seen: set[str] = set()
    for journey in journeys:
        if journey.id in seen:
            raise JourneyError(f"{journey.source}: duplicate journey id {journey.id!r}")
        seen.add(journey.id)
    return journeys
