"""Customer text copied into files (`holdings.FILES`): found for an export, removed for a
deletion or the retention purge, each file kept in the format its writer wrote it.

What counts as the customer's is decided by `CustomerText`, never by a loose match: the
examples and phrasings the workbench was taught from their conversations (the audit trail
keeps what each teach wrote), the test stories named after their conversations, and the
text of their tickets in the classifier's corrections. A shipped example that merely reads
like something they said ("hi") is not theirs and stays.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.scalarstring import LiteralScalarString

from bot import csv_cells
from bot.privacy.holdings import FILES, FileHolding
from bot.workbench import yaml_files
from bot.workbench.nlu_examples import plain
from bot.workbench.test_stories import story_prefix

EXAMPLE = re.compile(r"(?<!\s)\s*- (.*)$")


@dataclass(frozen=True)
class Files:
    """Where the files of `holdings.FILES` live (None: not kept by this installation)."""

    nlu_dir: Path | None = None
    faq_dir: Path | None = None
    stories_dir: Path | None = None
    models_dir: Path | None = None

    @classmethod
    def of(cls, settings: Any) -> Files:
        return cls(
            settings.nlu_dir, settings.faq_dir, settings.test_stories_dir, settings.models_dir
        )

    def paths(self, holding: FileHolding) -> list[Path]:
        folder = getattr(self, holding.folder)
        if folder is None or not Path(folder).is_dir():
            return []
        return sorted(p for p in Path(folder).glob(holding.pattern) if p.is_file())


@dataclass(frozen=True)
class CustomerText:
    """What marks a customer's text in the files: `taught` (examples and phrasings written
    from their conversations, compared without entity annotations, case or spacing),
    `conversation_ids` (test stories are named after them) and `ticket_topics` (their
    tickets' text, as the classifier's corrections hold it)."""

    conversation_ids: frozenset[str] = field(default_factory=frozenset)
    taught: frozenset[str] = field(default_factory=frozenset)
    ticket_topics: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        conversation_ids: Iterable[str] = (),
        taught: Iterable[str] = (),
        ticket_topics: Iterable[str] = (),
    ) -> CustomerText:
        return cls(
            frozenset(conversation_ids),
            frozenset(plain(t) for t in taught if t and t.strip()),
            frozenset(plain(t) for t in ticket_topics if t and t.strip()),
        )

    def is_taught(self, text: str) -> bool:
        return plain(text) in self.taught


@dataclass(frozen=True)
class Line:
    """One line of a file that holds the customer's text (for a JSON file, one entry)."""

    file: str
    line: int  # from 1
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "text": self.text}


Finder = Callable[[Path, CustomerText], list[Line]]
Remover = Callable[[Path, CustomerText], int]


# --- NLU examples (data/nlu): one "- example" line of an intent's block ---------------------


def _nlu_find(path: Path, found: CustomerText) -> list[Line]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        Line(str(path), n, line.strip())
        for n, line in enumerate(lines, 1)
        if (m := EXAMPLE.match(line)) and found.is_taught(m.group(1))
    ]


def _nlu_remove(path: Path, found: CustomerText) -> int:
    data, yaml = yaml_files.load(path)
    removed = 0
    for item in (data or {}).get("nlu") or []:
        if "examples" not in item:
            continue
        lines = str(item["examples"]).splitlines()
        kept = [
            line for line in lines if not ((m := EXAMPLE.match(line)) and found.is_taught(m[1]))
        ]
        if len(kept) < len(lines):
            removed += len(lines) - len(kept)
            item["examples"] = LiteralScalarString("\n".join(kept) + "\n")
    if removed:
        yaml_files.write_atomic(path, yaml_files.dumps(data, yaml))
    return removed


# --- FAQ entries (knowledge/faq): a phrasing, or a new entry's question ---------------------


