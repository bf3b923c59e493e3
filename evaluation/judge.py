"""Judging a played journey: resolved, clarified, handed off or wrong (see README.md).

The judge reads only what the customer saw (the bot's texts) and what the shop's database
holds afterwards (tickets, return authorisations, orders, the catalogue).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evaluation.journeys import Journey

RESOLVED, CLARIFIED, HANDED_OFF, WRONG = "resolved", "clarified", "handed off", "wrong"
OUTCOMES = (RESOLVED, CLARIFIED, HANDED_OFF, WRONG)
FALLBACK = "not sure I understood"
CLARIFY_MARKERS = (FALLBACK, "Just to be sure", "did you mean", "Did you mean")
NOT_SOLD = re.compile(r"\b(don't|do not|doesn't) (sell|stock|carry)\b", re.IGNORECASE)
# A price as the shop writes it: $1,299.00, €1.299,00, 1 299,00 €
PRICE = r"[^\d\s]{0,3}\s?[\d.,\u00a0]+\d\s?[^\d\s(,]{0,3}"
PICK = re.compile(rf"^\d+\. (.+?) - {PRICE} \(", re.MULTILINE)
PRODUCT_CARD = re.compile(rf"^(.+?) - ({PRICE}), rated", re.MULTILINE)


@dataclass(frozen=True)
class OrderFacts:
    number: int
    status: str
    tracking_number: str | None


@dataclass
class Played:
    """One journey as it happened."""

    conversation_id: str
    replies: list[list[dict[str, Any]]]  # per customer turn, the bot's messages
    actions: list[str] = field(default_factory=list)  # bot actions, from Rasa's tracker
    tickets: list[dict[str, Any]] = field(default_factory=list)  # queue, priority, category
    returns: list[tuple[int, str]] = field(default_factory=list)  # (order, item name)
    sources: list[str] = field(
        default_factory=list
    )  # what answered: "faq:<id>", "policy:<page>#.."

    @property
    def texts(self) -> list[str]:
        return [m.get("text") or "" for turn in self.replies for m in turn]

    @property
    def all_text(self) -> str:
        return "\n".join(self.texts)

    @property
    def opening_fallback(self) -> bool:
        first = " ".join(m.get("text") or "" for m in (self.replies[:1] or [[]])[0])
        return FALLBACK in first


@dataclass(frozen=True)
class Shop:
    """The facts a judge checks claims against."""

    orders: Mapping[int, OrderFacts]
    products: Mapping[str, Mapping[str, Any]]  # by exact name: category, price, stock
    order_shown: re.Pattern[str] = re.compile(r"Order #(\d{6}) \(placed")  # group 1: digits

    @classmethod
    def order_pattern(cls, shown_as: str) -> re.Pattern[str]:
        """How a status reply names the order ("Order TH-10452 (placed"), from the pack's
        `shown_as`; the group is the order's number."""
        shown = re.escape(shown_as).replace(re.escape("{number}"), r"(\d+)")
        return re.compile(rf"Order {shown} \(placed")


def amount(text: str) -> float:
    """'1,299.00' or '1.299,00' -> 1299.0: the last separator before two digits is the decimal."""
    digits = re.sub(r"[^\d.,]", "", text)
    whole, _, cents = digits.replace(",", ".").rpartition(".")
    return float(re.sub(r"\D", "", whole) + "." + cents) if whole else float(cents)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str
    opening_fallback: bool


def judge(journey: Journey, played: Played, shop: Shop) -> Verdict:
    outcome, reason = _outcome(journey, played, shop)
    return Verdict(outcome, reason, played.opening_fallback)


def _outcome(journey: Journey, played: Played, shop: Shop) -> tuple[str, str]:
    text = played.all_text
    said = [n for n in journey.never if n.lower() in text.lower()]
    if said:
        return WRONG, f"said {said[0]!r}"
    if journey.kind == "human":
        return _human(journey, played)
    check = CHECKS[journey.kind]
    passed, wrong = check(journey.expect, played, shop)
    if wrong:
        return WRONG, wrong
    if passed:
        return RESOLVED, passed
    if played.tickets:
        return HANDED_OFF, "a ticket was opened"
    if any(marker in text for marker in CLARIFY_MARKERS):
        return CLARIFIED, "asked to rephrase or offered choices"
    return WRONG, "never did what was asked: " + _last_words(played)


def _last_words(played: Played) -> str:
    texts = [t for t in played.texts if t]
    return repr(texts[-1][:100]) if texts else "no reply"


def _human(journey: Journey, played: Played) -> tuple[str, str]:
    if not played.tickets:
        return WRONG, "left with the bot: " + _last_words(played)
    ticket = played.tickets[-1]
    misrouted = [
        f"{key} {ticket[key]} (wanted {journey.expect[key]})"
        for key in ("queue", "priority")
        if key in journey.expect and ticket[key] != journey.expect[key]
    ]
    return HANDED_OFF, "ticket opened" + (f", but {', '.join(misrouted)}" if misrouted else "")


