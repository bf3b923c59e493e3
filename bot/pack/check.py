"""Check a whole shop pack: `shop.yml` and every file beside it, all problems at once.

`csbot check` prints what this returns; `csbot run` refuses a pack with problems. Each check
reuses the loader csbot itself runs (so what passes here loads in production) and turns its
error into a problem with file and line, then adds the cross-file checks no single loader can
make: every product's category is declared, every spec word names a spec some product has,
a demo pack's demo.yml fits its order numbers and catalogue, every labelled ticket has a
category of tickets.yml and each category has enough of them to learn from.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.pack.load import PackInvalid, PackProblem, load_pack
from bot.pack.locate import PROJECT_ROOT
from bot.pack.responses import (
    RESPONSES_FILE,
    ResponsesInvalid,
    load_responses,
    response_sources,
)
from bot.pack.tickets import check_examples
from bot.shop.demo_data.load import load_demo
from knowledge.answers import Thresholds
from knowledge.catalogue import load_categories, load_products, load_spec_words
from knowledge.errors import KnowledgeError
from knowledge.faq import load_faqs
from knowledge.policies import load_passages

# Loaders name the line as "<path>, line N: ..." or "<path>:N: ..."
LINE = re.compile(r"(?:, line |:)([0-9]{1,7})[:,]? ")


def _problem(path: Path, exc: Exception) -> PackProblem:
    text = str(exc)
    found = LINE.search(text)
    line = int(found.group(1)) if found else 0
    message = text.split(": ", 1)[1] if text.startswith(str(path)) and ": " in text else text
    return PackProblem(path, line, message)


def _attempt(path: Path, load: Callable[[], object]) -> tuple[object | None, list[PackProblem]]:
    try:
        return load(), []
    except (KnowledgeError, OSError, ValueError, ResponsesInvalid) as exc:
        return None, [_problem(path, exc)]


def _line_of(path: Path, text: str) -> int:
    """The first line of `path` holding `text` (0: none)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((n for n, line in enumerate(lines, 1) if text in line), 0)


def _catalogue_facts(path: Path) -> tuple[set[str], set[str]]:
    """Categories and spec keys of every row, read leniently: the cross-file checks still run
    when one row is broken (that row's own problem is reported by the loader)."""
    categories: set[str] = set()
    keys: set[str] = set()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                categories.add((row.get("category") or "").strip())
                for part in (row.get("specs") or "").split(";"):
                    keys.add(part.partition("=")[0].strip())
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    return categories - {""}, keys - {""}


def domain_responses() -> set[str]:
    """The names of the domain's responses: the only ones a pack may reword."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return set(domain.get("responses") or {})


def check_pack(root: Path) -> list[PackProblem]:
    """Every problem in the pack at `root`; an empty list means csbot can serve it."""
    problems: list[PackProblem] = []
    try:
        load_pack(root)
    except PackInvalid as invalid:
        problems += invalid.problems
    catalogue, categories = root / "products.csv", root / "categories.yml"
    problems += _attempt(catalogue, lambda: load_products(catalogue))[1]
    used, keys = _catalogue_facts(catalogue)
    declared, found = _attempt(categories, lambda: load_categories(categories))
    problems += found
    spec_words, found = _attempt(categories, lambda: load_spec_words(categories))
    problems += found
    answers: set[str] = set()  # the doc ids of every FAQ entry and policy section
    for folder, load, kind in (("faq", load_faqs, "faq"), ("policies", load_passages, "policy")):
        path = root / folder
        if not path.is_dir():
            problems.append(PackProblem(path, 0, f"no {folder}/ folder"))
            continue
        loaded, found = _attempt(path, lambda load=load, path=path: load(path))
        problems += found
        if loaded == []:
            problems.append(PackProblem(path, 0, f"{folder}/ holds nothing csbot can read"))
        answers |= {f"{kind}:{item.id}" for item in loaded or ()}
    demo = root / "demo.yml"
    if demo.exists() and not problems:  # its checks assume a sound shop.yml and catalogue
        try:
            load_demo(root)
        except PackInvalid as invalid:
            problems += invalid.problems
    responses = root / RESPONSES_FILE
    worded, found = _attempt(responses, lambda: load_responses(responses, domain_responses()))
    problems += found
    for name, source in response_sources(worded or {}).items():
        if answers and source not in answers:
            problems.append(
                PackProblem(
                    responses,
                    _line_of(responses, source),
                    f"{name}: source {source!r} is no FAQ entry or policy section",
                )
            )
    problems += check_examples(root)
    thresholds = root / "thresholds.yml"
    if thresholds.exists():
        problems += _attempt(thresholds, lambda: Thresholds.load(thresholds))[1]
    if declared is not None:
        for category in sorted(used - set(declared)):
            problems.append(
                PackProblem(catalogue, 0, f"category {category!r} is not in categories.yml")
            )
    if spec_words:
        for word in spec_words.values():
            if not set(word.keys) & keys:
                problems.append(
                    PackProblem(
                        categories, 0, f"spec word {word.word!r}: no product has {word.keys}"
                    )
                )
    return problems
