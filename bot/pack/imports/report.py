"""What an import did, row by row: what it skipped or fixed and why, with the source line, so
an owner can find every row csbot did not take as it was."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    SKIPPED = "skipped"  # not imported (the product, variant or article)
    FIXED = "fixed"  # imported with a value csbot chose
    NOTE = "note"  # imported as it was, but worth the owner's eye


@dataclass(frozen=True)
class Note:
    line: int  # 1-based line of the source file where the row starts (0: the whole file)
    kind: Kind
    reason: str  # the same wording for the same cause, so notes group by it
    file: str = ""  # the file, when an import reads several (a help centre's articles)

    @property
    def where(self) -> str:
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        return f"line {self.line}" if self.line else ""

    def __str__(self) -> str:
        return f"{self.where or 'file'}: {self.kind.value}: {self.reason}"


class ImportFailed(Exception):
    """Nothing was written; str(exc) says why (with the file and line where one is known), and
    `report` holds what was read before it failed, when anything was."""

    def __init__(self, message: str, report: ImportReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class ImportReport:
    """Counts and notes of one import; `summary()` is what `csbot import` prints."""

    source: str
    written: int = 0
    variants_folded: int = 0
    notes: list[Note] = field(default_factory=list)
    target: str = ""
    backup: str = ""
    remarks: list[str] = field(default_factory=list)  # whole-file facts, printed first
    dry_run: bool = False

    def skip(self, line: int, reason: str, file: str = "") -> None:
        self.notes.append(Note(line, Kind.SKIPPED, reason, file))

    def fix(self, line: int, reason: str, file: str = "") -> None:
        self.notes.append(Note(line, Kind.FIXED, reason, file))

    def note(self, line: int, reason: str, file: str = "") -> None:
        self.notes.append(Note(line, Kind.NOTE, reason, file))

    def of(self, kind: Kind) -> list[Note]:
        return [n for n in self.notes if n.kind is kind]

    def grouped(self, kind: Kind) -> dict[str, list[Note]]:
        """Reason -> the notes giving it, in the order of the file (its first line)."""
        groups: dict[str, list[Note]] = defaultdict(list)
        for note in sorted(self.of(kind), key=lambda n: (n.file, n.line)):
            groups[note.reason].append(note)
        return dict(groups)

    def summary(self, what: str = "products", folded: str = "variants folded") -> str:
        done = "would be written (a dry run: nothing written)" if self.dry_run else "written"
        lines = [f"{self.source}: {self.written} {what} {done}"]
        if self.target:
            lines[0] += f" to {self.target}"
        if self.variants_folded:
            lines[0] += f", {self.variants_folded} {folded}"
        if self.backup:
            lines.append(f"  the previous file is kept as {self.backup}")
        lines += [f"  {remark}" for remark in self.remarks]
        for kind, heading in (
            (Kind.SKIPPED, "skipped"),
            (Kind.FIXED, "fixed"),
            (Kind.NOTE, "to check"),
        ):
            groups = self.grouped(kind)
            if not groups:
                continue
            lines.append(f"  {heading} ({len(self.of(kind))}):")
            for reason, notes in groups.items():
                lines.append(f"    {reason}{_places(notes)}")
        return "\n".join(lines)


def _places(notes: list[Note]) -> str:
    """' (lines 3, 9)' or ' (faq/returns.md)': where a reason applies, compactly."""
    if all(not n.file for n in notes):
        numbers = [str(n.line) for n in notes if n.line]
        if not numbers:
            return ""
        return f" (line{'s' if len(numbers) > 1 else ''} {', '.join(numbers)})"
    return f" ({', '.join(n.where for n in notes)})"
