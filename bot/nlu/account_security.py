"""Something done on the customer's account that they disown is a security case.

"A new phone number was added to my account and two-step verification was switched off. I
did neither" reads like a two-step-verification question to the classifier, and an order the
customer never placed reads like an order question. Both are urgent for the accounts team:
when a message disowns an action ("I never ordered", "wasn't me", "without my permission")
and names something of the account, the intent becomes `account_security`.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot import intents
from bot.nlu.intent_override import IntentOverride

SECURITY_INTENT = intents.ACCOUNT_SECURITY
_DID = (
    r"(?:do|did|done|make|made|place|placed|order|ordered|change|changed|add|added|request|"
    r"requested|authori[sz]e|authori[sz]ed|buy|bought|switched|turned|logged|signed up)"
)
DISOWNED = re.compile(
    r"\b(?:"
    rf"i (?:did ?n[o']?t|never|have ?n[o']?t|have never)(?: ever| even| actually)? {_DID}\b"
    r"|did neither|(?:it )?(?:was ?n[o']?t|was not|wasn'?t) me\b|not me who"
    r"|without my (?:permission|knowledge|consent|say)"
    r"|unauthori[sz]ed|hacked|compromised|don'?t recogni[sz]e|do not recogni[sz]e"
    r"|(?:someone|somebody) (?:else )?(?:has |is )?(?:logged|got|broken|broke|been) (?:in|into)"
    r"|(?:someone|somebody) (?:else )?(?:is |has been )?using my (?:account|card)"
    r")",
    re.IGNORECASE,
)
ACCOUNT = re.compile(
    r"\b(?:account|password|log ?in|sign ?in|e-?mail address|phone number|two[- ]step|2fa|"
    r"two[- ]factor|verification|orders?|card|payment|charged?|purchase|address|points)\b",
    re.IGNORECASE,
)
# A parcel with the wrong thing in it is not a security case ("I never ordered this colour").
KEEP = {"damaged_or_wrong_item", "return_item", SECURITY_INTENT}


def disowns_account_activity(text: str) -> bool:
    """The customer says something was done on their account that they did not do."""
    return bool(DISOWNED.search(text) and ACCOUNT.search(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AccountSecurity(IntentOverride):
    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        if intent not in KEEP and disowns_account_activity(text):
            return {"name": SECURITY_INTENT}
        return None
