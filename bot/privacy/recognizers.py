"""Presidio's recognizers as the redactor builds them: imported lean, cards widened.

Two things about Presidio cost csbot dearly when left as they come: importing it drags in
PyTorch and TensorFlow through spaCy and thinc (12 s and 850 MB in the web app, which uses
neither), and its card pattern misses cards customers type (Mastercard's 2-series, 19-digit
cards, dots). `lean_import` and `card_recognizer` fix the two; `bot.privacy.redact` uses both.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import sys
from collections.abc import Iterator
from typing import Any

# Card numbers as people write them, on top of Presidio's own pattern (which misses
# Mastercard's 2-series, 19-digit cards and dots): all of them must pass the Luhn check.
CARD_PATTERNS = (
    r"\b[2-6]\d{12,18}\b",  # no separators
    r"\b[2-6]\d{3}([ .-])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?\b",  # 4-4-4-4(-3)
    r"\b3\d{3}([ .-])\d{6}\1\d{4,5}\b",  # American Express 4-6-5, Diners 4-6-4
)


def card_recognizer(presidio_only: bool):
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
def lean_import() -> Iterator[None]:
    finder = _NotForThinc()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
