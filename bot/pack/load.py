"""Read and validate a shop pack's `shop.yml` (and its `tickets.yml`, through
`bot.pack.tickets`), reporting every problem with file and line.

A shop owner edits `shop.yml` by hand. csbot validates it once at start and refuses to run on
a broken pack (fail closed), listing every problem at once rather than the first, each with
the line to fix: `csbot check` prints the same list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from bot.pack.model import (
    DAYS,
    Contact,
    Hours,
    Opening,
    OrderNumbers,
    PrivacyTerms,
    ReturnPolicy,
    ReturnRule,
    ShippingRegion,
    ShopPack,
    Theme,
)
from bot.pack.problems import PackInvalid, PackProblem
from bot.pack.tickets import read_ticket_settings

SHOP_FILE = "shop.yml"
HOURS = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])")
COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
MAX_PATTERN = 100  # an order-number pattern is short; a long one is a mistake
ORDER_PATTERN = re.compile(  # literals, [classes] and {counts}: nothing that can backtrack
    r"(?:(?:[A-Za-z0-9#-]|\\d|\[[^\]\[]{1,20}\])(?:\{[0-9]{1,2}(?:,[0-9]{1,2})?\})?){1,40}"
)


def read_mapping(path: Path, when_missing: str) -> CommentedMap:
    """A pack file's YAML, a mapping with its lines kept; `PackInvalid` with the line when it
    is missing (`when_missing` says what that means), not YAML, or not a mapping."""
    try:
        doc = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackInvalid([PackProblem(path, 0, when_missing)]) from None
    except (YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise PackInvalid([PackProblem(path, line, f"not valid YAML: {exc}")]) from None
    if not isinstance(doc, CommentedMap):
        raise PackInvalid([PackProblem(path, 1, f"{path.name} must be a mapping of settings")])
    return doc


class YamlReader:
    """Walks the parsed YAML, converting values and collecting problems with their lines
    (shop.yml here, demo.yml in `bot.shop.demo_data.reader`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[PackProblem] = []

    def line(self, node: Any, key: Any = None) -> int:
        """The 1-based line of `node[key]` (of `node` itself when key is None), 0 if unknown."""
        try:
            if isinstance(node, CommentedMap) and key in node:
                return node.lc.key(key)[0] + 1
            if isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                return node.lc.item(key)[0] + 1
            return node.lc.line + 1
        except (AttributeError, KeyError, TypeError):
            return 0

    def problem(self, node: Any, key: Any, message: str) -> None:
        self.problems.append(PackProblem(self.path, self.line(node, key), message))

    def get(
        self,
        node: Any,
        key: str,
        convert: Callable[[Any], Any],
        default: Any = ...,
    ) -> Any:
        """`node[key]` converted; a missing required key or a failed conversion is a problem."""
        if not isinstance(node, CommentedMap) or key not in node or node[key] is None:
            if default is ...:
                self.problem(node, None, f"`{key}` is missing")
            return None if default is ... else default
        try:
            return convert(node[key])
        except (TypeError, ValueError, InvalidOperation) as exc:
            self.problem(node, key, f"`{key}`: {exc}")
            return None if default is ... else default


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text")
    return " ".join(value.split())


def _locale(value: Any) -> str:
    try:
        Locale.parse(str(value).replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a locale Babel knows (e.g. en-GB, de-DE)") from exc
    return str(value)


def _currency(value: Any) -> str:
    code = str(value).upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or get_currency_name(code) == code:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD)")
    return code


def _zone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Dublin)") from exc
    return str(value)


def _opening(value: Any) -> Opening | None:
    if str(value).strip().lower() == "closed":
        return None
    found = HOURS.fullmatch(str(value).replace(" ", ""))
    if not found:
        raise ValueError(f"{value!r} is not HH:MM-HH:MM or closed")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if (h2, m2) <= (h1, m1):
        raise ValueError(f"{value!r} closes before it opens")
    return Opening(time(h1, m1), time(h2, m2))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _money(value: Any) -> Decimal:
    amount = Decimal(str(value))
    if amount < 0:
        raise ValueError("must not be negative")
    return amount


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise ValueError("must be a whole number of days from 0 to 3650")
    return value


