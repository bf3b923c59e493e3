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
# A product that sparks, smokes, shocks or hurt someone is a safety case: a person, whatever
# was asked, in any kind of shop (an appliance that smokes, a harness that failed, a toy a
# child choked on, a cream that brought on a reaction).
SAFETY = re.compile(
    r"\b(?:spark(?:s|ed|ing)?|(?:started|starts|began|is|was|keeps|kept) smoking|"
    r"smoke (?:came|comes|coming|pouring|everywhere)|smoke out of|burning smell|"
    r"smells? (?:of )?burning|caught fire|on fire|burst into flames|in flames|flared up|"
    r"electric(?:al)? shock|shocked me|gave me a shock|melted|"
    r"(?:was|were|got|been) injured|injured (?:me|my|him|her|them|us)|took a (?:ground )?fall|"
    r"burn(?:ed|t) (?:me|my|his|her|their)|allergic reaction|choked on|poisoned|poisoning|"
    r"(?:ended up|was|were|got|went) (?:in|to) (?:hospital|a&e|the er|the emergency room))\b",
    re.IGNORECASE,
)
# What only a person can settle, whatever the shop sells: a trade or bulk quote, a formal
# complaint, an account after a death, a disputed charge. A double charge is first the
# help pages' (most are a bank's temporary hold); one the customer says is no hold, or has
# cleared, or disputes, is money to be given back.
FOR_A_PERSON = re.compile(
    r"\b(?:(?:trade|wholesale|bulk|corporate|business) (?:order|orders|price|prices|pricing|"
    r"discount|quote|account)|(?:make|file|lodge|raise|submit) a (?:formal )?complaint|"
    r"formal complaint|passed away|bereavement|"
    r"(?:not|isn'?t|wasn'?t) (?:a |just a )?(?:pending|temporary) (?:hold|charge|payment|"
    r"authori[sz]ation)|"
    r"(?:both|the two|two) (?:of the )?(?:payments|charges|amounts|debits) (?:have |had )?"
    r"(?:cleared|gone through|been taken|come out|left my account)|"
    r"dispute (?:the |this |that |a |my )?(?:\w+ )?(?:charge|payment|transaction|fee)|"
    r"disputed (?:charge|fee))\b",
    re.IGNORECASE,
)
NOT_A_REQUEST = re.compile(
    r"\b(?:don'?t|do not|no need to|never) (?:want to |need to )?(?:speak|talk|chat)",
    re.IGNORECASE,
)


def asks_for_person(text: str) -> bool:
    """An explicit request for a person, a safety problem, or a case only a person settles."""
    asked = PERSON_REQUEST.search(text) and not NOT_A_REQUEST.search(text)
    return bool(asked or SAFETY.search(text) or FOR_A_PERSON.search(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PersonRequest(IntentOverride):
    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        if intent != HANDOFF_INTENT and asks_for_person(text):
            return {"name": HANDOFF_INTENT}
        return None
