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

This module is the `Redactor` that runs the finders over a text and replaces what they find,
and the process's one redactor behind `redact` and `redact_at_edge`. Beside it: `spans`
(the kinds, the windows a long text is read in, overlaps merged), `phones` (libphonenumber
within a budget), `recognizers` (Presidio imported lean, csbot's card patterns),
`credentials` (passwords, PINs, expiry dates, security codes) and `rasa_events` (a Rasa
event's customer-written values redacted, for the log).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache

from bot.privacy.credentials import (
    CVV,
    EXPIRY,
    PASSWORD,
    card_detail_spans,
    password_spans,
)
from bot.privacy.phones import PHONE_REGIONS, phone_numbers
from bot.privacy.recognizers import card_recognizer, lean_import
from bot.privacy.spans import CARD, EMAIL, IBAN, LABELS, PHONE, Span, merge, windows

# What never reaches Rasa: nothing the bot needs, and the worst to leak. Emails, phone
# numbers and order numbers do reach it (lookups, call-backs); the log redacts them after.
AT_THE_EDGE = frozenset({CARD, IBAN, EXPIRY, CVV, PASSWORD})
MIN_DIGITS = 6  # fewer digits than this in a text: no card, IBAN or phone number to look for

EMAIL_PATTERN = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


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
        with lean_import():
            from presidio_analyzer.predefined_recognizers import IbanRecognizer, PhoneRecognizer

        self._presidio_only = presidio_only
        self._cards = card_recognizer(presidio_only)
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
        yield from phone_numbers(self._phones, text)

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
        for start, end in windows(text):
            found = self._find(text[start:end], kinds)
            spans += [Span(s.start + start, s.end + start, s.label) for s in found]
        return merge(spans)

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
