"""How angry is a message? A small lexicon scorer, tuned for customer-service chats.

Used to escalate a conversation that turns strongly negative. Deliberately simple and
explainable: weighted words and phrases, plus shouting (capitals) and "!!!".
"""

from __future__ import annotations

import re

NEGATIVE = {
    "terrible": 2,
    "awful": 2,
    "horrible": 2,
    "worst": 3,
    "useless": 2,
    "ridiculous": 2,
    "unacceptable": 3,
    "disgusting": 3,
    "disgrace": 3,
    "disgraceful": 3,
    "furious": 3,
    "angry": 2,
    "livid": 3,
    "pathetic": 3,
    "scam": 3,
    "fraud": 3,
    "liars": 3,
    "lied": 2,
    "incompetent": 3,
    "rubbish": 2,
    "garbage": 2,
    "hate": 2,
    "joke": 1,
    "nightmare": 2,
    "lawyer": 3,
    "sue": 3,
    "chargeback": 2,
    "complaint": 1,
    "disappointed": 1,
    "fed up": 2,
    "sick of": 2,
    "never again": 3,
    "waste of": 2,
    "wtf": 3,
    "damn": 2,
    "crap": 2,
    "shit": 3,
    "fuck": 3,
    "fucking": 3,
    "bullshit": 3,
    "stupid": 2,
    "idiots": 3,
    "third time": 2,
    "still waiting": 1,
    "no one": 1,
    "nobody": 1,
}
STRONGLY_NEGATIVE = 4
_PHRASES = sorted(NEGATIVE, key=len, reverse=True)


def negativity(text: str) -> int:
    """0 for a calm message; STRONGLY_NEGATIVE or more for a furious one."""
    lowered = f" {text.lower()} "
    score = sum(
        NEGATIVE[p] for p in _PHRASES if re.search(rf"(?<![a-z]){re.escape(p)}(?![a-z])", lowered)
    )
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        score += 2
    if text.count("!") >= 3:
        score += 1
    return score


def is_strongly_negative(text: str) -> bool:
    return negativity(text) >= STRONGLY_NEGATIVE


# Threats of legal or payment action go to a person whatever else the message asks.
THREATS = re.compile(
    r"\b(?:lawyers?|solicitors?|sue|suing|legal action|court|chargeback|charge back|"
    r"trading standards|ombudsman|small claims|fraud|scam|report you)\b",
    re.IGNORECASE,
)


def threatens_action(text: str) -> bool:
    return bool(THREATS.search(text))
