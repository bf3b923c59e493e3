"""A platform's CSV export read row by row, each row with the line it starts on (a quoted HTML
description spans several lines, so the reader's own line count names the row's last line)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.pack.imports.report import ImportFailed

LONGEST_FIELD = 10_000_000  # characters: a long HTML description is one field


def header_key(name: str) -> str:
    """Headers compared without case or spacing: Shopify's 2025 headers differ from the older
    ones partly by case alone ("Option1 Name" / "Option1 name")."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]  # header_key -> value, stripped

    def get(self, *names: str) -> str:
        """The first non-empty value among the given headers (any of a field's names)."""
        for name in names:
            value = self.cells.get(header_key(name), "")
            if value:
                return value
        return ""

    def has_any(self, *names: str) -> bool:
        return any(self.get(n) for n in names)


@dataclass(frozen=True)
class Sheet:
    path: Path
    headers: tuple[str, ...]  # header_key of each column, in order
    rows: tuple[Row, ...]

    def has(self, *names: str) -> bool:
        """Whether the file has (any one of) these columns."""
        return any(header_key(n) in self.headers for n in names)

    def matching(self, pattern: str) -> list[str]:
        found = re.compile(pattern)
        return [h for h in self.headers if found.fullmatch(h)]


def read_sheet(path: Path) -> Sheet:
    """Every row of a CSV export (UTF-8, with or without the byte-order mark Excel and
    WooCommerce write); ImportFailed if the file cannot be read as CSV."""
    csv.field_size_limit(max(csv.field_size_limit(), LONGEST_FIELD))
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror})") from None
    rows: list[Row] = []
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if not header:
                raise ImportFailed(f"{path}: the file is empty")
            keys = tuple(header_key(h) for h in header)
            start = reader.line_num + 1
            for cells in reader:
                if any(c.strip() for c in cells):
                    rows.append(Row(start, _cells(keys, cells)))
                start = reader.line_num + 1
        except UnicodeDecodeError:
            raise ImportFailed(f"{path}: not UTF-8 text (save the export as UTF-8 CSV)") from None
        except csv.Error as exc:
            raise ImportFailed(f"{path}, line {reader.line_num}: not valid CSV ({exc})") from None
    return Sheet(path, keys, tuple(rows))


def _cells(keys: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in zip(keys, cells, strict=False):
        if key and not found.get(key):  # a repeated header: the first non-empty value
            found[key] = value.strip()
    return found


def split_escaped(value: str, sep: str = ",") -> list[str]:
    r"""WooCommerce's lists: 'Clothing > Jackets, Sale' with a comma inside a name written '\,'."""
    parts = re.split(rf"(?<!\\){re.escape(sep)}", value)
    return [p.replace(f"\\{sep}", sep).strip() for p in parts if p.strip()]
