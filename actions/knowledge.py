"""FAQ auto-reply from the knowledge index: answer, clarify or escalate."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import OUT_OF_SCOPE_RESPONSE, ActionDeps, UsesDeps, customer_text, off_topic
from actions.handoff import escalate
from actions.privacy import asks_for_deletion, offer_deletion, request_deletion
from bot.conversations.models import FAQ_DECISION, FAQ_SOURCE, KNOWLEDGE_VERSION
from bot.pack.responses import response_sources_of
from knowledge.answers import Decision, Reply
from knowledge.retrieval import Hit
from knowledge.sources import ANSWERS

MAX_ANSWERS_TRIED = 2  # after this many unhelpful answers, offer a person
FEEDBACK_BUTTONS = [
    {"title": "That answered it", "payload": "/thank_you"},
    {"title": "That didn't help", "payload": "/faq_not_helpful"},
]
OFFER_PERSON = [
    {"title": "Yes, talk to a person", "payload": "/request_human"},
    {"title": "No, thanks", "payload": "/deny"},
]
# Intents whose own response ends in an offer (a return, a person): a confident FAQ answer
# replaces it; below that the response comes first and the FAQ choices, if any, after it.
OWN_OFFER_FIRST = {"damaged_or_wrong_item", "warranty_claim"}
# Words a customer's question starts with (also used to split and spot second questions).
QUESTION_WORDS = "can|could|how|what|when|why|do|does|is|are|will|would|should|may"
QUESTION = re.compile(rf"\?|^(?:{QUESTION_WORDS}|am)\b", re.IGNORECASE)
# "Can I still return it?", "am I allowed to send it back?": asking whether, not asking to.
PERMISSION = re.compile(
    r"\b(?:can|could|may) (?:i|we|you|it|they|this|that)\b|\b(?:am i|are we) (?:still )?allowed"
    r"|\bis it (?:still )?(?:possible|ok|okay)",
    re.IGNORECASE,
)
# Where a new sentence starts: a question may come after a statement ("...bit small on me.
# can i send em back").
SENTENCE_END = re.compile(r"[.!;]\s+")
NONE_OF_THESE = {"title": "None of these", "payload": "/faq_not_helpful"}
LISTEN = "action_listen"


def asks_question(text: str) -> bool:
    """A question anywhere in the message: a question mark, "can I / am I allowed" anywhere,
    or a sentence that starts with a question word."""
    if "?" in text or PERMISSION.search(text):
        return True
    return any(QUESTION.search(s.strip()) for s in SENTENCE_END.split(text))


def clarify_buttons(reply: Reply) -> list[dict[str, Any]]:
    """The three likeliest entries as buttons that answer the chosen one."""
    return [
        {"title": h.data["title"], "payload": f'/ask_knowledge{{"faq_id":"{h.doc_id}"}}'}
        for h in reply.candidates[:3]
    ]


def offer_choices(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """After a reply of its own, the entries that may answer the question instead."""
    dispatcher.utter_message(
        text="Or did you mean one of these?",
        buttons=[*clarify_buttons(reply), NONE_OF_THESE],
        **decided(Decision.CLARIFY),
    )


def answer_text(hit: Hit, *, lead: str = "") -> str:
    """The answer and, in words a customer follows, where it comes from: the FAQ question or
    the policy page and section, with the article's link when the pack has one. Internal ids
    and the index build travel in the message's metadata (`decided`), never in the text."""
    return f"{lead}{hit.data['answer']}\n\n{where_from(hit, 'From')}"


def where_from(hit: Hit, prefix: str) -> str:
    """'From our help pages: Can I swap for another size? (https://...)' ('More in our ...'
    beside a reply that sums the entry up)."""
    data = hit.data
    if data.get("kind") == "policy":
        where = f"{prefix} our {data.get('page') or 'policies'}: {data['title']}"
    else:
        where = f"{prefix} our help pages: {data['title']}"
    return where + (f" ({data['url']})" if data.get("url") else "")


def say_answer(
    dispatcher: CollectingDispatcher,
    hit: Hit,
    version: str,
    *,
    lead: str = "",
    feedback: bool = True,
) -> None:
    """An answer with its source, the decision in its metadata, and (with `feedback`, when it
    ends the turn) the "did that help" buttons."""
    dispatcher.utter_message(
        text=answer_text(hit, lead=lead),
        buttons=FEEDBACK_BUTTONS if feedback else [],
        **decided(Decision.ANSWER, hit, version),
    )


def decided(decision: Decision, hit: Hit | None = None, version: str = "") -> dict[str, str]:
    """The message's metadata that tells the conversation log what the FAQ action decided
    and from which source (`utter_message(..., **decided(...))`): Rasa keeps keys it does not
    know in the bot event's `metadata`, so analytics and evaluation read them there, not in
    the wording."""
    found = {FAQ_SOURCE: hit.doc_id, KNOWLEDGE_VERSION: version[:8]} if hit is not None else {}
    return {FAQ_DECISION: decision.value, **found}


def faq_slots(question: str, candidates: list[str], shown: list[str], best: float | None) -> list:
    return [
        SlotSet("faq_question", question),
        SlotSet("faq_candidates", candidates),
        SlotSet("faq_shown", shown),
        SlotSet("faq_best_score", best),
    ]


async def entry(action: UsesDeps, doc_id: str) -> tuple[Hit, str] | None:
    """An indexed entry and the index version it came from (read off the event loop)."""

    def read(deps: ActionDeps) -> tuple[Hit, str] | None:
        hit = deps.answerer.entry(doc_id)
        return (hit, deps.answerer.knowledge.version(ANSWERS)) if hit else None

    return await action.call(read)


