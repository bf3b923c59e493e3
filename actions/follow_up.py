"""A second need in the same message is not dropped: "where is 100436 and can I change the
address?" gets the order status and then the answer about changing the address.

After a task finishes, the clauses that came after the first one in the customer's recent
messages are tried against the knowledge base; one that it answers with confidence is
answered, once.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import UsesDeps
from actions.knowledge import QUESTION_WORDS, say_answer
from knowledge.answers import Decision

SPLIT = re.compile(
    # Each run of marks or spaces is tried from its start only (the lookbehinds): one scan.
    r"(?:(?<![?.!;])[?.!;]+\s+"
    rf"|(?<!\s)\s+(?:and|also|plus|oh and|btw|but)\s+(?=(?:{QUESTION_WORDS}|i)\b))",
    re.IGNORECASE,
)
QUESTION = re.compile(rf"^(?:{QUESTION_WORDS}|i'?d like|i want)\b|\?\s*$", re.IGNORECASE)
LOOK_BACK = 4  # customer messages


def second_questions(tracker: Tracker) -> list[str]:
    """Question clauses after the first clause of the customer's recent typed messages."""
    typed = [
        e.get("text") or ""
        for e in tracker.events
        if e.get("event") == "user" and not (e.get("text") or "").startswith("/")
    ][-LOOK_BACK:]
    clauses = []
    for text in typed:
        parts = [p.strip() for p in SPLIT.split(text) if p and p.strip()]
        clauses += [p for p in parts[1:] if len(p.split()) >= 3 and QUESTION.search(p)]
    return clauses


async def answer_second_question(
    action: UsesDeps, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[dict[str, Any]]:
    """Answer the first second question the knowledge base answers with confidence."""
    for question in second_questions(tracker):
        reply = await action.call(lambda d, q=question: d.answerer.reply(q))
        if reply.decision is Decision.ANSWER:
            lead = f'You also asked: "{question}"\n\n'
            say_answer(dispatcher, reply.best, reply.version, lead=lead)
            return []
    return []