Check = tuple[str, str]  # (why it passed or "", why it is wrong or "")


def _order_status(expect: Mapping[str, Any], played: Played, shop: Shop) -> Check:
    number = int(expect["order"])
    shown = {int(n) for n in shop.order_shown.findall(played.all_text)}
    if shown - {number}:
        return "", f"showed order {sorted(shown - {number})[0]}"
    if number not in shown:
        return "", ""
    order = shop.orders[number]
    if order.tracking_number and order.status in ("shipped", "out_for_delivery"):
        if order.tracking_number not in played.all_text:
            return "", ""
        return f"showed order {number} with its tracking number", ""
    return f"showed order {number} ({order.status})", ""


def _returns(expect: Mapping[str, Any], played: Played, shop: Shop) -> Check:
    number = int(expect["return_order"])
    words = str(expect.get("return_item") or "").lower().split()
    for order, item in played.returns:
        if order != number:
            return "", f"return authorised on order {order}"
        if not all(w in item.lower() for w in words):
            return "", f"return authorised for {item!r}"
    if played.returns:
        return f"RMA for order {number}", ""
    return "", ""


def _faq(expect: Mapping[str, Any], played: Played, shop: Shop) -> Check:
    given = [_source(s) for s in played.sources]
    wanted = set(expect.get("faq") or ()) | {
        p.removesuffix(".md") for p in expect.get("policy") or ()
    }
    right = [s for s in given if s in wanted]
    if right:
        return f"answered from {right[0]}", ""
    if given:
        return "", f"answered from {given[0]}, which does not answer it"
    return "", ""


def _recommendation(expect: Mapping[str, Any], played: Played, shop: Shop) -> Check:
    picks = PICK.findall(played.all_text)
    budget = expect.get("max_price")
    for name in picks:
        product = shop.products.get(name)
        if product is None:
            return "", f"recommended {name!r}, which is not in the catalogue"
        if product["category"] != expect["category"]:
            return "", f"recommended {name} ({product['category']})"
        if budget is not None and product["price"] > float(budget):
            return "", f"recommended {name} at {product['price']:.2f}, over {budget}"
    return (f"{len(picks)} fitting products", "") if picks else ("", "")


def _product_facts(expect: Mapping[str, Any], played: Played, shop: Shop) -> Check:
    text = played.all_text
    cards = PRODUCT_CARD.findall(text)
    if expect.get("not_sold"):
        if cards:
            return "", f"described {cards[0][0]} as if it were the product asked about"
        return ("said the shop does not sell it", "") if NOT_SOLD.search(text) else ("", "")
    names = [expect["product"], *([expect["compare_with"]] if "compare_with" in expect else [])]
    for shown, price in cards:
        if shown not in names:
            return "", f"described {shown} instead"
        if abs(shop.products[shown]["price"] - amount(price)) > 0.005:
            return "", f"gave {shown} the price {price}"
    if "compare_with" in expect:
        compared = f"{names[0]} vs {names[1]}" in text or f"{names[1]} vs {names[0]}" in text
        return (f"compared {names[0]} and {names[1]}", "") if compared else ("", "")
    shown_names = {shown for shown, _ in cards}
    return (f"described {names[0]}", "") if names[0] in shown_names else ("", "")


def _source(doc_id: str) -> str:
    """'faq:shipping-cost' -> 'shipping-cost'; 'policy:returns-and-refunds#opened' ->
    'returns-and-refunds' (journeys name a policy by its page)."""
    kind, _, name = doc_id.partition(":")
    return name.partition("#")[0] if kind == "policy" else name


CHECKS = {
    "order_status": _order_status,
    "returns": _returns,
    "faq": _faq,
    "recommendation": _recommendation,
    "product_facts": _product_facts,
    "out_of_scope": lambda expect, played, shop: _declined(played),
}


def _declined(played: Played) -> Check:
    text = played.all_text
    answered = [_source(s) for s in played.sources]
    if answered:
        return "", f"answered from {answered[0]}"
    started = [a for a in played.actions if a in TRANSACTIONS]
    if played.tickets or started:
        return "", f"started {started[0] if started else 'a ticket'}"
    if "utter_out_of_scope" in played.actions or NO_ANSWER in text:
        return "declined politely", ""
    return "", ""


NO_ANSWER = "I don't have a good answer"
TRANSACTIONS = (
    "order_lookup_form",
    "return_form",
    "action_recommend_products",
    "action_compare_products",
    "action_product_info",
)


def summarise(verdicts: Sequence[tuple[Journey, Verdict]]) -> dict[str, dict[str, int]]:
    """Outcome counts per kind."""
    table: dict[str, dict[str, int]] = {}
    for journey, verdict in verdicts:
        row = table.setdefault(journey.kind, dict.fromkeys(OUTCOMES, 0))
        row[verdict.outcome] += 1
    return table
