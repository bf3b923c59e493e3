"""Personal data out of what csbot stores: card numbers, a card's expiry date and security
code, IBANs, phone numbers, passwords (PINs too) and email addresses typed into the chat are
replaced by a label ("[CARD]") before they reach the conversation log, tickets, the
classifier's data or the unanswered-questions table; and cards, IBANs and passwords before
they reach Rasa at all (`redact_at_edge`).

Numbers are found by Microsoft Presidio's pattern recognizers: card numbers by pattern and
the Luhn checksum, IBANs by pattern and the ISO 13616 mod-97 checksum, phone numbers by
Google's libphonenumber (the formats of the countries in `PHONE_REGIONS`, plus any number
written with its +country code). A checksum is what keeps order numbers, tracking numbers and
serials apart from card numbers. Passwords, PINs, expiry dates and security codes are found
by the words around them (`bot.privacy.credentials`); emails by csbot's own pattern. What
lookups need stays: order numbers are never touched, and the caller names the emails to keep
(the customer's verified one). `python -m benchmarks.pii` measures it on
`tests/data/pii_messages.yml`.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import re
import sys
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.privacy.credentials import (
    CVV,
    EXPIRY,
    PASSWORD,
    card_detail_spans,
    password_spans,
)

CARD, IBAN, PHONE, EMAIL = "CARD", "IBAN", "PHONE", "EMAIL"
LABELS = (CARD, IBAN, PHONE, PASSWORD, EMAIL, EXPIRY, CVV)
# What never reaches Rasa: nothing the bot needs, and the worst to leak. Emails, phone
# numbers and order numbers do reach it (lookups, call-backs); the log redacts them after.
AT_THE_EDGE = frozenset({CARD, IBAN, EXPIRY, CVV, PASSWORD})
# National formats understood without a +country code: the shop's customers.
PHONE_REGIONS = ("US", "CA", "GB", "IE", "DE", "FR", "NL", "ES", "IT", "AU")
MIN_DIGITS = 6  # fewer digits than this in a text: no card, IBAN or phone number to look for
# Longer texts are read in windows of this many characters, each overlapping the one before
# by more than any piece of personal data is long: the time per character stays flat.
WINDOW, OVERLAP = 4096, 256

EMAIL_PATTERN = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
CUSTOMER_WRITTEN = {"user", "slot"}  # Rasa events whose texts come from the customer
# Not phone numbers, though libphonenumber may read them as one: "80202-1234", "06/2027".
US_ZIP_PLUS_4 = re.compile(r"\d{5}-\d{4}")
MONTH_AND_YEAR = re.compile(r"(?:0?[1-9]|1[0-2])[/.-](?:19|20)\d{2}")

# libphonenumber's matcher reads a run of digits and separators ("1/1/1/...") as a candidate
# and, when it is no number, tries each group of digits in it and each rest of it as one, for
# each region: 2.5 s (10 s on a busy machine) for 10,000 characters of "1/1/1/...", in the log
# writer, a tenth of that for an order email as long. So it reads at most PHONE_BUDGET
# characters of runs per window (0.2 s at worst); a run after those is taken for a phone
# number where it holds more digits than an order number: a message with more numbers than a
# customer types loses some in the log rather than leak one. A run is what the matcher reads
# as one: digits, at most 4 of its separators in a row, and its lead characters.
_PHONE_SEPARATOR = (
    r"[-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \xa0\xad\u200b\u2060\u3000()\uff08\uff09"
    r"\uff3b\uff3d.\[\]/~\u2053\u223c\uff5e]"
)
_PHONE_LEAD = rf"(?:[(\[\uff08\uff3b+\uff0b]{_PHONE_SEPARATOR}{{0,4}}){{0,2}}"
PHONE_RUN = re.compile(rf"{_PHONE_LEAD}\d+(?:{_PHONE_SEPARATOR}{{1,4}}\d+)*", re.I)
PHONE_BUDGET = 512
PHONE_MIN_DIGITS = 7
# The matcher also lets any number of these stand between a number and its extension ("0161
# 496 0000, ext 12"), and one of its patterns takes time quadratic in them (11 s for 4,000
# commas): it is shown line breaks (same length, no separator) from the 9th in a row on.
LONG_GAP = re.compile(r"[ \xa0\t,-]{9,}")


@dataclass(frozen=True, order=True)
class Span:
    """Personal data found in a text: [start, end) and what it is."""

    start: int
    end: int
    label: str


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
        with _lean_import():
            from presidio_analyzer.predefined_recognizers import IbanRecognizer, PhoneRecognizer

        self._presidio_only = presidio_only
        self._cards = _card_recognizer(presidio_only)
        self._ibans = IbanRecognizer()
        self._phones = (
            PhoneRecognizer()
            if presidio_only
            else PhoneRecognizer(supported_regions=tuple(phone_regions), leniency=leniency)
        )

    def _numbers(self, text: str, kinds: frozenset[str]) -> Iterable[Span]:
        cards = [(f.start, f.end) for f in self._cards.analyze(text, ["CREDIT_CARD"])]
        if CARD in kinds:
            yield from (Span(start, end, CARD) for start, end in cards)
        yield from (Span(*f) for f in card_detail_spans(text, cards) if f[2] in kinds)
        if IBAN in kinds:
            # IBANs in lower case too (the ASCII upper-casing keeps every offset).
            upper = text if self._presidio_only else text.translate(_ASCII_UPPER)
            for found in self._ibans.analyze(upper, ["IBAN_CODE"]):
                yield Span(found.start, found.end, IBAN)
        if PHONE in kinds:
            yield from self._phone_numbers(text)

    def _phone_numbers(self, text: str) -> Iterable[Span]:
        if self._presidio_only:
            for found in self._phones.analyze(text, ["PHONE_NUMBER"]):
                yield Span(found.start, found.end, PHONE)
            return
        read = _phone_budget_end(text)
        for found in self._phones.analyze(_without_long_gaps(text[:read]), ["PHONE_NUMBER"]):
            if not _zip_code_or_date(text, found.start, found.end):
                yield Span(found.start, found.end, PHONE)
        for run in PHONE_RUN.finditer(text, read):  # past the budget
            digits = sum(map(str.isdecimal, run[0]))
            if digits >= PHONE_MIN_DIGITS and not _zip_code_or_date(text, *run.span()):
                yield Span(*run.span(), PHONE)

    def _find(self, text: str, kinds: frozenset[str]) -> list[Span]:
        spans = []
        if EMAIL in kinds:
            spans += [Span(*m.span(), EMAIL) for m in EMAIL_PATTERN.finditer(text)]
        if PASSWORD in kinds:
            spans += [Span(*found) for found in password_spans(text)]
        if sum(c.isdigit() for c in text) >= MIN_DIGITS:
            spans += self._numbers(text, kinds)
        elif kinds & {EXPIRY, CVV}:  # no card number, but maybe "exp 12/27 cvv 123"
            spans += [Span(*f) for f in card_detail_spans(text, []) if f[2] in kinds]
        return spans

    def find(self, text: str, kinds: Collection[str] = LABELS) -> list[Span]:
        """Every piece of personal data of `kinds` in `text`, overlaps merged, in order."""
        kinds = frozenset(kinds)
        spans: list[Span] = []
        for start, end in _windows(text):
            found = self._find(text[start:end], kinds)
            spans += [Span(s.start + start, s.end + start, s.label) for s in found]
        return _merge(spans)

    def redact(self, text: str, keep: Collection[str] = (), kinds: Collection[str] = LABELS) -> str:
        """`text` with each piece of personal data of `kinds` replaced by its label in
        brackets; emails in `keep` (compared without case) stay."""
        kept = {k.lower() for k in keep}
        out, last = [], 0
        for span in self.find(text, kinds):
            if span.label == EMAIL and text[span.start : span.end].lower() in kept:
                continue
            out += [text[last : span.start], f"[{span.label}]"]
            last = span.end
        return "".join(out) + text[last:]


def _zip_code_or_date(text: str, start: int, end: int) -> bool:
    """A ZIP+4 code or a month and year: libphonenumber may take either for a phone number."""
    return bool(
        US_ZIP_PLUS_4.fullmatch(text, start, end) or MONTH_AND_YEAR.fullmatch(text, start, end)
    )


def _phone_budget_end(text: str) -> int:
    """Where the phone matcher stops reading `text`: at its end, or where the run of digits
    starts that takes it past `PHONE_BUDGET` characters of runs."""
    read = 0
    for run in PHONE_RUN.finditer(text):
        read += run.end() - run.start()
        if read > PHONE_BUDGET:
            return run.start()
    return len(text)


def _without_long_gaps(text: str) -> str:
    return LONG_GAP.sub(lambda gap: gap[0][:8] + "\n" * (len(gap[0]) - 8), text)


def _windows(text: str) -> Iterable[tuple[int, int]]:
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


# presidio_analyzer imports spaCy, spaCy imports thinc, and thinc imports PyTorch and
# TensorFlow when they are installed (Rasa brings both), though no recognizer here uses
# them: loading the stack took 12 s and 850 MB in a process that had neither (the web app),
# 2 s and 60 MB with thinc told they are absent. Only thinc is told: an import of either
# from anywhere else, in this thread or another, meanwhile or later, works as usual.
ML_FRAMEWORKS = ("torch", "tensorflow")


class _NotForThinc(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] in ML_FRAMEWORKS and _imported_by("thinc.compat"):
            raise ModuleNotFoundError(f"{name}: not for thinc in csbot", name=name)
        return None  # the other finders decide


def _imported_by(module: str) -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == module:
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def _lean_import() -> Iterator[None]:
    finder = _NotForThinc()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    """The one redactor of this process (the log, tickets and `redact_at_edge` share it)."""
    return Redactor()


def redact(text: str, keep: Collection[str] = ()) -> str:
    """Personal data in `text` replaced by labels, with the default redactor."""
    return default_redactor().redact(text, keep) if text else text


def redact_at_edge(text: str) -> str:
    """What a customer typed, as Rasa may see it: card numbers, expiry dates, security codes,
    IBANs and passwords (PINs too) replaced by labels, so they never reach Rasa's tracker
    store (its `events` table), the model or the actions. Emails, phone numbers and order
    numbers stay: the bot looks orders up by them. Called at every way in: the widget
    (`bot.web.customer`), Messenger and Telegram (`bot.channels`)."""
    return default_redactor().redact(text, kinds=AT_THE_EDGE) if text else text


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
