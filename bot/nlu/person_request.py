"""A request for a person, anywhere in a message, is honoured; so is a safety problem.

Customers often ask for a human at the end of a long message about something else ("...the
parcel is a week late and nobody answers. can I speak to someone please"); the intent
classifier sees the parcel. These phrases override it with `request_human`, keeping the
original intent for the ticket's classification and the log.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot import intents
from bot.nlu.intent_override import IntentOverride

HANDOFF_INTENT = intents.REQUEST_HUMAN
_PERSON = (
    r"(?:a |an |some |one of your |your )?(?:real |actual |live |human |proper )?"
    r"(?:person|human|humans|people|someone|somebody|agent|representative|rep|manager|"
    r"supervisor|operator|staff|member of (?:staff|your team)|customer (?:service|support)|"
    r"lady|gentleman)"
)
PERSON_REQUEST = re.compile(
    r"\b(?:"
    rf"(?:speak|talk|chat)(?:ing)? (?:to|with) {_PERSON}"
    rf"|(?:get|put|connect|transfer|pass) (?:me )?(?:on |through )?(?:to|with)? ?{_PERSON}"
    rf"|(?:need|want|get) {_PERSON}"
    r"|send (?:someone|somebody|a person|an engineer|a technician)"
    r"|(?:real|actual|live) (?:person|human|agent)"
    r"|human (?:please|pls|plz|agent|being)"
    r"|(?:agent|operator|representative) (?:please|pls|plz)"
    r"|escalate (?:this|it|my)"
    rf"|(?:looked at|handled|dealt with|checked|seen to) by {_PERSON}"
    r"|(?:someone|somebody|a person) (?:from|on|at) your (?:team|end|company|shop|side)"
    r"|(?:call|ring|phone) me back|give me a (?:ring|call)|connect me\b"
    r")\b",
    re.IGNORECASE,
)
# A product that sparks, smokes or shocks is a safety case: a person, whatever was asked.
SAFETY = re.compile(
    r"\b(?:spark(?:s|ed|ing)?|smok(?:e|es|ed|ing)|burning smell|smells? (?:of )?burning|"
    r"caught fire|on fire|flames?|electric(?:al)? shock|shocked me|gave me a shock|"
    r"melt(?:ed|ing))\b",
    re.IGNORECASE,
)
NOT_A_REQUEST = re.compile(
    r"\b(?:don'?t|do not|no need to|never) (?:want to |need to )?(?:speak|talk|chat)",
    re.IGNORECASE,
)


def asks_for_person(text: str) -> bool:
    """An explicit request for a person, or a safety problem that needs one."""
    asked = PERSON_REQUEST.search(text) and not NOT_A_REQUEST.search(text)
    return bool(asked or SAFETY.search(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PersonRequest(IntentOverride):
    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        if intent != HANDOFF_INTENT and asks_for_person(text):
            return {"name": HANDOFF_INTENT}
        return None
