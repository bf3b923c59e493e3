"""A base for the small rules that know better than the intent classifier (a request for a
person, anger, another shop's order): the new intent replaces the old, which is kept."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message


class IntentOverride(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentOverride:
        return cls()

    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        """The intent to use instead (at least its name), or None to keep the classified one."""
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            name = (message.get(INTENT) or {}).get("name")
            text = message.get(TEXT) or ""
            new = self.override(text, name) if text else None
            if new is not None:
                intent = {"confidence": 1.0, "original": name, **new}
                message.set(INTENT, intent, add_to_output=True)
        return messages
