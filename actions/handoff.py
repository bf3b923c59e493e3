"""Escalation to a person: a classified ticket, an honest status, and the bot steps aside.

The conversation is paused (Rasa's own mechanism) only when an agent is online to take it;
otherwise the ticket waits in its queue and the bot keeps helping meanwhile. After an agent
resolves the ticket the console resumes the conversation and the bot asks for a rating.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import ActionDeps, UsesDeps
from bot import intents
from bot.pack.formats import ShopFormat
from bot.support.escalation import Opened
from bot.support.ratings import RatingRefused

REASONS = {
    intents.COMPLAINT: "complaint",
    intents.FALLBACK: "bot_failed",
    intents.ACCOUNT_SECURITY: "security",
}
# Messages that ask for a person say nothing about the problem, so they are not classified.
NO_TOPIC_INTENTS = {
    intents.REQUEST_HUMAN,
    intents.AFFIRM,
    intents.DENY,
    intents.GREET,
    intents.THANK_YOU,
    intents.FALLBACK,
}
VALID_RATINGS = {"1", "2", "3", "4", "5"}


def transcript(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    lines = []
    for event in events:
        if event.get("event") == "user" and not (event.get("text") or "").startswith("/"):
            lines.append(("customer", event.get("text") or ""))
        elif event.get("event") == "bot" and event.get("text"):
            lines.append(("bot", event["text"]))
    return lines


def _said_intent(event: dict[str, Any]) -> str | None:
    """What the message was about before a handoff phrase or anger overrode it."""
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return intent.get("original") or intent.get("name")


async def escalate(
    action: UsesDeps, tracker: Tracker, dispatcher: CollectingDispatcher, reason: str
) -> list[EventType]:
    """Open (or find) the ticket, tell the customer the truth, pause if someone can take it.
    The ticket is classified (a MiniLM encode) in a worker thread."""
    topic = " ".join(
        e.get("text") or ""
        for e in tracker.events
        if e.get("event") == "user"
        and not (e.get("text") or "").startswith("/")
        and _said_intent(e) not in NO_TOPIC_INTENTS
    )
    lines = transcript(tracker.events)

    def open_ticket(deps: ActionDeps) -> Opened:
        """A taken-over account goes to the shop's security category, urgent."""
        escalation = deps.services.escalation
        label = escalation.security if reason == "security" else None
        return escalation.open(tracker.sender_id, reason, lines, topic, label)

    opened = await action.call(open_ticket)
    team = f"our {opened.queue} team"
    if reason == "security":
        dispatcher.utter_message(
            text="That sounds like someone else may be using your account. I've marked this "
            f"urgent for {team}; please don't share passwords or codes with anyone, "
            "including us."
        )
    if opened.agents_online:
        place = "next in line" if opened.position == 1 else f"number {opened.position} in line"
        dispatcher.utter_message(
            text=f"I've passed your conversation to {team} (ticket #{opened.ticket_id}). "
            f"You're {place}; a person will join this chat shortly and will see everything "
            "so far. You can keep typing here."
        )
        return [ConversationPaused()]
    deps = await action.deps()
    hours = ShopFormat.of(deps.pack).hours(deps.pack.hours)
    here = f" (we're here {hours})" if hours else ""
    dispatcher.utter_message(
        text=f"No one from {team} is online right now{here}. I've created ticket "
        f"#{opened.ticket_id} so nothing gets lost, and a person will reply in this chat as soon "
        "as the team is back. Until then, I'm happy to keep helping."
    )
    return []


class ActionRequestHuman(UsesDeps, Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        reason = REASONS.get(intent, "customer_request")
        angry = (tracker.latest_message.get("intent") or {}).get("negativity")
        if intent == intents.COMPLAINT and angry:
            reason = "negative_sentiment"
        return await escalate(self, tracker, dispatcher, reason)


class ActionAskRating(UsesDeps, Action):
    def name(self) -> str:
        return "action_ask_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        shop = (await self.deps()).pack.short_name
        dispatcher.utter_message(
            text=f"You're back with the {shop} assistant. How would you "
            "rate the help you got from our team? (1 = poor, 5 = excellent)",
            buttons=[{"title": str(n), "payload": f'/rate{{"rating":"{n}"}}'} for n in range(1, 6)],
        )
        return []


class ActionSaveRating(UsesDeps, Action):
    def name(self) -> str:
        return "action_save_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        value = next(tracker.get_latest_entity_values("rating"), None)
        score = int(value) if str(value) in VALID_RATINGS else None
        if score is None:
            dispatcher.utter_message(text="Please pick a rating from 1 to 5.")
            return []
        try:
            await self.call(lambda d: d.services.ratings.rate(tracker.sender_id, score))
        except RatingRefused:  # nothing awaits a rating (typed by hand): nothing is stored
            dispatcher.utter_message(text="Thanks! Is there anything I can help you with?")
            return []
        dispatcher.utter_message(text="Thank you for your feedback! Anything else I can do?")
        return []
