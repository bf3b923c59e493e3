"""No regular expression that reads customer or platform text can backtrack catastrophically.

One nested quantifier in the courtesy check took seconds per 29-character message and, since
Python's `re` holds the GIL, froze the whole web app. Two checks keep the class of bug out:

- static: every pattern csbot applies to text (literals in its source, compiled patterns its
  modules hold, the redaction stack's recognizers, the regex features in data/nlu) goes
  through two published ReDoS detectors, regexploit and dlint's, which catch different
  shapes (each misses one the other finds);
- dynamic: in a child process with a deadline, every such pattern and every text function
  reads the adversarial texts of `tests/adversarial.py` (this also catches what both
  detectors miss, such as overlapping alternatives under a star, `(a|a)*`) (the live-stack version, with the
  web app's health polled meanwhile, is in `test_redos_stack.py`).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "actions", "knowledge")
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "split", "sub"}


@dataclass(frozen=True)
class FoundPattern:
    pattern: str
    flags: int
    where: str


def _source_patterns() -> list[FoundPattern]:
    """String literals passed to `re.<function>` (or `regex.<function>`) in csbot's code."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in RE_FUNCTIONS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"re", "regex"}
                    and node.args
                ):
                    literal = _literal(node.args[0])
                    if literal is not None:
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        found.append(FoundPattern(literal, 0, where))
    return found


def _literal(node: ast.expr) -> str | None:
    """The text of a string literal, also of adjacent/concatenated literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None or right is None else left + right
    return None


def _module_patterns() -> list[FoundPattern]:
    """Compiled patterns csbot's modules hold (also those built at import from data), and
    the patterns of the redaction stack's recognizers."""
    found = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names = [package] + [
            info.name
            for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}.")
            if ".migrations" not in info.name
        ]
        for name in names:
            for owner_name, value in _values(importlib.import_module(name)):
                for pattern in _patterns_in(value):
                    where = f"{name}.{owner_name}"
                    found.append(FoundPattern(pattern.pattern, pattern.flags, where))
    return found + _redaction_patterns()


def _values(module):
    for name, value in vars(module).items():
        if isinstance(value, type) and value.__module__ == module.__name__:
            yield from ((f"{name}.{attr}", v) for attr, v in vars(value).items())
        else:
            yield name, value


def _patterns_in(value) -> list[re.Pattern]:
    if isinstance(value, re.Pattern):
        return [value] if isinstance(value.pattern, str) else []
    if isinstance(value, (list, tuple, frozenset, set)):
        return [item for item in value if isinstance(item, re.Pattern)]
    if isinstance(value, dict):
        return [item for item in value.values() if isinstance(item, re.Pattern)]
    return []


def _redaction_patterns() -> list[FoundPattern]:
    from bot.privacy.redact import default_redactor

    redactor = default_redactor()
    found = []
    for name, value in vars(redactor).items():
        recognizers = value if isinstance(value, (list, tuple)) else [value]
        for recognizer in recognizers:
            for pattern in getattr(recognizer, "patterns", None) or []:
                found.append(FoundPattern(pattern.regex, re.IGNORECASE, f"redactor.{name}"))
    return found


def _nlu_patterns() -> list[FoundPattern]:
    """The `regex:` entries of data/nlu, which Rasa's RegexFeaturizer applies to messages."""
    found = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(entry.get("examples", "")).splitlines() if "regex" in entry else []:
                pattern = line.strip().removeprefix("- ").strip()
                if pattern:
                    found.append(FoundPattern(pattern, 0, f"{path.name}:{entry['regex']}"))
    return found


def all_patterns() -> list[FoundPattern]:
    unique: dict[tuple[str, int], FoundPattern] = {}
    for found in _source_patterns() + _module_patterns() + _nlu_patterns():
        unique.setdefault((found.pattern, found.flags), found)
    return list(unique.values())


