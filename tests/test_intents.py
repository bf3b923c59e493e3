"""The intent names code reacts to (bot/intents.py) are intents the domain declares: a rename
in domain.yml that misses the code fails here instead of silently never matching."""

from pathlib import Path

import yaml

from bot import intents

ROOT = Path(__file__).resolve().parents[1]
RASA_BUILT_IN = {intents.FALLBACK}  # added by Rasa's FallbackClassifier, not in the domain


def test_every_named_intent_is_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    declared = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    named = {v for k, v in vars(intents).items() if k.isupper()}
    assert named - RASA_BUILT_IN <= declared, sorted(named - RASA_BUILT_IN - declared)
    assert not RASA_BUILT_IN & declared
