"""Rasa events with what the customer wrote redacted, before the conversation log stores them.

An event is a nested dict in which the customer's words sit beside names and ids (event
type, sender and message ids, intent, slot and action names) that the log and analytics key
on, and only some events hold words the customer wrote. So only those events are redacted,
with `bot.privacy.redact`, and in them only the values under keys that are not names.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.privacy.redact import redact

CUSTOMER_WRITTEN = {"user", "slot"}  # Rasa events whose texts come from the customer
# The slot holding the customer's verified email: the one email the log keeps.
VERIFIED_EMAIL_SLOT = "verified_customer"
# Keys of a Rasa event whose values name things (event type, intent, entity, slot, action).
NAME_KEYS = frozenset(
    {
        "event",
        "sender_id",
        "name",
        "timestamp",
        "input_channel",
        "message_id",
        "policy",
        "entity",
        "extractor",
        "role",
        "group",
        "action_name",
        "intent_name",
        "confidence",
        "processors",
    }
)


def redact_event(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Rasa event with the personal data the customer wrote redacted: a user
    message (its text, parse data and entity values) and slot values. The bot's and agents'
    own words are the shop's and stay as said (an agent's "call us on 020 7946 0958" reaches
    the customer as written). Order numbers are never personal data to the redactor; the
    verified email slot keeps its email. The input is left as it was."""
    if event.get("event") not in CUSTOMER_WRITTEN:
        return event
    keep = ()
    if event.get("event") == "slot" and event.get("name") == VERIFIED_EMAIL_SLOT:
        keep = (str(event.get("value") or ""),)
    return _redact_value(event, keep)


def _redact_value(value: Any, keep: Collection[str]) -> Any:
    if isinstance(value, str):
        return redact(value, keep)
    if isinstance(value, list):
        return [_redact_value(v, keep) for v in value]
    if isinstance(value, dict):
        return {k: v if k in NAME_KEYS else _redact_value(v, keep) for k, v in value.items()}
    return value