def _years(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError("must be a whole number of years from 0 to 100")
    return value


def _shown_as(value: Any) -> str:
    text = str(value)
    if (
        text.count("{number}") != 1
        or len(text) > 40
        or re.search(r"[{}]", text.replace("{number}", ""))
    ):
        raise ValueError("must contain {number} once, e.g. TH-{number}")
    return text


def _pattern(value: Any) -> str:
    """Literals, character classes and fixed counts only: `TH-[0-9]{5}`, `1[0-9]{5}`.

    No `+`, `*`, groups or alternation, so the pattern can never backtrack on customer text.
    """
    pattern = str(value)
    if len(pattern) > MAX_PATTERN or not ORDER_PATTERN.fullmatch(pattern):
        raise ValueError(
            f"{pattern!r} must be letters, digits, '-', '#', character classes like [0-9] "
            "and fixed counts like {5}"
        )
    re.compile(pattern)
    return pattern


def _hours(r: YamlReader, doc: CommentedMap) -> Hours:
    raw = doc.get("business_hours")
    week: list[Opening | None] = []
    for day in DAYS:
        week.append(r.get(raw, day, _opening, default=None))
    if isinstance(raw, CommentedMap):
        for extra in set(raw) - set(DAYS):
            r.problem(raw, extra, f"`{extra}` is not a day of the week")
    holidays = doc.get("holidays") or []
    days: set[date] = set()
    for i, value in enumerate(holidays):
        try:
            days.add(_day(value))
        except ValueError:
            r.problems.append(
                PackProblem(r.path, holidays.lc.item(i)[0] + 1, f"holiday {value!r} is not a date")
            )
    return Hours(tuple(week), frozenset(days))


def _returns(r: YamlReader, doc: CommentedMap) -> ReturnPolicy:
    raw = doc.get("returns")
    rules = []
    for rule in (raw or {}).get("exceptions") or []:
        categories = r.get(rule, "categories", lambda v: frozenset(map(str, v)))
        rules.append(
            ReturnRule(
                categories=categories or frozenset(),
                window_days=r.get(rule, "window_days", _days),
                reason=r.get(rule, "reason", _text),
                unopened_only=bool(rule.get("unopened_only", False)),
                name_words=r.get(
                    rule, "name_words", lambda v: frozenset(str(w).lower() for w in v), frozenset()
                ),
            )
        )
    return ReturnPolicy(
        window_days=r.get(raw, "window_days", _days),
        condition=r.get(raw, "condition", _text, default=""),
        free_return_label=bool((raw or {}).get("free_return_label", False)),
        instructions=r.get(raw, "instructions", _text),
        exceptions=tuple(rules),
    )


def _shipping(r: YamlReader, doc: CommentedMap) -> tuple[ShippingRegion, ...]:
    regions = (doc.get("shipping") or {}).get("regions") or []
    if not regions:
        r.problem(doc, "shipping", "`shipping.regions` lists no region")
    return tuple(
        ShippingRegion(
            name=r.get(region, "name", _text),
            days=str(r.get(region, "days", _text)),
            cost=r.get(region, "cost", _money, default=None),
            free_over=r.get(region, "free_over", _money, default=None),
            note=r.get(region, "note", _text, default=""),
        )
        for region in regions
    )


def _theme(r: YamlReader, doc: CommentedMap, root: Path) -> Theme:
    raw = doc.get("widget")
    colours: dict[str, str] = {}
    for name, value in ((raw or {}).get("colours") or {}).items():
        if COLOUR.fullmatch(str(value)):
            colours[str(name)] = str(value)
        else:
            r.problem(raw["colours"], name, f"colour {value!r} is not #rgb or #rrggbb")
    logo = r.get(raw, "logo", lambda v: root / str(v), default=None)
    if logo is not None and (not logo.is_file() or root.resolve() not in logo.resolve().parents):
        r.problem(raw, "logo", f"logo {logo.name!r} is not a file inside the pack")
        logo = None
    return Theme(
        title=r.get(raw, "title", _text),
        welcome=r.get(raw, "welcome", _text),
        suggestions=tuple(r.get(raw, "suggestions", lambda v: [_text(s) for s in v], default=[])),
        colours=colours,
        logo=logo,
    )


def load_pack(root: Path) -> ShopPack:
    """The pack in `root`, or PackInvalid listing every problem in its `shop.yml` and
    `tickets.yml` (a pack without one gets csbot's default ticket categories)."""
    path = root / SHOP_FILE
    r = YamlReader(path)
    doc = read_mapping(path, "no shop.yml: is this a shop pack?")
    numbers = doc.get("order_number")
    contact = doc.get("contact")
    privacy = doc.get("privacy")
    tickets, ticket_problems = read_ticket_settings(root)
    pack = ShopPack(
        root=root,
        name=r.get(doc, "name", _text),
        short_name=r.get(doc, "short_name", _text, default=None) or str(doc.get("name", "")),
        locale=r.get(doc, "locale", _locale),
        currency=r.get(doc, "currency", _currency),
        time_zone=r.get(doc, "time_zone", _zone),
        hours=_hours(r, doc),
        order_numbers=OrderNumbers(
            pattern=r.get(numbers, "pattern", _pattern),
            example=r.get(numbers, "example", str),
            first=r.get(numbers, "first", int, default=100001),
            shown_as=r.get(numbers, "shown_as", _shown_as, default="{number}"),
        ),
        returns=_returns(r, doc),
        shipping=_shipping(r, doc),
        contact=Contact(
            email=r.get(contact, "email", _text),
            phone=r.get(contact, "phone", str, default=""),
            address=r.get(contact, "address", _text, default=""),
            website=r.get(contact, "website", _text, default=""),
        ),
        theme=_theme(r, doc, root),
        tickets=tickets,  # type: ignore[arg-type]  # None only when a problem is raised below
        demo=bool(doc.get("demo", False)),
        privacy=PrivacyTerms(
            deletion_days=r.get(privacy, "deletion_days", _days, default=None),
            invoices_kept_years=r.get(privacy, "invoices_kept_years", _years, default=None),
        ),
    )
    example, orders = str(pack.order_numbers.example), pack.order_numbers
    if not r.problems and orders.show(orders.parse(example) or 0) != example.upper():
        r.problem(
            numbers, "example", f"example {example!r} does not match `pattern` and `shown_as`"
        )
    if r.problems or ticket_problems:
        raise PackInvalid(sorted(r.problems, key=lambda p: p.line) + ticket_problems)
    return pack
