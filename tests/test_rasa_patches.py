"""The faster check of action server responses accepts and refuses exactly what Rasa's does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.runtime import rasa_patches

GOOD = {
    "events": [{"event": "slot", "name": "order_number", "value": "100234"}],
    "responses": [{"text": "Your order is on its way."}],
}
BAD = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
]


@pytest.fixture
def patched(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", rasa_patches._rasa_validate)
    rasa_patches.install()
    return RemoteAction("action_show_order_status", None)


def test_a_valid_response_passes_and_the_schema_is_checked_once(patched, monkeypatch):
    checks = []
    validator_class = type(rasa_patches.action_result_validator())
    monkeypatch.setattr(validator_class, "check_schema", classmethod(lambda c, s: checks.append(s)))
    for _ in range(3):
        assert patched._validate_action_result(GOOD)
    assert checks == []  # Rasa's own validate() would have checked the schema three times


@pytest.mark.parametrize("response", BAD)
def test_an_invalid_response_is_refused_with_rasas_message(patched, response):
    with pytest.raises(ValidationError) as refused:
        patched._validate_action_result(response)
    assert "Failed to validate Action server response" in refused.value.message
    with pytest.raises(ValidationError):
        rasa_patches._rasa_validate(patched, response)  # Rasa refuses it too
