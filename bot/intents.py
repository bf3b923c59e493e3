"""The intent names that code refers to, each defined once.

`domain.yml` declares every intent; code names only the few it reacts to. Keeping those names
here means a rename in the domain breaks one line (and `tests/test_intents.py`), not a set of
string literals scattered over the NLU components, the actions and the analytics. Plain
strings: Rasa and rasa_sdk hand intents over as `str`, and these are compared and stored as such.
"""

FALLBACK = "nlu_fallback"  # Rasa's FallbackClassifier: below the confidence threshold
OUT_OF_SCOPE = "out_of_scope"
REQUEST_HUMAN = "request_human"
COMPLAINT = "complaint"
ACCOUNT_SECURITY = "account_security"
FAQ_NOT_HELPFUL = "faq_not_helpful"
ORDER_STATUS = "order_status"
RETURN_ITEM = "return_item"
INFORM = "inform"
AFFIRM = "affirm"
DENY = "deny"
GREET = "greet"
THANK_YOU = "thank_you"
STOP = "stop"
