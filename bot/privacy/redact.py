"""Personal data out of what csbot stores: card numbers, IBANs, phone numbers, passwords and
email addresses typed into the chat are replaced by a label ("[CARD]") before they reach the
conversation log, tickets, the classifier's data or the unanswered-questions table.

Numbers are found by Microsoft Presidio's pattern recognizers: card numbers by pattern and
the Luhn checksum, IBANs by pattern and the ISO 13616 mod-97 checksum, phone numbers by
Google's libphonenumber (the formats of the countries in `PHONE_REGIONS`, plus any number
written with its +country code). A checksum is what keeps order numbers, tracking numbers and
serials apart from card numbers. Passwords and emails are csbot's own patterns: a password
is the word after a cue ("password is", "pw:", "pin: 1234"), unless that word is ordinary
English ("my password is not working"). What lookups need stays: order numbers are never
touched, and the caller names the emails to keep (the customer's verified one).
`python -m benchmarks.pii` measures it on `tests/data/pii_messages.yml`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

CARD, IBAN, PHONE, PASSWORD, EMAIL = "CARD", "IBAN", "PHONE", "PASSWORD", "EMAIL"
LABELS = (CARD, IBAN, PHONE, PASSWORD, EMAIL)
# National formats understood without a +country code: the shop's customers.
PHONE_REGIONS = ("US", "CA", "GB", "IE", "DE", "FR", "NL", "ES", "IT", "AU")
MIN_DIGITS = 6  # fewer digits than this in a text: no card, IBAN or phone number to look for

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A password is the word after a cue. Said outright ("password is X", "pw: X", "password's
# X") it is taken unless it is ordinary English ("my password is not working"); said loosely
# ("password X", "the password I use is X", "changed my password to X") only when it looks
# like one (a digit, a symbol or a capital inside).
_CUE = r"\b(?:pass(?:word|wd|code|phrase)?|pwd|pw)"
_SECRET = r"""\s*(?:["“](?P<dq>[^"”]+)["”]|['‘](?P<sq>[^'’]+)['’]|(?P<word>[^\s"'”’]+))"""
OUTRIGHT = re.compile(
    rf"{_CUE}(?:'s|\s*[:=]|\s+(?:is|was)(?:\s+(?:now|still))?\s*:?){_SECRET}", re.IGNORECASE
)
LOOSELY = re.compile(rf"{_CUE}(?:(?:\s+[\w']+){{0,3}}?\s+(?:is|was|to))?\s{_SECRET}", re.I)
PIN = re.compile(r"\bpin(?:\s+(?:code|number))?(?:\s+(?:is|was)|\s*[:=])\s*(\d{4,8})\b", re.I)
# Words that follow "password is" without being one.
NOT_A_SECRET = frozenset(
    """a an the my your our their his her its this that it is was be been being not no never
    now still also just too very so really wrong incorrect correct right invalid valid weak
    strong short long new old same different fine ok okay good bad case required missing
    empty blank there here what which where why how when and or but for in on at to of with
    from by reset expired locked blocked accepted rejected working broken stuck changed
    forgotten saved stored hidden sent needed mandatory visible something anything nothing
    everything all any some field link email policy rules requirements manager protected
    sensitive""".split()
)
SENTENCE_END = ".,;:?)"
CUSTOMER_WRITTEN = {"user", "slot"}  # Rasa events whose texts come from the customer
US_ZIP_PLUS_4 = re.compile(r"\d{5}-\d{4}")


@dataclass(frozen=True, order=True)
class Span:
    """Personal data found in a text: [start, end) and what it is."""

    start: int
    end: int
    label: str


def _looks_like_a_secret(word: str) -> bool:
    return any(not c.isalpha() for c in word) or any(c.isupper() for c in word[1:])


def _plain_word(word: str) -> bool:
    lowered = word.lower()
    return lowered in NOT_A_SECRET or (word.isalpha() and lowered.endswith(("ed", "ing", "ly")))


def _password_spans(text: str) -> Iterable[Span]:
    for pattern, accept in (
        (OUTRIGHT, lambda w: not _plain_word(w)),
        (LOOSELY, _looks_like_a_secret),
    ):
        for match in pattern.finditer(text):
            group = next(g for g in ("dq", "sq", "word") if match.group(g) is not None)
            start, end = match.span(group)
            if group == "word":
                end = start + len(text[start:end].rstrip(SENTENCE_END))
                word = text[start:end]
                if not any(c.isalnum() for c in word) or not accept(word):
                    continue
            yield Span(start, end, PASSWORD)
    for match in PIN.finditer(text):
        yield Span(*match.span(1), PASSWORD)


# Card numbers as people write them, on top of Presidio's own pattern (which misses
# Mastercard's 2-series, 19-digit cards and dots): all of them must pass the Luhn check.
CARD_PATTERNS = (
    r"\b[2-6]\d{12,18}\b",  # no separators
    r"\b[2-6]\d{3}([ .-])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?\b",  # 4-4-4-4(-3)
    r"\b3\d{3}([ .-])\d{6}\1\d{4,5}\b",  # American Express 4-6-5, Diners 4-6-4
)
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _card_recognizer(presidio_only: bool):
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

    class CardRecognizer(CreditCardRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            digits = sum(c.isdigit() for c in pattern_text)
            return 13 <= digits <= 19 and super().validate_result(pattern_text)

    if presidio_only:
        return CreditCardRecognizer()
    patterns = [Pattern(f"card {i}", p, 0.3) for i, p in enumerate(CARD_PATTERNS)]
    separators = [("-", ""), (" ", ""), (".", "")]
    return CardRecognizer(
        patterns=[*CreditCardRecognizer.PATTERNS, *patterns], replacement_pairs=separators
    )


class Redactor:
    """Finds and replaces personal data. Build once per process (`default_redactor()`): the
    recognizers import spaCy. `leniency` is libphonenumber's: 2 (strict grouping) keeps
    invoice and batch numbers like "2026-004512" out. `presidio_only` leaves Presidio's
    recognizers as they come (the benchmark's baseline)."""

    def __init__(
        self,
        phone_regions: Collection[str] = PHONE_REGIONS,
        leniency: int = 2,
        presidio_only: bool = False,
    ) -> None:
        from presidio_analyzer.predefined_recognizers import IbanRecognizer, PhoneRecognizer

        self._presidio_only = presidio_only
        self._cards = _card_recognizer(presidio_only)
        self._ibans = IbanRecognizer()
        self._phones = (
            PhoneRecognizer()
            if presidio_only
            else PhoneRecognizer(supported_regions=tuple(phone_regions), leniency=leniency)
        )

    def _numbers(self, text: str) -> Iterable[Span]:
        for found in self._cards.analyze(text, ["CREDIT_CARD"]):
            yield Span(found.start, found.end, CARD)
        # IBANs in lower case too (the ASCII upper-casing keeps every offset).
        upper = text if self._presidio_only else text.translate(_ASCII_UPPER)
        for found in self._ibans.analyze(upper, ["IBAN_CODE"]):
            yield Span(found.start, found.end, IBAN)
        for found in self._phones.analyze(text, ["PHONE_NUMBER"]):
            if self._presidio_only or not US_ZIP_PLUS_4.fullmatch(text, found.start, found.end):
                yield Span(found.start, found.end, PHONE)

    def find(self, text: str) -> list[Span]:
        """Every piece of personal data in `text`, overlaps merged, in order."""
        spans = [Span(*m.span(), EMAIL) for m in EMAIL_PATTERN.finditer(text)]
        spans += _password_spans(text)
        if sum(c.isdigit() for c in text) >= MIN_DIGITS:
            spans += self._numbers(text)
        return _merge(spans)

    def redact(self, text: str, keep: Collection[str] = ()) -> str:
        """`text` with each piece of personal data replaced by its label in brackets; emails
        in `keep` (compared without case) stay."""
        kept = {k.lower() for k in keep}
        out, last = [], 0
        for span in self.find(text):
            if span.label == EMAIL and text[span.start : span.end].lower() in kept:
                continue
            out += [text[last : span.start], f"[{span.label}]"]
            last = span.end
        return "".join(out) + text[last:]


PRIORITY = {CARD: 0, IBAN: 1, PASSWORD: 2, EMAIL: 3, PHONE: 4}


def _merge(spans: list[Span]) -> list[Span]:
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


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    return Redactor()


def redact(text: str, keep: Collection[str] = ()) -> str:
    """Personal data in `text` replaced by labels, with the default redactor."""
    return default_redactor().redact(text, keep) if text else text


# The slot holding the customer's verified email: the one email the log keeps.
VERIFIED_EMAIL_SLOT = "verified_customer"
# Keys of a Rasa event whose values name things (event type, intent, entity, slot, action).
NAME_KEYS = frozenset(
    {
        "event",
        "sender_id",
        "name",
        "timestamp",
        "input_channel",
        "message_id",
        "policy",
        "entity",
        "extractor",
        "role",
        "group",
        "action_name",
        "intent_name",
        "confidence",
        "processors",
    }
)


def redact_event(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Rasa event with the personal data the customer wrote redacted: a user
    message (its text, parse data and entity values) and slot values. The bot's and agents'
    own words are the shop's and stay as said (an agent's "call us on 020 7946 0958" reaches
    the customer as written). Order numbers are never personal data to the redactor; the
    verified email slot keeps its email. The input is left as it was."""
    if event.get("event") not in CUSTOMER_WRITTEN:
        return event
    keep = ()
    if event.get("event") == "slot" and event.get("name") == VERIFIED_EMAIL_SLOT:
        keep = (str(event.get("value") or ""),)
    return _redact_value(event, keep)


def _redact_value(value: Any, keep: Collection[str]) -> Any:
    if isinstance(value, str):
        return redact(value, keep)
    if isinstance(value, list):
        return [_redact_value(v, keep) for v in value]
    if isinstance(value, dict):
        return {k: v if k in NAME_KEYS else _redact_value(v, keep) for k, v in value.items()}
    return value
