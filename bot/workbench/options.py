"""What the teach forms offer: the intents of the training data and the FAQ entries, read
with the fast PyYAML loader (the round-trip loader is only for writing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import KnowledgeError
from knowledge.faq import load_faqs


def choices(settings: Any) -> dict[str, Any]:
    """What the teach forms offer: the trained intents and the FAQ entries."""
    intents: set[str] = set()
    if settings.nlu_dir is not None:
        for path in sorted(Path(settings.nlu_dir).glob("*.yml")):
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            intents |= {i["intent"] for i in (data or {}).get("nlu") or [] if "intent" in i}
    try:
        faqs = load_faqs(settings.faq_dir) if settings.faq_dir is not None else []
        faq_problem = None
    except KnowledgeError as exc:  # an empty or broken FAQ folder: the page still shows
        faqs, faq_problem = [], f"The FAQ entries cannot be read: {exc}"
    return {
        "intents": sorted(intents),
        "faqs": [(f.id, f.question) for f in faqs],
        "faq_problem": faq_problem,
    }