def catastrophic(pattern: str, flags: int = 0) -> list[str]:
    """What the two detectors say about `pattern` (empty: neither finds a problem)."""
    from dlint.redos.detect import catastrophic as dlint_catastrophic
    from regexploit.ast.sre import SreOpParser
    from regexploit.redos import find

    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dlint_catastrophic(pattern):
            problems.append("dlint: nested or overlapping repetition")
        for redos in find(SreOpParser().parse_sre(pattern, flags)):
            if redos.starriness > 2:  # regexploit's own threshold: cubic or worse
                problems.append(f"regexploit: starriness {redos.starriness}, {redos}")
    return problems


def test_the_detectors_catch_the_pattern_that_froze_the_web_app():
    """The courtesy pattern of b37860f, and the textbook shapes: if a detector upgrade stops
    seeing them, this check is worth nothing."""
    froze = (
        r"(?:thanks?|thank you|thx|ty|cheers|ok(?:ay)?|great|perfect|cool|bye|goodbye|"
        r"have a (?:good|nice) (?:day|one)|you too|much appreciated|[\s!.,:)]+)+"
    )
    for pattern in (froze, r"(\w+\s?)+$", r"(a+)+b", r"(\d+)*x", r"\d+\d+\d+x"):
        assert catastrophic(pattern, re.IGNORECASE), pattern
    for pattern in (r"\border\s*#?\s*(\d{6})\b", r"[a-z]+@[a-z]+\.[a-z]{2,}", r"\s+"):
        assert not catastrophic(pattern), pattern


def test_the_scan_sees_every_kind_of_pattern():
    wheres = [found.where for found in all_patterns()]
    assert any(w.startswith("bot/") and ".py:" in w for w in wheres)  # literals in source
    assert any(w.startswith("redactor.") for w in wheres)  # Presidio's recognizers
    assert len(wheres) > 40


def test_no_pattern_applied_to_text_can_backtrack_catastrophically():
    flagged = {
        f"{found.where}: {found.pattern!r}": problems
        for found in all_patterns()
        if (problems := catastrophic(found.pattern, found.flags))
    }
    assert not flagged, "ReDoS-prone patterns:\n" + "\n".join(
        f"  {where}\n    {'; '.join(problems)}" for where, problems in flagged.items()
    )


# Runs in a child process: `re` holds the GIL, so a runaway match cannot be interrupted from
# a thread of the test itself; the child is killed at the deadline instead.
_RUN_EVERYTHING = """
import sys
sys.path.insert(0, {root!r})
from tests.adversarial import adversarial_texts
from tests.test_redos import all_patterns, text_functions
import re
texts = adversarial_texts()
for found in all_patterns():
    compiled = re.compile(found.pattern, found.flags)
    for text in texts:
        compiled.search(text)
        compiled.sub("", text)
for name, function in text_functions():
    for text in texts:
        function(text)
print("done", flush=True)
"""


def text_functions():
    """csbot's functions that read a customer's message, as text -> anything."""
    from bot.conversations.search import fts5_query
    from bot.nlu.account_security import disowns_account_activity
    from bot.nlu.order_requests import order_request
    from bot.nlu.other_shops import from_another_shop
    from bot.nlu.person_request import asks_for_person
    from bot.nlu.sentiment import negativity, threatens_action
    from bot.privacy.redact import redact
    from bot.support.tickets import asks_for_more
    from tests.packs import KV

    return [
        ("asks_for_more", asks_for_more),
        ("redact", redact),
        ("negativity", negativity),
        ("threatens_action", threatens_action),
        ("order_request", lambda text: order_request(text, None, KV.order_numbers.regex)),
        ("from_another_shop", from_another_shop),
        ("asks_for_person", asks_for_person),
        ("disowns_account_activity", disowns_account_activity),
        ("fts5_query", fts5_query),
    ]


@pytest.mark.slow  # imports all of csbot twice and runs ~5,000 matches: a minute or more
def test_every_pattern_and_text_function_finishes_on_adversarial_texts():
    """Each shape of tests/adversarial.py, at 45 and 10,000 characters, through every pattern
    and function; the deadline is generous (minutes), a catastrophic pattern needs centuries."""
    script = _RUN_EVERYTHING.format(root=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0 and "done" in result.stdout, result.stderr[-3000:]