async def answer_or_clarify(
    action: UsesDeps,
    dispatcher: CollectingDispatcher,
    question: str,
    clarify: bool = True,
    reply: Reply | None = None,
) -> tuple[list[EventType] | None, Reply]:
    """Answer from the knowledge base, or (with `clarify`) offer the closest questions;
    None when it has nothing good enough (the caller decides what to say then). `reply`:
    the knowledge base's reply to `question` when the caller already asked for it."""
    if reply is None:
        reply = await action.call(lambda d: d.answerer.reply(question))
    candidates = [h.doc_id for h in reply.candidates]
    best = reply.similarity if reply.best else None
    if reply.decision is Decision.ANSWER:
        say_answer(dispatcher, reply.best, reply.version)
        return faq_slots(question, candidates, candidates[:1], best), reply
    if reply.decision is Decision.CLARIFY and clarify:
        buttons = [*clarify_buttons(reply), NONE_OF_THESE]
        dispatcher.utter_message(
            text="Just to be sure, did you mean:",
            buttons=buttons,
            **decided(Decision.CLARIFY),
        )
        return faq_slots(question, candidates, [], best), reply
    return None, reply


def offer_person(dispatcher: CollectingDispatcher, text: str) -> None:
    """The knowledge base had nothing that helped: offer a person."""
    dispatcher.utter_message(text=text, buttons=OFFER_PERSON, **decided(Decision.ESCALATE))


class ActionAnswerFaq(UsesDeps, Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        chosen = next(tracker.get_latest_entity_values("faq_id"), None)
        found = await entry(self, chosen) if chosen else None
        if found:  # a clarify button: answer that entry
            shown = [*(tracker.get_slot("faq_shown") or []), chosen]
            hit, version = found
            say_answer(dispatcher, hit, version)
            return [SlotSet("faq_shown", shown)]
        question = customer_text(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "delete_data" and asks_for_deletion(tracker):
            events = await request_deletion(self, dispatcher, tracker)
            reply = await self.call(lambda d: d.answerer.reply(question))
            await self._say_where_from(dispatcher, "utter_delete_data", reply)  # the policy
            return events
        events = await self._answer(dispatcher, tracker, domain, question, intent)
        if intent == "delete_data":  # a question about deletion: answered, and offered
            offer_deletion(dispatcher)
        return events

    async def _answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        question: str,
        intent: str | None,
    ) -> list[EventType]:
        clarify = intent not in OWN_OFFER_FIRST
        answered, reply = await answer_or_clarify(self, dispatcher, question, clarify=clarify)
        if answered is not None:
            return answered
        candidates = [h.doc_id for h in reply.candidates]
        best = reply.similarity if reply.best else None
        best_doc = candidates[0] if candidates else None
        await self.call(
            lambda d: d.services.unanswered.record(
                question, best, best_doc, "escalated", tracker.sender_id, reply.version
            )
        )
        slots = faq_slots(question, candidates, [], best)
        if f"utter_{intent}" in (domain.get("responses") or {}):
            dispatcher.utter_message(response=f"utter_{intent}", **decided(Decision.ESCALATE))
            await self._say_where_from(dispatcher, f"utter_{intent}", reply)
            if reply.decision is Decision.CLARIFY:  # the offer first, then what may answer it
                offer_choices(dispatcher, reply)
            return slots
        if off_topic(tracker.latest_message, tracker.latest_message.get("intent_ranking") or []):
            return [*slots, FollowupAction(OUT_OF_SCOPE_RESPONSE)]
        # A question about the shop that the knowledge base cannot answer: a person can.
        dispatcher.utter_message(
            text="I don't have a good answer to that, so I'm passing your question to a person "
            "on our team.",
            **decided(Decision.ESCALATE),
        )
        return [*slots, *await escalate(self, tracker, dispatcher, "bot_failed")]

    async def _say_where_from(
        self, dispatcher: CollectingDispatcher, response: str, reply: Reply
    ) -> None:
        """The help page the pack's wording of `response` sums up (its `source:`), for the
        customer who wants the whole of it: when the knowledge base agrees that page is about
        the question (among its three likeliest). An intent model that misread the message
        ("is the rest of my order coming separately?" as a damaged item) points nowhere."""
        source = response_sources_of((await self.deps()).pack.root).get(response)
        likely = [h.doc_id for h in reply.candidates[:3]]
        found = await entry(self, source) if source in likely else None
        if found is not None:
            hit, version = found
            dispatcher.utter_message(
                text=where_from(hit, "More in"), **decided(Decision.ESCALATE, hit, version)
            )


class ActionFaqNotHelpful(UsesDeps, Action):
    """'That didn't help': try the next candidate once, then offer a person."""

    def name(self) -> str:
        return "action_faq_not_helpful"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        candidates = tracker.get_slot("faq_candidates") or []
        shown = tracker.get_slot("faq_shown") or []
        remaining = [c for c in candidates if c not in shown]
        found = await entry(self, remaining[0]) if remaining else None
        if found and len(shown) < MAX_ANSWERS_TRIED:
            lead = "Sorry about that. This may answer it instead:\n\n"
            hit, version = found
            say_answer(dispatcher, hit, version, lead=lead)
            return [SlotSet("faq_shown", [*shown, found[0].doc_id])]
        question = tracker.get_slot("faq_question") or tracker.latest_message.get("text") or ""
        best, best_doc = tracker.get_slot("faq_best_score"), shown[0] if shown else None
        await self.call(
            lambda d: d.services.unanswered.record(
                question, best, best_doc, "not_helpful", tracker.sender_id
            )
        )
        offer_person(
            dispatcher,
            "I'm sorry I couldn't find the right answer. Would you like a person from our team "
            "to help with this?",
        )
        return []
