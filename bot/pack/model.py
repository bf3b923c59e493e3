"""What a shop pack says about its shop, as typed values (loaded by `bot.pack.load`).

Everything csbot needs to know about one shop (its name, money, hours, order numbers, return
rules, shipping, contact details, how the chat widget looks and how its support tickets are
sorted) is here, so no code has to know which shop it serves. The files themselves
(catalogue, FAQ, policies, labelled tickets) are reached through the paths on `ShopPack`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from pathlib import Path

from bot.letters import folded

# Ticket priorities are csbot's, not a pack's: queue order, the legal-threat and account-
# takeover rules and the agents' metrics all rank them. Least urgent first.
PRIORITIES = ("low", "normal", "high", "urgent")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Opening:
    """One day's opening hours; `None` on `Hours` means closed that day."""

    opens: time
    closes: time


@dataclass(frozen=True)
class Hours:
    """When agents answer (the bot answers at any hour)."""

    week: tuple[Opening | None, ...]  # Monday first, seven entries
    holidays: frozenset[date] = frozenset()

    def on(self, day: date) -> Opening | None:
        """The opening hours on `day`, or None when the team is away."""
        return None if day in self.holidays else self.week[day.weekday()]


@dataclass(frozen=True)
class OrderNumbers:
    """What the shop's order numbers look like, e.g. `TH-[0-9]{5}` or `1[0-9]{5}`."""

    pattern: str
    example: str
    first: int = 100001  # the first demo order's number
    shown_as: str = "{number}"  # how the shop writes order `number`: "TH-{number}"

    @property
    def loose(self) -> str:
        """The pattern with its separators optional: customers type "TH10452" and "th 10452"
        for TH-10452. A `-` inside a character class is a range, and stays."""
        out, inside = [], False
        for i, char in enumerate(self.pattern):
            inside = (inside or char == "[") and char != "]"
            separator = char == "-" and not inside and self.pattern[i + 1 : i + 2] != "{"
            out.append("[- ]?" if separator else char)
        return "".join(out)

    @property
    def regex(self) -> re.Pattern[str]:
        """Matches an order number inside a sentence ("#100234", "th-10452", "TH10452"), not a
        part of a longer number or code."""
        return re.compile(rf"(?<![\w-])#?(?:{self.loose})(?![\w-])", re.IGNORECASE)

    def parse(self, text: str | None) -> int | None:
        """The order's number in `text`: the last run of digits of the order number found
        ("TH-10452" -> 10452, "#100234" -> 100234), or None."""
        found = self.regex.search(text or "")
        if found is None:
            return None
        digits = re.findall(r"[0-9]+", found.group(0))
        return int(digits[-1]) if digits else None

    def read(self, text: str | None) -> int | None:
        """Like `parse`, and also the bare digits when the form asked for the number ("10452"
        for TH-10452), as long as they make a number of this shop's shape."""
        found = self.parse(text)
        bare = (text or "").strip().lstrip("#")
        if found is None and bare.isdigit() and len(bare) <= 12:
            found = int(bare) if self.parse(self.show(int(bare))) == int(bare) else None
        return found

    def show(self, number: int) -> str:
        """Order `number` as the shop writes it: 10452 -> "TH-10452"."""
        return self.shown_as.format(number=number)


@dataclass(frozen=True)
class ReturnRule:
    """A category-specific exception to the return window."""

    categories: frozenset[str]
    window_days: int
    reason: str
    unopened_only: bool = False
    # When given, only products of those categories whose name has one of these words
    # ("harness", "rope"): the climbing shoes beside them keep the normal window.
    name_words: frozenset[str] = frozenset()

    def covers(self, category: str, name: str) -> bool:
        if category not in self.categories:
            return False
        return not self.name_words or bool(
            self.name_words & set(re.findall(r"[a-z]+", folded(name).lower()))
        )


