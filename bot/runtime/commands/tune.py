"""`csbot tune`: fit the pack's FAQ thresholds to its held-out phrasings and say, in a shop
owner's words, what the bot would do before and after. The fitting is knowledge/tuning.py's;
this prints it and writes thresholds.yml, only once everything has worked."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime.commands.shop import DRY_RUN, PACK_ARGUMENT
from bot.runtime.commands.spec import Command
from bot.runtime.settings import Settings

if TYPE_CHECKING:
    from knowledge.calibration import Figures
    from knowledge.tuning import Tuning


def _share(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.0%})" if whole else str(part)


def _rows(figures: Figures) -> tuple[str, ...]:
    asked = figures.questions
    return (
        _share(figures.answered_right, asked),
        _share(figures.answered_wrong, asked),
        _share(figures.clarified, asked),
        _share(figures.escalated, asked),
        f"{figures.off_topic_escalated} of {figures.off_topic}",
    )


ROWS = (
    "answered with the right answer",
    "answered with a wrong answer",
    "offered a choice of answers",
    "handed to a person",
    "off-topic questions handed to a person",
)
THRESHOLD_ROWS = (
    ("answer when at least this sure", "answer"),
    ("... and this far ahead of the next", "margin"),
    ("offer choices when at least this close", "clarify"),
)


def report(tuning: Tuning) -> str:
    """Before and after side by side, every figure a count of the held-out questions."""
    width = max(map(len, ROWS)) + 2
    lines = [
        f"Asked {tuning.now.questions} held-out questions from {tuning.faqs} FAQs, "
        f"and {tuning.now.off_topic} off-topic ones:",
        "",
        f"  {'':<{width}}{'before':>12}{'after':>12}",
    ]
    for label, was, now in zip(ROWS, _rows(tuning.was), _rows(tuning.now), strict=True):
        lines.append(f"  {label:<{width}}{was:>12}{now:>12}")
    lines.append("")
    for label, key in THRESHOLD_ROWS:
        was, now = getattr(tuning.before, key), getattr(tuning.after, key)
        lines.append(f"  {label:<{width}}{was:>12.3f}{now:>12.3f}")
    lines += [
        "",
        "These are the questions the new thresholds were fitted to: expect a little less",
        "on questions customers have not asked yet.",
    ]
    return "\n".join(lines)


def cmd_tune(settings: Settings, args: argparse.Namespace) -> int:
    """Exit status 1, one line on standard error and nothing written, when the pack cannot be
    tuned (too few held-out phrasings, a broken FAQ or policy file)."""
    from bot.pack.load import PackInvalid, load_pack
    from bot.runtime.setup import workbench_sources
    from knowledge.answers import Thresholds
    from knowledge.embeddings import MiniLMEncoder
    from knowledge.errors import KnowledgeError
    from knowledge.sources import Sources
    from knowledge.tuning import tune

    root = Path(args.pack).resolve() if args.pack else settings.shop_dir
    sources = Sources.of_pack(root) if args.pack else workbench_sources(settings)
    target = root / "thresholds.yml"
    try:
        pack = load_pack(root)
        current = Thresholds.load(target)
        tuning = tune(sources, current, MiniLMEncoder(), pack.shop_names)
    except PackInvalid:
        print(f"csbot tune: {root} is not a usable pack (`csbot check` says why)", file=sys.stderr)
        return 1
    except KnowledgeError as exc:
        print(f"csbot tune: {exc} (nothing written)", file=sys.stderr)
        return 1
    print(report(tuning))
    if args.dry_run:
        print(f"Dry run: {target} left as it is.")
        return 0
    tuning.after.save(target, tuning.header(date.today()))
    print(f"Wrote {target}: the action server uses it from its next start.")
    return 0


TUNE = Command(
    "tune",
    "fit the pack's FAQ answer thresholds to its held-out phrasings; write thresholds.yml",
    cmd_tune,
    arguments=(PACK_ARGUMENT, DRY_RUN),
)
