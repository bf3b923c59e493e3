"""Read and validate a pack's ticket categories (`tickets.yml`) and labelled tickets
(`tickets/*.csv`), every problem with file and line.

An escalated conversation becomes a ticket with a category, which names the queue (the team)
that works it. What those categories are is the shop's business: an appliance shop has
installations, an outdoor-clothing shop has sizing and repairs. So the pack says them, with
the labelled examples the classifier learns them from. A pack without `tickets.yml` gets
csbot's shop-neutral set: the template's (bot/pack/template/), which `csbot init` also copies
into every new pack, so an owner starts from the same file they would otherwise be given.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from bot import csv_cells
from bot.pack.model import PRIORITIES, TicketCategory, TicketSettings
from bot.pack.problems import PackInvalid, PackProblem

TICKETS_FILE = "tickets.yml"
EXAMPLES_DIR = "tickets"
DEFAULTS = Path(__file__).with_name("template")  # csbot's shop-neutral tickets.yml and tickets/
COLUMNS = ("text", "category", "priority")
# Queue names are agents' skills (`csbot agents add --skills orders,billing`): no commas or
# spaces. Category slugs are stored on every ticket and shown in the console.
SLUG = re.compile(r"[a-z][a-z0-9_-]{0,39}")
KEYS = ("queues", "categories", "unclassified", "security")
SLUG_RULE = "use lowercase letters, digits, _ or - (at most 40), starting with a letter"
DEFAULT_ROUTES = {"unclassified": "complaint", "security": "account"}
ROUTE_HELP = {
    "unclassified": "name the category of tickets no classifier labelled (agents triage them)",
    "security": "name the category of a taken-over account (its tickets are urgent)",
}
MAX_DESCRIPTION = 200  # one line beside a category in the console
# The classifier is trained on 80% of the examples and scored on the other 20% (stratified
# by category): with 15 a category keeps 12 to learn from and 3 held out, about the least
# from which MiniLM + logistic regression learns a category at all (fewer, and its rare
# classes are simply never predicted) and a held-out score means anything. 25 or more is
# better; the demo packs have 30 to 98.
MIN_EXAMPLES = 15


@dataclass(frozen=True)
class LabelledTicket:
    """One labelled example: what a customer wrote, and how it should have been sorted."""

    text: str
    category: str
    priority: str


def _line(node: Any, key: Any = None) -> int:
    """The 1-based line of `node[key]` (or of `node`) in the file ruamel read; 0 if unknown."""
    try:
        if isinstance(node, CommentedMap) and key in node:
            return node.lc.key(key)[0] + 1
        if isinstance(node, CommentedSeq) and isinstance(key, int):
            return node.lc.item(key)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 0


def _description(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text")
    if len(value) > MAX_DESCRIPTION:
        raise ValueError(f"keep it to one line ({MAX_DESCRIPTION} characters)")
    return " ".join(value.split())


class _TicketsReader:
    """Walks tickets.yml, collecting every problem with its line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[PackProblem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(PackProblem(self.path, line, message))

    def queues(self, doc: CommentedMap) -> list[tuple[str, str]]:
        """(category, queue) pairs, each category once, in the file's order."""
        raw = doc.get("queues")
        if not isinstance(raw, CommentedMap) or not raw:
            self.problem(_line(doc, "queues"), "`queues` must map each queue to its categories")
            return []
        pairs: list[tuple[str, str]] = []
        queue_of: dict[str, str] = {}
        for queue, categories in raw.items():
            if not SLUG.fullmatch(str(queue)):
                self.problem(_line(raw, queue), f"queue {queue!r}: {SLUG_RULE}")
            if not isinstance(categories, CommentedSeq):
                self.problem(_line(raw, queue), f"queue {queue!r} must list its categories: [a, b]")
                continue
            if not categories:
                self.problem(_line(raw, queue), f"queue {queue!r} has no category")
                continue
            for i, category in enumerate(categories):
                line = _line(categories, i)
                category = str(category)
                if not SLUG.fullmatch(category):
                    self.problem(line, f"category {category!r}: {SLUG_RULE}")
                elif category in queue_of:
                    self.problem(
                        line,
                        f"category {category!r} is in queues {queue_of[category]!r} and "
                        f"{queue!r}: a category belongs to one queue",
                    )
                else:
                    queue_of[category] = str(queue)
                    pairs.append((category, str(queue)))
        return pairs

    def descriptions(self, doc: CommentedMap, known: Collection[str]) -> dict[str, str]:
        raw = doc.get("categories")
        if raw is None:
            return {}
        if not isinstance(raw, CommentedMap):
            self.problem(_line(doc, "categories"), "`categories` must map a category to a line")
            return {}
        out = {}
        for category, description in raw.items():
            if str(category) not in known:
                self.problem(_line(raw, category), f"category {category!r} is in no queue")
                continue
            try:
                out[str(category)] = _description(description)
            except ValueError as exc:
                self.problem(_line(raw, category), f"category {category!r}: {exc}")
        return out

    def route(self, doc: CommentedMap, key: str, known: Collection[str]) -> str:
        """`unclassified` or `security`: a category of the file, by default the usual one."""
        value = str(doc.get(key) or DEFAULT_ROUTES[key])
        if value not in known and known:
            where = f"`{key}`: {value!r} is in no queue" if key in doc else f"`{key}` is missing"
            self.problem(_line(doc, key) if key in doc else 1, f"{where}; {ROUTE_HELP[key]}")
        return value


def _parse(path: Path) -> tuple[CommentedMap | None, list[PackProblem]]:
    try:
        doc = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [PackProblem(path, mark.line + 1 if mark else 0, f"not valid YAML: {exc}")]
    if not isinstance(doc, CommentedMap):
        return None, [PackProblem(path, 1, f"{path.name} must be a mapping (queues: ...)")]
    return doc, []


def read_ticket_settings(root: Path) -> tuple[TicketSettings | None, list[PackProblem]]:
    """The pack's ticket settings (csbot's default set when it has no tickets.yml), or None
    with every problem of the file."""
    source = root / TICKETS_FILE
    if not source.is_file():
        source = DEFAULTS / TICKETS_FILE
    doc, problems = _parse(source)
    if doc is None:
        return None, problems
    r = _TicketsReader(source)
    for key in doc:
        if key not in KEYS:
            r.problem(_line(doc, key), f"`{key}` is not a setting here ({', '.join(KEYS)})")
    pairs = r.queues(doc)
    known = [category for category, _ in pairs]
    descriptions = r.descriptions(doc, known)
    unclassified, security = (r.route(doc, key, known) for key in ("unclassified", "security"))
    if r.problems:
        return None, r.problems
    categories = tuple(TicketCategory(c, q, descriptions.get(c, "")) for c, q in pairs)
    examples = source.parent / EXAMPLES_DIR
    return TicketSettings(categories, examples, source, unclassified, security), []


def read_examples(
    folder: Path, categories: Collection[str] | None = None
) -> tuple[list[LabelledTicket], list[PackProblem]]:
    """Every labelled ticket in `folder`/*.csv (file order, then row order) and every bad
    row, with the line it starts on; `categories` None accepts any category name."""
    tickets: list[LabelledTicket] = []
    problems: list[PackProblem] = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        found, bad = read_examples_file(path, categories)
        tickets += found
        problems += bad
    return tickets, problems


def read_examples_file(
    path: Path, categories: Collection[str] | None
) -> tuple[list[LabelledTicket], list[PackProblem]]:
    """One CSV of labelled tickets: the good rows, and a problem for each bad one."""
    tickets: list[LabelledTicket] = []
    problems: list[PackProblem] = []
    allowed = f"one of {', '.join(categories)}" if categories is not None else ""
    start = 2
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not set(COLUMNS) <= set(reader.fieldnames or ()):
                return [], [PackProblem(path, 1, "the first line must be text,category,priority")]
            for row in reader:
                text = csv_cells.restore((row.get("text") or "").strip())
                category = (row.get("category") or "").strip()
                priority = (row.get("priority") or "").strip()
                wrong = []
                if not text:
                    wrong.append("has no text")
                if categories is not None and category not in categories:
                    wrong.append(f"category {category!r} is not in tickets.yml ({allowed})")
                elif not category:
                    wrong.append("has no category")
                if priority not in PRIORITIES:
                    wrong.append(f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
                if wrong:
                    problems.append(PackProblem(path, start, "; ".join(wrong)))
                else:
                    tickets.append(LabelledTicket(text, category, priority))
                start = reader.line_num + 1
    except UnicodeDecodeError:
        problems.append(PackProblem(path, 0, "not UTF-8 text"))
    except csv.Error as exc:
        problems.append(PackProblem(path, start, f"not valid CSV: {exc}"))
    return tickets, problems


def load_examples(tickets: TicketSettings) -> list[LabelledTicket]:
    """The labelled tickets of the shop's categories, or PackInvalid with every bad row."""
    found, problems = read_examples(tickets.examples, tickets.names)
    if problems:
        raise PackInvalid(problems)
    return found


def check_examples(root: Path) -> list[PackProblem]:
    """What stops the classifier from learning the pack's categories: bad rows, a category
    with fewer than MIN_EXAMPLES examples, a single priority, examples csbot would ignore.
    tickets.yml's own problems are load_pack's (this returns none while it has any)."""
    tickets, _ = read_ticket_settings(root)
    if tickets is None:
        return []
    folder = tickets.examples
    stray = root / EXAMPLES_DIR
    if tickets.source.parent != root and stray.is_dir() and any(stray.glob("*.csv")):
        return [
            PackProblem(
                stray,
                0,
                f"labelled tickets but no {TICKETS_FILE}: add one that names their "
                "categories (csbot init writes an example), or csbot ignores them",
            )
        ]
    if not folder.is_dir():
        return [PackProblem(folder, 0, f"no {EXAMPLES_DIR}/ folder of labelled tickets")]
    found, problems = read_examples(folder, tickets.names)
    counts = Counter(t.category for t in found)
    for category in tickets.names:
        if counts[category] < MIN_EXAMPLES:
            problems.append(
                PackProblem(
                    folder,
                    0,
                    f"category {category!r} has {counts[category]} labelled "
                    f"ticket(s); the classifier needs at least {MIN_EXAMPLES} (25+ is better)",
                )
            )
    if found and len({t.priority for t in found}) < 2:
        problems.append(
            PackProblem(
                folder,
                0,
                "every labelled ticket has the same priority: label some "
                f"with the others ({', '.join(PRIORITIES)})",
            )
        )
    return problems