@dataclass(frozen=True)
class ReturnPolicy:
    window_days: int
    condition: str = ""
    free_return_label: bool = False
    exceptions: tuple[ReturnRule, ...] = ()
    instructions: str = ""  # told with every return number: how to send it, when the refund

    def rule_for(self, category: str, name: str = "") -> ReturnRule | None:
        """The first exception that covers a product of `category` called `name`, if any."""
        return next((r for r in self.exceptions if r.covers(category, name)), None)

    def window_for(self, category: str, name: str = "") -> int:
        """Days after delivery within which such a product can go back."""
        rule = self.rule_for(category, name)
        return self.window_days if rule is None else rule.window_days


@dataclass(frozen=True)
class ShippingRegion:
    name: str
    days: str
    cost: Decimal | None = None  # None: shown at checkout
    free_over: Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str = ""
    address: str = ""
    website: str = ""


@dataclass(frozen=True)
class PrivacyTerms:
    """What a customer who asks for their data to be deleted is told: how long it takes and
    how long the law makes the shop keep invoices. Both are the shop's (its law, its practice);
    unstated (None), the bot names no number."""

    deletion_days: int | None = None
    invoices_kept_years: int | None = None


@dataclass(frozen=True)
class Theme:
    """How the chat widget looks and greets: colours are CSS colours, validated on load."""

    title: str
    welcome: str
    suggestions: tuple[str, ...] = ()
    colours: dict[str, str] = field(default_factory=dict)
    logo: Path | None = None


@dataclass(frozen=True)
class TicketCategory:
    """A kind of ticket the classifier tells apart, the queue whose agents work it, and the
    line that tells agents what belongs in it."""

    slug: str
    queue: str
    description: str = ""


@dataclass(frozen=True)
class TicketSettings:
    """How the shop sorts escalated conversations (`tickets.yml`, or csbot's shop-neutral
    default), and where the labelled examples the classifier learns them from are."""

    categories: tuple[TicketCategory, ...]
    examples: Path  # the folder of labelled examples (tickets/*.csv: text,category,priority)
    source: Path  # the tickets.yml read: the pack's own, or csbot's default
    unclassified: str  # the category of a ticket no classifier labelled (triaged by hand)
    security: str  # the category of a taken-over account or orders nobody placed (urgent)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.slug for c in self.categories)

    @property
    def queues(self) -> dict[str, tuple[str, ...]]:
        """Queue -> its categories, in the file's order (agents' skills are queue names)."""
        out: dict[str, tuple[str, ...]] = {}
        for c in self.categories:
            out[c.queue] = (*out.get(c.queue, ()), c.slug)
        return out

    def queue_of(self, category: str) -> str:
        """The queue that works `category`; ValueError for a category the shop does not have."""
        found = next((c.queue for c in self.categories if c.slug == category), None)
        if found is None:
            raise ValueError(f"{category!r} is not one of this shop's ticket categories")
        return found


@dataclass(frozen=True)
class ShopPack:
    """One shop, loaded from its folder (`shops/<slug>/`)."""

    root: Path
    name: str
    short_name: str
    locale: str
    currency: str
    time_zone: str
    hours: Hours
    order_numbers: OrderNumbers
    returns: ReturnPolicy
    shipping: tuple[ShippingRegion, ...]
    contact: Contact
    theme: Theme
    tickets: TicketSettings
    demo: bool = False  # a demo pack: `csbot run` seeds its demo customers and orders
    privacy: PrivacyTerms = PrivacyTerms()

    @property
    def shop_names(self) -> tuple[str, ...]:
        """What customers call the shop: its name and short name."""
        return tuple(dict.fromkeys(n for n in (self.name, self.short_name) if n))

    @property
    def slug(self) -> str:
        return self.root.name

    @property
    def catalogue(self) -> Path:
        return self.root / "products.csv"

    @property
    def categories(self) -> Path:
        return self.root / "categories.yml"

    @property
    def faq_dir(self) -> Path:
        return self.root / "faq"

    @property
    def policy_dir(self) -> Path:
        return self.root / "policies"

    @property
    def thresholds(self) -> Path:
        return self.root / "thresholds.yml"
