"""Personal data found in a text, as spans: what kinds there are, the windows a long text is
read in, and how finds that overlap become one.

Every finder of the redaction stack (`bot.privacy.redact`: Presidio's recognizers, the phone
budget in `bot.privacy.phones`, the credential words in `bot.privacy.credentials`, the email
pattern) reports spans in the same terms, so one merge decides what a stretch of text is
replaced by, whichever finders saw it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.privacy.credentials import CVV, EXPIRY, PASSWORD

CARD, IBAN, PHONE, EMAIL = "CARD", "IBAN", "PHONE", "EMAIL"
LABELS = (CARD, IBAN, PHONE, PASSWORD, EMAIL, EXPIRY, CVV)
# Longer texts are read in windows of this many characters, each overlapping the one before
# by more than any piece of personal data is long: the time per character stays flat.
WINDOW, OVERLAP = 4096, 256


@dataclass(frozen=True, order=True)
class Span:
    """Personal data found in a text: [start, end) and what it is."""

    start: int
    end: int
    label: str


def windows(text: str) -> Iterable[tuple[int, int]]:
    """[start, end) of the windows a text is read in: the whole of a short one; a long one in
    `WINDOW`s that overlap by `OVERLAP` characters, cut at spaces where there are any, so
    that every piece of personal data lies whole in at least one window."""
    start = 0
    while len(text) - start > WINDOW:
        limit = start + WINDOW
        space = text.rfind(" ", limit - OVERLAP // 4, limit)
        end = space if space > start else limit
        yield start, end
        space = text.find(" ", end - OVERLAP, end - OVERLAP + OVERLAP // 4)
        start = space + 1 if space >= 0 else end - OVERLAP
    yield start, len(text)


PRIORITY = {CARD: 0, IBAN: 1, PASSWORD: 2, CVV: 3, EXPIRY: 4, EMAIL: 5, PHONE: 6}


def merge(spans: list[Span]) -> list[Span]:
    """Overlapping finds become one span, named after the longest (then the likelier kind:
    a card number also parses as a phone number somewhere)."""
    merged: list[list[Span]] = []
    for span in sorted(spans):
        if merged and span.start < max(s.end for s in merged[-1]):
            merged[-1].append(span)
        else:
            merged.append([span])
    result = []
    for group in merged:
        best = min(group, key=lambda s: (-(s.end - s.start), PRIORITY[s.label]))
        result.append(Span(group[0].start, max(s.end for s in group), best.label))
    return result
