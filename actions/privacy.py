"""'Delete my data': the bot files a deletion request, which an admin confirms in the console.

A request ("delete my account", "please erase my data") is filed at once; a question about
deletion ("how do I delete my account?", "I changed my mind, can I stop it?") is answered
from the knowledge base and offered a button that files one. The request names the
customer's verified email when they looked up an order in this chat; an email typed in the
message is filed as unverified: it deletes nothing beyond this chat until an admin has
checked who is asking and recorded how (`bot.privacy.requests`).
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import UsesDeps, customer_text
from bot.pack.model import PrivacyTerms
from bot.privacy.models import Verification
from bot.privacy.requests import Filed
from bot.shop.orders import parse_email

DELETE_BUTTON = "/delete_data"  # the offer's button: the delete_data intent, said outright
# How, what, when...: a question about deletion, not a request for it.
ABOUT_DELETION = re.compile(
    r"\b(?:how|what|when|why|which|whether)\b|changed my mind"
    r"|\b(?:cancel|undo|withdraw|stop) (?:it|that|(?:the|my) (?:deletion|request))\b"
    r"|\b(?:can|could|may|do) i\b|\bis (?:it|there)\b|\bdo(?:es)? you\b",
    re.IGNORECASE,
)


def _when(terms: PrivacyTerms) -> str:
    days = terms.deletion_days
    return f"normally within {days} days" if days else "as soon as it can"


def _kept(terms: PrivacyTerms) -> str:
    years = terms.invoices_kept_years
    period = f"for {years} years" if years else "for as long as the law requires"
    return (
        f"Orders and invoices must legally be kept {period}, so we keep those with your name, "
        "email and address removed."
    )


def reply(filed: Filed, terms: PrivacyTerms) -> str:
    """What the customer is told: the request number, whose data, and what happens next (in
    the shop's own terms: shop.yml's `privacy:`)."""
    number = f"request #{filed.request_id}"
    if filed.verification is Verification.IN_CHAT:
        return (
            f"I've filed {number} to delete the personal data linked to {filed.email}. Our "
            f"team confirms it, {_when(terms)}, and then it is deleted. {_kept(terms)}"
        )
    if filed.verification is not Verification.NO_EMAIL:  # typed, not verified
        return (
            f"I've filed {number} to delete the personal data linked to {filed.email}. As that "
            "email isn't verified in this chat, our team will check it's really you before "
            f"deleting anything, {_when(terms)}. {_kept(terms)}"
        )
    return (
        f"I've filed {number} to delete this conversation and what you've told us in it. To "
        "have your account and order data deleted too, tell me the email on your account, or "
        "look up one of your orders here so I can verify it. "
        f"{_kept(terms)}"
    )


def asks_for_deletion(tracker: Tracker) -> bool:
    """A request to delete (or the offer's button), not a question about deleting."""
    latest = (tracker.latest_message.get("text") or "").strip()
    return latest == DELETE_BUTTON or not (latest.startswith("/") or ABOUT_DELETION.search(latest))


def offer_deletion(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(
        text="If you'd like your data deleted, I can file the request for you right here.",
        buttons=[{"title": "Yes, file a deletion request", "payload": DELETE_BUTTON}],
    )


async def request_deletion(
    action: UsesDeps, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """File (or add to) this conversation's deletion request and say what happens next."""
    text = customer_text(tracker)
    # Verified: the email of an order looked up in this chat (order number and email
    # checked). Typed: anyone can type anyone's address, so it is filed as not verified.
    verified = tracker.get_slot("verified_customer")
    typed = next(tracker.get_latest_entity_values("email"), None) or parse_email(text)
    filed = await action.call(
        lambda d: d.services.deletion_requests.file(
            tracker.sender_id, text, verified_email=verified, typed_email=typed
        )
    )
    dispatcher.utter_message(text=reply(filed, (await action.deps()).pack.privacy))
    return []
