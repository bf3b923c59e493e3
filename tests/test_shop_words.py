"""Nothing about a shop lives in code: a pack's words found outside its pack fail here.

For every pack under shops/, its name, contact details, loyalty scheme, brands and category
slugs, plus any price formatted with a currency symbol in code, an order-number pattern or
a period a policy promises ("kept for 7 years"), are looked for in csbot's Python string literals (docstrings and comments may use examples),
in the web app's JavaScript, CSS and templates, and in config.yml. A brand that is also an
everyday English word ("Ring", "Shark", "Keen") is looked for as capitalised (the word "ring"
is not a leak); one of two letters ("On", "GE") cannot be told from text and is not.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.nlu.entity_rules import english_words
from bot.pack.load import load_pack
from bot.pack.locate import PROJECT_ROOT, SHOPS_DIR
from knowledge.catalogue import load_categories, load_products

PACKS = sorted(p for p in SHOPS_DIR.iterdir() if (p / "shop.yml").is_file())
CODE_DIRS = ("bot", "actions", "knowledge")
WEB_FILES = ("bot/web/static", "bot/web/templates")
# A price formatted with a symbol ("${total:.2f}", "{price:g}€") or an order-number pattern
# written into code rather than taken from the pack.
FORMATS = re.compile(r"[$€£]\{[^}]*:[^}]*\}|\{[^}]*:[^}]*\}[$€£]|1\\d\{5\}|1\[0-9\]\{5\}")


def shop_words(root: Path) -> tuple[set[str], set[str]]:
    """The words that give the shop away: (in any case, only as capitalised)."""
    pack = load_pack(root)
    shop = yaml.safe_load((root / "shop.yml").read_text())
    anywhere = {pack.name, pack.short_name, pack.contact.email, pack.contact.phone}
    anywhere.add(pack.contact.email.split("@")[1].split(".")[0])  # the domain's name
    anywhere.add((shop.get("loyalty") or {}).get("name", ""))
    anywhere |= set(load_categories(pack.categories))
    brands = {p.brand for p in load_products(pack.catalogue) if len(p.brand) > 2}
    capitalised = {b for b in brands if b.lower() in english_words()}
    anywhere |= brands - capitalised
    return {w for w in anywhere if w}, capitalised


def _matcher(words: set[str], capitalised: set[str] = frozenset()) -> re.Pattern[str]:
    def alternatives(group: set[str]) -> str:
        return "|".join(sorted(map(re.escape, group), key=len, reverse=True)) or "(?!)"

    return re.compile(
        rf"(?<![\w-])(?:(?i:{alternatives(words)})|{alternatives(capitalised)})(?![\w-])"
    )


def python_strings(path: Path) -> Iterator[tuple[int, str]]:
    """String literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.lineno, node.value


def code_files() -> Iterator[Path]:
    for folder in CODE_DIRS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def web_files() -> Iterator[Path]:
    for folder in WEB_FILES:
        yield from sorted(p for p in (PROJECT_ROOT / folder).rglob("*") if p.is_file())
    yield PROJECT_ROOT / "config.yml"


@pytest.mark.parametrize("root", PACKS, ids=lambda p: p.name)
def test_no_pack_word_outside_its_pack(root: Path) -> None:
    leak = _matcher(*shop_words(root))
    found = []
    for path in code_files():
        for line, text in python_strings(path):
            found += [f"{path.relative_to(PROJECT_ROOT)}:{line}: {m}" for m in leak.findall(text)]
    for path in web_files():
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            hits = leak.findall(text)
            found += [f"{path.relative_to(PROJECT_ROOT)}:{line}: {m}" for m in hits]
    assert not found, "shop facts outside the pack:\n" + "\n".join(found)


def test_no_money_or_order_number_format_in_code() -> None:
    found = []
    for path in code_files():
        for line, text in python_strings(path):
            if FORMATS.search(text):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {text.strip()}")
    for path in web_files():
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if FORMATS.search(text):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {text.strip()}")
    assert not found, "format the pack's way (bot.pack.formats):\n" + "\n".join(found)


# A period promised to customers ("within 30 days", "kept for 7 years", "a 14-day window") is a
# policy of the shop's, from its pack. The platforms' own rules are not.
PERIOD = re.compile(
    r"\b\d+(?:[ -](?:working|business|calendar))?[ -](?:days?|weeks?|months?|years?)\b", re.I
)
NOT_A_SHOPS_POLICY = ("Messenger delivers", "before --to")


def test_no_policy_period_in_code() -> None:
    found = []
    for path in code_files():
        for line, text in python_strings(path):
            if PERIOD.search(text) and not any(n in text for n in NOT_A_SHOPS_POLICY):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {text.strip()}")
    for path in [*web_files(), PROJECT_ROOT / "domain.yml"]:
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if PERIOD.search(text):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {text.strip()}")
    assert not found, "a policy's period belongs in the pack (shop.yml):\n" + "\n".join(found)


def test_the_check_sees_a_planted_leak(tmp_path: Path) -> None:
    """The scan itself works: a shop name, a brand and a dollar format are all caught."""
    leak = _matcher(*shop_words(SHOPS_DIR / "kettle-and-volt"))
    planted = tmp_path / "planted.py"
    planted.write_text(
        'NAME = "Welcome to Kettle & Volt"\nPRICE = f"${1:.2f}"\nB = "Breville or Sony"\n'
        'OK = "ring me about the shark"\n'
    )
    hits = [m for _, text in python_strings(planted) for m in leak.findall(text)]
    assert sorted(h.lower() for h in hits) == ["breville", "kettle & volt", "sony"]
    assert FORMATS.search(planted.read_text())
    assert PERIOD.search("Invoices must legally be kept for 7 years")
    assert PERIOD.search("a 14-day return window") and not PERIOD.search("14 items")


def nlu_examples() -> list[str]:
    """Every NLU training example, its entity mark-up removed ("[tent](x)" -> "tent")."""
    examples = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in (item.get("examples") or "").splitlines():
                if line.startswith("- "):
                    examples.append(re.sub(r"\[([^\]]*)\]\([a-z_]+\)", r"\1", line[2:]))
    return examples


# The training data is about shopping in general: a demo shop's brands and categories may
# appear, as any shop's do, but neither shop's may fill it (today each is under 5%).
MOST_OF_ONE_SHOP = 0.08


@pytest.mark.parametrize("root", PACKS, ids=lambda p: p.name)
def test_the_nlu_data_is_not_one_shops(root: Path) -> None:
    pack = load_pack(root)
    examples = nlu_examples()
    own = _matcher({pack.name, pack.short_name, pack.contact.email, pack.contact.phone})
    assert not [e for e in examples if own.search(e)], "the shop's name in data/nlu"
    words = _matcher(*shop_words(root))
    share = sum(bool(words.search(e)) for e in examples) / len(examples)
    assert share <= MOST_OF_ONE_SHOP, f"{share:.0%} of data/nlu names {pack.name}'s catalogue"
