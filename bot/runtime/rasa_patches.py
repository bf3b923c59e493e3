"""Measured fixes to Rasa 3.6's hot path, installed by `bot.runtime.rasa_server` before Rasa
starts. Each keeps Rasa's behaviour and says what it saved (benchmarks/README.md).

- Action server responses: Rasa validates each one with `jsonschema.validate`, which checks
  the (constant) response schema against the JSON Schema meta-schema on every call before
  checking the response: 24% of Rasa's event loop under load, about 12 ms per customer
  message. The schema is checked once here and one validator reused; a response that fails
  goes through Rasa's own method, which raises its own error with its own message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.core.actions.action import RemoteAction

_rasa_validate = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def action_result_validator() -> Any:
    """One validator for Rasa's action response schema, the schema checked once."""
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if action_result_validator().is_valid(result):
        return True
    return _rasa_validate(self, result)  # raises Rasa's ValidationError


def install() -> None:
    """Apply the fixes to this process's Rasa."""
    RemoteAction._validate_action_result = _validate_action_result