def _faq_find(path: Path, found: CustomerText) -> list[Line]:
    data, _ = yaml_files.load(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    at: list[int] = []
    for item in (data or {}).get("faqs") or []:
        if found.is_taught(str(item.get("question") or "")):
            at.append(item.lc.value("question")[0])
        phrasings = item.get("phrasings") or []
        at += [phrasings.lc.item(i)[0] for i, p in enumerate(phrasings) if found.is_taught(p)]
    return [Line(str(path), n + 1, lines[n].strip()) for n in sorted(at)]


def _faq_remove(path: Path, found: CustomerText) -> int:
    """Phrasings go; an entry whose question is the customer's takes its next phrasing as
    the question, or goes when it has none left."""
    data, yaml = yaml_files.load(path)
    faqs = (data or {}).get("faqs") or []
    removed = 0
    for index in reversed(range(len(faqs))):
        item = faqs[index]
        phrasings = item.get("phrasings") or []
        for i in reversed(range(len(phrasings))):
            if found.is_taught(phrasings[i]):
                del phrasings[i]
                removed += 1
        if found.is_taught(str(item.get("question") or "")):
            removed += 1
            if phrasings:
                item["question"] = phrasings.pop(0)
            else:
                del faqs[index]
    if removed:
        yaml_files.write_atomic(path, yaml_files.dumps(data, yaml))
    return removed


# --- test stories (tests/stories): a whole story, named after its conversation --------------


def _story_spans(path: Path, found: CustomerText) -> tuple[Any, Any, list[tuple[int, int, int]]]:
    """The document, its YAML, and (index, first line, end line) of the customer's stories."""
    data, yaml = yaml_files.load(path)
    stories = (data or {}).get("stories") or []
    prefixes = tuple(story_prefix(c) for c in found.conversation_ids)
    total = len(path.read_text(encoding="utf-8").splitlines())
    starts = [s.lc.line for s in stories] + [total]
    spans = [
        (i, starts[i], starts[i + 1])
        for i, story in enumerate(stories)
        if prefixes and str(story.get("story", "")).startswith(prefixes)
    ]
    return data, yaml, spans


def _stories_find(path: Path, found: CustomerText) -> list[Line]:
    _, _, spans = _story_spans(path, found)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        Line(str(path), n + 1, lines[n].rstrip())
        for _, first, end in spans
        for n in range(first, end)
        if lines[n].strip()
    ]


def _stories_remove(path: Path, found: CustomerText) -> int:
    data, yaml, spans = _story_spans(path, found)
    for index, _, _ in reversed(spans):
        del data["stories"][index]
    if spans:
        yaml_files.write_atomic(path, yaml_files.dumps(data, yaml))
    return len(spans)


# --- the ticket classifier's corrections (corrections.csv): one row -------------------------


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _is_topic(row: list[str], found: CustomerText) -> bool:
    return bool(row) and plain(csv_cells.restore(row[0])) in found.ticket_topics


def _corrections_find(path: Path, found: CustomerText) -> list[Line]:
    rows = _csv_rows(path)
    return [
        Line(str(path), n, ",".join(row))
        for n, row in enumerate(rows, 1)
        if n > 1 and _is_topic(row, found)
    ]


def _corrections_remove(path: Path, found: CustomerText) -> int:
    rows = _csv_rows(path)
    kept = rows[:1] + [row for row in rows[1:] if not _is_topic(row, found)]
    if len(kept) < len(rows):
        out = io.StringIO()
        csv_cells.Writer(out).writerows(kept)
        yaml_files.write_atomic(path, out.getvalue())
    return len(rows) - len(kept)


# --- training snapshots (models/*.nlu.json): one [text, intent] entry -----------------------


def _snapshot_find(path: Path, found: CustomerText) -> list[Line]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [
        Line(str(path), n, text)
        for n, (text, _intent) in enumerate(entries, 1)
        if found.is_taught(text)
    ]


def _snapshot_remove(path: Path, found: CustomerText) -> int:
    entries = json.loads(path.read_text(encoding="utf-8"))
    kept = [entry for entry in entries if not found.is_taught(entry[0])]
    if len(kept) < len(entries):
        yaml_files.write_atomic(path, json.dumps(kept, ensure_ascii=False))
    return len(entries) - len(kept)


HANDLERS: dict[str, tuple[Finder, Remover]] = {
    "nlu_examples": (_nlu_find, _nlu_remove),
    "faq_phrasings": (_faq_find, _faq_remove),
    "test_stories": (_stories_find, _stories_remove),
    "ticket_corrections": (_corrections_find, _corrections_remove),
    "nlu_snapshots": (_snapshot_find, _snapshot_remove),
}


def find(files: Files, found: CustomerText) -> dict[str, list[dict[str, Any]]]:
    """Per holding, the lines that hold the customer's text."""
    return {
        holding.name: [
            line.to_json()
            for path in files.paths(holding)
            for line in HANDLERS[holding.name][0](path, found)
        ]
        for holding in FILES
    }


def remove(files: Files, found: CustomerText) -> Counter:
    """Remove the customer's lines; per holding, how many went."""
    removed: Counter = Counter()
    for holding in FILES:
        for path in files.paths(holding):
            removed[holding.name] += HANDLERS[holding.name][1](path, found)
    return +removed
