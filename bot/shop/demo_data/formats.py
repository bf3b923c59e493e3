"""The small format language of `demo.yml` for tracking numbers and postcodes.

A format is a regular expression of the simplest kind, `1Z[0-9A-HJ-NPR-Z]{16}`,
`C[EP][0-9]{9}IE` or `H91 [ACDEFHKNPRTV-Y0-9]{4}`: literal letters, digits, spaces and
hyphens; character classes of letters, digits and ranges; fixed counts. The generator draws
one random character from a class per position, in the order the class is written (so a
shop's data stays the same from one csbot to the next); literals draw nothing. Being a regular
expression too, it checks what it made: `matches("1Z...")`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

MAX_FORMAT = 100
LITERAL = re.compile(r"[A-Za-z0-9 -]")
CLASS_CHAR = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Part:
    """`count` characters: `chars` itself when `literal`, else each drawn from `chars`."""

    chars: str
    count: int = 1
    literal: bool = False


@dataclass(frozen=True)
class Format:
    """A parsed format: `Format.parse("[0-9]{14}").draw(rng)` -> "40718833501924"."""

    text: str
    parts: tuple[Part, ...]

    @classmethod
    def parse(cls, text: str) -> Format:
        """The format `text`, or ValueError saying what is wrong with it."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError('must be a format in quotes, e.g. "1Z[0-9A-Z]{16}" or "97205"')
        if len(text) > MAX_FORMAT:
            raise ValueError(f"is longer than {MAX_FORMAT} characters")
        parts: list[Part] = []
        at = 0
        while at < len(text):
            if text[at] == "[":
                end = text.find("]", at)
                if end < 0:
                    raise ValueError(f"{text!r}: '[' at position {at + 1} is never closed")
                part, at = Part(_expand(text[at + 1 : end])), end + 1
            elif LITERAL.fullmatch(text[at]):
                part, at = Part(text[at], literal=True), at + 1
            else:
                raise ValueError(
                    f"{text!r}: {text[at]!r} at position {at + 1} is not allowed (letters, "
                    "digits, spaces, hyphens, classes like [0-9] and counts like {5})"
                )
            count = re.match(r"\{([0-9]{1,2})\}", text[at:])
            if count:
                if int(count.group(1)) < 1:
                    raise ValueError(f"{text!r}: a count must be at least 1")
                part = Part(part.chars, int(count.group(1)), part.literal)
                at += count.end()
            parts.append(part)
        return cls(text, tuple(parts))

    def draw(self, rng: random.Random) -> str:
        """A random value of this format (literals draw nothing from `rng`)."""
        return "".join(
            part.chars * part.count
            if part.literal
            else "".join(rng.choice(part.chars) for _ in range(part.count))
            for part in self.parts
        )

    def matches(self, value: str) -> bool:
        """Whether `value` has this format."""
        return re.fullmatch(self.text, value) is not None

    @property
    def random(self) -> bool:
        """Whether drawing it takes random characters (a postcode like "97205" does not)."""
        return any(not part.literal for part in self.parts)


def _expand(body: str) -> str:
    """The characters of a class body, in written order: "0-9A-C" -> "0123456789ABC"."""
    chars: list[str] = []
    at = 0
    while at < len(body):
        first = body[at]
        if not CLASS_CHAR.fullmatch(first):
            raise ValueError(f"[{body}]: {first!r} cannot be in a class (letters, digits, ranges)")
        if body[at + 1 : at + 2] == "-" and at + 2 < len(body):
            last = body[at + 2]
            if not CLASS_CHAR.fullmatch(last) or last < first or not _same_kind(first, last):
                raise ValueError(f"[{body}]: {first}-{last} is not a range like 0-9 or A-Z")
            chars += [chr(c) for c in range(ord(first), ord(last) + 1)]
            at += 3
        else:
            chars.append(first)
            at += 1
    if not chars:
        raise ValueError("[] is an empty class")
    return "".join(dict.fromkeys(chars))


def _same_kind(first: str, last: str) -> bool:
    return any(
        first in kind and last in kind
        for kind in ("0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    )
