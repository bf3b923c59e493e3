"""Precision and recall of the personal-data redactor on planted and decoy data.

    python -m benchmarks.pii

Reads `tests/data/pii_messages.yml` (customer chat lines with planted card numbers, card
expiry dates and security codes, IBANs, phone numbers, passwords and PINs, and emails, and
decoys that must stay: order numbers, prices, model numbers, tracking numbers, dates,
postcodes, Luhn-invalid 16-digit numbers, plug pins, talk about passwords), then the two
held-out sets. A find counts as right when it overlaps a planted item of the same kind;
every other find is a false positive, every planted item nobody found a miss. Also reports
the planted items found whole (a passphrase of which one word is left is not), decoy
messages left intact and the time per message.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.privacy.redact import Redactor
from bot.privacy.spans import LABELS, Span

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
DEVELOPMENT = DATA / "pii_messages.yml"  # the redactor's rules were written against these
HELD_OUT = DATA / "pii_messages_heldout.yml"  # written after the rules were fixed
# Written before the rules for expiry dates, security codes, PINs and passphrases were fixed.
HELD_OUT_2 = DATA / "pii_messages_heldout2.yml"


@dataclass(frozen=True)
class Message:
    text: str
    planted: tuple[Span, ...]


def load_messages(path: Path = DEVELOPMENT) -> list[Message]:
    """The test set, each planted item located in its message (its first occurrence)."""
    messages = []
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        text, planted = entry["text"], []
        for item in entry["pii"]:
            start = text.index(item["text"])
            planted.append(Span(start, start + len(item["text"]), item["label"]))
        messages.append(Message(text, tuple(planted)))
    return messages


def _overlap(a: Span, b: Span) -> bool:
    return a.label == b.label and a.start < b.end and b.start < a.end


@dataclass
class Scores:
    true_positives: Counter
    false_positives: Counter
    misses: Counter
    whole: Counter  # planted items that finds of their kind cover entirely
    decoys_intact: int
    decoys: int
    ms_per_message: float
    errors: list[str]

    def precision(self, label: str | None = None) -> float:
        tp, fp = self._sum(self.true_positives, label), self._sum(self.false_positives, label)
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, label: str | None = None) -> float:
        tp, fn = self._sum(self.true_positives, label), self._sum(self.misses, label)
        return tp / (tp + fn) if tp + fn else 1.0

    @staticmethod
    def _sum(counts: Counter, label: str | None) -> int:
        return counts[label] if label else sum(counts.values())


def score(redactor: Redactor, messages: list[Message]) -> Scores:
    tp, fp, fn, whole = Counter(), Counter(), Counter(), Counter()
    errors: list[str] = []
    decoys_intact = 0
    start = time.perf_counter()
    for message in messages:
        found = redactor.find(message.text)
        for span in found:
            if any(_overlap(span, p) for p in message.planted):
                tp[span.label] += 1
            else:
                fp[span.label] += 1
                errors.append(f"false {span.label}: {message.text[span.start : span.end]!r}")
        for planted in message.planted:
            said = message.text[planted.start : planted.end]
            if not any(_overlap(planted, s) for s in found):
                fn[planted.label] += 1
                errors.append(f"missed {planted.label}: {said!r}")
            elif _covered(planted, found):
                whole[planted.label] += 1
            else:
                errors.append(f"found only in part {planted.label}: {said!r}")
        decoys_intact += not message.planted and not found
    elapsed = time.perf_counter() - start
    decoys = sum(not m.planted for m in messages)
    ms = 1000 * elapsed / len(messages)
    return Scores(tp, fp, fn, whole, decoys_intact, decoys, ms, errors)


def _covered(planted: Span, found: list[Span]) -> bool:
    """Whether finds of `planted`'s kind cover every character of it."""
    return all(
        any(s.label == planted.label and s.start <= i < s.end for s in found)
        for i in range(planted.start, planted.end)
    )


def table(scores: Scores) -> str:
    lines = [
        "| kind | planted | found right | found whole | false finds | precision | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in (*LABELS, None):
        planted = scores._sum(scores.true_positives, label) + scores._sum(scores.misses, label)
        lines.append(
            f"| {label or 'all'} | {planted} | {scores._sum(scores.true_positives, label)} | "
            f"{scores._sum(scores.whole, label)} | "
            f"{scores._sum(scores.false_positives, label)} | {scores.precision(label):.3f} | "
            f"{scores.recall(label):.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    configurations = {
        "csbot": Redactor(),
        "Presidio's recognizers as shipped": Redactor(presidio_only=True),
    }
    for redactor in configurations.values():
        redactor.find("warm up: 4111 1111 1111 1111, +44 7911 123456")
    for path in (DEVELOPMENT, HELD_OUT, HELD_OUT_2):
        messages = load_messages(path)
        decoys = sum(not m.planted for m in messages)
        print(f"\n## {path.name}: {len(messages)} messages, {decoys} decoys")
        for name, redactor in configurations.items():
            scores = score(redactor, messages)
            print(
                f"\n{name}: decoy messages left intact {scores.decoys_intact}/{decoys}, "
                f"{scores.ms_per_message:.2f} ms per message\n"
            )
            print(table(scores))
            for error in scores.errors:
                print("  ", error)


if __name__ == "__main__":
    main()
