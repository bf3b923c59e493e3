"""Teach the knowledge base from a reviewed message: add it as a phrasing of an existing FAQ
entry, or start a new entry (its draft answer usually the agent's reply), in the FAQ files
(`knowledge/faq/*.yml`), keeping their comments and layout. The caller rebuilds the index;
the running bot reloads it by itself when the manifest changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from bot.workbench import yaml_files
from bot.workbench.errors import TeachError
from knowledge.errors import KnowledgeError
from knowledge.faq import load_faqs

NEW_ENTRIES_FILE = "workbench.yml"
FAQ_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class FaqResult:
    status: str  # added | duplicate | conflict | created
    faq_id: str
    text: str
    file: str
    conflict_id: str | None = None


def _files(faq_dir: Path):
    for path in sorted(faq_dir.glob("*.yml")):
        data, yaml = yaml_files.load(path)
        yield path, data, yaml


def _owner(faq_dir: Path, text: str) -> tuple[str, str] | None:
    """(faq id, file) of the entry that already has this question or phrasing."""
    wanted = _norm(text)
    for entry in load_faqs(faq_dir):
        if wanted in {_norm(t) for t in (*entry.indexed_texts, *entry.heldout)}:
            return entry.id, entry.source
    return None


def _check(faq_dir: Path, path: Path, text: str) -> None:
    """Validate the folder as it would be with `text` as the new content of `path`."""
    previous = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        yaml_files.write_atomic(path, text)
        load_faqs(faq_dir)
    except KnowledgeError as exc:
        if previous is None:
            path.unlink()
        else:
            yaml_files.write_atomic(path, previous)
        raise TeachError(str(exc)) from None


def add_phrasing(faq_dir: Path, faq_id: str, text: str) -> FaqResult:
    """Index `text` as one more way to ask FAQ `faq_id`."""
    text = " ".join(text.split())
    if not text:
        raise TeachError("the phrasing is empty")
    owner = _owner(faq_dir, text)
    if owner and owner[0] == faq_id:
        return FaqResult("duplicate", faq_id, text, owner[1])
    if owner:
        return FaqResult("conflict", faq_id, text, owner[1], conflict_id=owner[0])
    for path, data, yaml in _files(faq_dir):
        for item in data.get("faqs") or []:
            if item.get("id") == faq_id:
                phrasings = item.get("phrasings")
                if phrasings is None:
                    item["phrasings"] = phrasings = CommentedSeq()
                phrasings.append(text)
                _check(faq_dir, path, yaml_files.dumps(data, yaml))
                return FaqResult("added", faq_id, text, path.name)
    raise TeachError(f"there is no FAQ entry {faq_id!r}")


def new_entry(
    faq_dir: Path,
    faq_id: str,
    topic: str,
    question: str,
    answer: str,
    phrasings: list[str],
    author: str,
    at: datetime,
) -> FaqResult:
    """Add a new entry (to the file holding its topic, else NEW_ENTRIES_FILE), with a
    comment saying who added it and when."""
    if not FAQ_ID.fullmatch(faq_id):
        raise TeachError("an FAQ id is lower-case words joined by hyphens, like gift-wrapping")
    if any(e.id == faq_id for e in load_faqs(faq_dir)):
        raise TeachError(f"there is already an FAQ entry {faq_id!r}")
    for text in (question, *phrasings):
        owner = _owner(faq_dir, text)
        if owner:
            return FaqResult("conflict", faq_id, text, owner[1], conflict_id=owner[0])
    target = next(
        (
            (path, data, yaml)
            for path, data, yaml in _files(faq_dir)
            if any(item.get("topic") == topic for item in data.get("faqs") or [])
        ),
        None,
    )
    if target is None:
        path = faq_dir / NEW_ENTRIES_FILE
        if path.exists():
            data, yaml = yaml_files.load(path)
        else:
            data, yaml = yaml_files.round_trip(
                "# FAQ entries started in the console's review workbench.\nfaqs: []\n"
            )
            data["faqs"] = CommentedSeq()
            yaml.indent(mapping=2, sequence=4, offset=2)
        target = (path, data, yaml)
    path, data, yaml = target
    entry = CommentedMap()
    entry["id"] = faq_id
    entry["topic"] = " ".join(topic.split())
    entry["question"] = " ".join(question.split())
    entry["phrasings"] = CommentedSeq(" ".join(p.split()) for p in phrasings if p.strip())
    entry["heldout"] = CommentedSeq()
    entry["answer"] = FoldedScalarString(" ".join(answer.split()))
    faqs = data["faqs"]
    faqs.append(entry)
    faqs.yaml_set_comment_before_after_key(
        len(faqs) - 1,
        before=f"added by {author} on {at:%Y-%m-%d %H:%M} UTC (review workbench)",
        indent=yaml.sequence_dash_offset if hasattr(yaml, "sequence_dash_offset") else 2,
    )
    _check(faq_dir, path, yaml_files.dumps(data, yaml))
    return FaqResult("created", faq_id, question, path.name)
