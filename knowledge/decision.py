"""What the FAQ auto-reply decides for a question: answer it, ask "did you mean", or escalate
(the intent's own response, a person). One definition for the answerer that decides it, the
actions that say it, and the conversation log, review and analytics that count it (the log
stores it with the bot's message: never read back out of the wording). No dependencies, so
the log's models can use it without loading the index."""

from __future__ import annotations

from enum import Enum
from typing import Any


class Decision(str, Enum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"

    @classmethod
    def read(cls, value: Any) -> Decision | None:
        """The decision a message's metadata names; None when it names none we know."""
        try:
            return cls(value)
        except ValueError:
            return None
