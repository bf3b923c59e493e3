"""Amounts customers spell out: "a hundred and fifty quid", "under a hundred euro", "two
grand". spaCy marks each word as number-like; this reads the whole phrase around one of them."""

from __future__ import annotations

from spacy.tokens import Doc, Token

UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000}
JOINERS = {"and", "a", "-"}


def is_spelled(token: Token) -> bool:
    return token.lower_ in UNITS or token.lower_ in SCALES


def spelled_phrase(doc: Doc, i: int) -> tuple[int, int] | None:
    """The token range [start, end) of the spelled number around token `i`, or None."""
    if not is_spelled(doc[i]):
        return None
    start, end = i, i + 1
    while start > 0 and (is_spelled(doc[start - 1]) or doc[start - 1].lower_ in JOINERS):
        start -= 1
    while end < len(doc) and (is_spelled(doc[end]) or doc[end].lower_ in JOINERS):
        end += 1
    while start < end and doc[start].lower_ in JOINERS - {"a"}:
        start += 1
    while end > start and doc[end - 1].lower_ in JOINERS:
        end -= 1
    if doc[start].lower_ == "a" and not (start + 1 < end and doc[start + 1].lower_ in SCALES):
        start += 1  # "a fifty": the "a" is an article, not one
    return (start, end) if start < end else None


def spelled_value(words: list[str]) -> int | None:
    """ "a hundred and fifty" -> 150, "two grand" -> 2000, "twenty five" -> 25; None when the
    words are not one number."""
    total = current = 0
    seen = False
    for word in (w.lower() for w in words):
        if word in UNITS:
            current += UNITS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in SCALES:
            total += max(current, 1) * SCALES[word]
            current = 0
        elif word in JOINERS:
            continue
        else:
            return None
        seen = True
    return total + current if seen else None
