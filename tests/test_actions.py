"""Custom actions run against a seeded shop with rasa_sdk's real Tracker and dispatcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.deps import ActionDeps
from actions.fallback import ActionFallbackSuggest, consecutive_fallbacks
from actions.handoff import ActionRequestHuman, ActionSaveRating
from actions.orders import ActionShowOrderStatus, ValidateOrderLookupForm
from actions.returns import ActionAskReturnItem, ActionSubmitReturn, ValidateReturnForm
from bot.pack import ShopPack
from bot.shop.demo_data import (
    DEMO_EMAIL,
    DEMO_ORDER_DELIVERED,
    DEMO_ORDER_IN_TRANSIT,
    DEMO_ORDER_PROCESSING,
)
from bot.shop.models import ReturnRequest
from knowledge.answers import Decision, Reply
from tests.packs import KV


class NoProduct:
    """A catalogue in which the message names nothing."""

    def by_name(self, text: str) -> None:
        return None


class NoAnswer:
    """A knowledge base with nothing close to the question."""

    def reply(self, question: str) -> Reply:
        return Reply(Decision.ESCALATE, (), "v1")


class Missing:
    """A part of ActionDeps a test did not give: an action reaching for it fails the test,
    naming the part."""

    def __init__(self, part: str) -> None:
        self.part = part

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the action used deps.{self.part}.{name}: this test gave none")


def deps(
    services: Any,
    answerer: Any = None,
    finder: Any = None,
    recommender: Any = None,
    pack: ShopPack | None = None,
) -> ActionDeps:
    """What an action calls, as one object: the test's services and fakes (the demo shop's
    pack unless another is given), and for each part not given a stand-in that fails the
    test if the action reaches for it."""
    return ActionDeps(
        settings=Missing("settings"),
        pack=KV if pack is None else pack,
        services=services,
        knowledge=Missing("knowledge"),
        answerer=Missing("answerer") if answerer is None else answerer,
        finder=Missing("finder") if finder is None else finder,
        recommender=Missing("recommender") if recommender is None else recommender,
    )


DOMAIN = yaml.safe_load((Path(__file__).parents[1] / "domain.yml").read_text())


def user(text: str, intent: str = "inform", ranking: list | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "intent_ranking": ranking},
    }


def tracker(
    slots: dict[str, Any] | None = None,
    just_set: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    ranking: list | None = None,
    history: list[dict[str, Any]] | None = None,
    form: str | None = "order_lookup_form",
) -> Tracker:
    """A tracker whose latest user message `text` filled the slots in `just_set`."""
    events = [*(history or []), user(text, intent, ranking)]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (just_set or {}).items()]
    return Tracker(
        sender_id="conv-42",
        slots={**(slots or {}), **(just_set or {})},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": ranking or [],
        },
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> str:
    return " ".join(m["text"] or "" for m in dispatcher.messages)


async def run(action, t: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    return await action.run(dispatcher, t, DOMAIN), dispatcher


async def test_order_number_then_matching_email_verifies_the_order(services):
    form = ValidateOrderLookupForm(deps(services))
    events, _ = await run(form, tracker(just_set={"order_number": "#100234"}, text="#100234"))
    assert events == [SlotSet("order_number", str(DEMO_ORDER_IN_TRANSIT))]

    t = tracker({"order_number": "100234"}, {"customer_email": "Emma.Larsen@example.com"})
    events, dispatcher = await run(form, t)
    assert sorted(events, key=lambda e: e["name"]) == [
        SlotSet("customer_email", DEMO_EMAIL),
        SlotSet("order_number", "100234"),
        SlotSet("verification_failures", 0),
        SlotSet("verified_customer", DEMO_EMAIL),
        SlotSet("verified_order", "100234"),
    ]
    assert dispatcher.messages == []


async def test_wrong_email_is_refused_without_revealing_the_owner(services):
    t = tracker({"order_number": "100234"}, {"customer_email": "mallory@evil.example"})
    events, dispatcher = await run(ValidateOrderLookupForm(deps(services)), t)
    assert SlotSet("customer_email", None) in events
    assert SlotSet("verification_failures", 1) in events
    said = texts(dispatcher)
    assert "couldn't find order #100234 with that email" in said
    assert "emma" not in said.lower() and "Larsen" not in said


async def test_a_stranger_cannot_tell_which_order_numbers_exist(services):
    """A real order with someone else's email and a number no order has: the same events
    and the same words (but the number), when the number comes and when the email does."""

    async def attempt(number: str) -> tuple[list, str]:
        form = ValidateOrderLookupForm(deps(services))
        first, said_first = await run(form, tracker(just_set={"order_number": number}))
        then, said_then = await run(
            form, tracker({"order_number": number}, {"customer_email": "mallory@evil.example"})
        )
        said = (texts(said_first) + " | " + texts(said_then)).replace(number, "N")
        slots = [(e["name"], "N" if e["value"] == number else e["value"]) for e in first + then]
        return slots, said

    real, unknown = await attempt("100234"), await attempt("199998")
    assert real == unknown
    slots, said = unknown
    assert slots[0] == ("order_number", "N")  # taken, not "I couldn't find an order #N"
    assert said.startswith(" | Sorry, I couldn't find order #N with that email address.")
    assert "check both" in said and "order number" in said and "address" in said


async def test_a_corrected_number_sent_where_the_email_was_asked_is_taken(services):
    t = tracker({"order_number": "199998"}, {"customer_email": "100234"}, text="100234")
    events, dispatcher = await run(ValidateOrderLookupForm(deps(services)), t)
    assert SlotSet("order_number", "100234") in events
    assert SlotSet("customer_email", None) in events
    assert dispatcher.messages == []


async def test_third_failure_offers_a_person(services):
    t = tracker(
        {"order_number": "100234", "verification_failures": 2}, {"customer_email": "a@b.co"}
    )
    _, dispatcher = await run(ValidateOrderLookupForm(deps(services)), t)
    assert "talk to a human" in texts(dispatcher)


async def test_a_malformed_order_number_is_asked_again(services):
    events, dispatcher = await run(
        ValidateOrderLookupForm(deps(services)), tracker(just_set={"order_number": "my order"})
    )
    assert events == [SlotSet("order_number", None)]
    assert "looks like #100234" in texts(dispatcher)  # the pack's example


async def test_email_given_for_another_order_is_asked_again(services):
    t = tracker({"customer_email": "someone.else@gmail.com"}, {"order_number": "100234"})
    events, _ = await run(ValidateOrderLookupForm(deps(services)), t)
    assert SlotSet("order_number", "100234") in events
    assert SlotSet("customer_email", None) in events


async def test_status_is_shown_for_the_verified_order_only(services):
    t = tracker({"verified_order": "100234", "customer_email": DEMO_EMAIL}, form=None)
    events, dispatcher = await run(ActionShowOrderStatus(deps(services, answerer=NoAnswer())), t)
    assert "Order #100234" in texts(dispatcher) and "has shipped" in texts(dispatcher)
    assert events == [SlotSet("order_number", None), SlotSet("verified_order", None)]

    t = tracker({"order_number": "100234", "customer_email": DEMO_EMAIL}, form=None)
    _, dispatcher = await run(ActionShowOrderStatus(deps(services, answerer=NoAnswer())), t)
    assert "couldn't verify" in texts(dispatcher)


async def test_return_form_refuses_an_order_not_yet_delivered(services):
    t = tracker(
        {"order_number": str(DEMO_ORDER_PROCESSING)},
        {"customer_email": DEMO_EMAIL},
        form="return_form",
    )
    events, dispatcher = await run(ValidateReturnForm(deps(services)), t)
    assert "hasn't shipped yet" in texts(dispatcher)
    assert SlotSet("order_number", None) in events


async def test_return_from_item_buttons_to_rma(services):
    number = str(DEMO_ORDER_DELIVERED)
    verified = {"order_number": number, "verified_order": number, "customer_email": DEMO_EMAIL}
    _, dispatcher = await run(
        ActionAskReturnItem(deps(services)), tracker(verified, form="return_form")
    )
    buttons = dispatcher.messages[0]["buttons"]
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    assert [b["title"] for b in buttons] == [i.name for i in order.items]

    t = tracker(verified, {"return_item": buttons[1]["payload"]}, form="return_form")
    events, _ = await run(ValidateReturnForm(deps(services)), t)
    assert events == [SlotSet("return_item", order.items[1].name)]

    done = {**verified, "return_item": order.items[1].name, "return_reason": "Arrived damaged"}
    events, dispatcher = await run(ActionSubmitReturn(deps(services)), tracker(done, form=None))
    rma = f"RMA-{DEMO_ORDER_DELIVERED}-{order.items[1].id}"
    assert rma in texts(dispatcher)
    assert SlotSet("return_item", None) in events
    with Session(services.engine) as session:
        stored = session.execute(select(ReturnRequest.rma, ReturnRequest.reason)).all()
    assert stored == [(rma, "Arrived damaged")]


async def test_first_fallback_offers_the_two_likeliest_intents(services):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "refund_status", "confidence": 0.3},
        {"name": "inform", "confidence": 0.2},
        {"name": "return_item", "confidence": 0.1},
        {"name": "order_status", "confidence": 0.05},
    ]
    t = tracker(text="money back thing?", intent="nlu_fallback", ranking=ranking, form=None)
    _, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=NoAnswer(), finder=NoProduct())), t
    )
    assert "rephrase" in texts(dispatcher)
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        "/refund_status",
        "/return_item",
    ]


async def test_a_message_about_nothing_the_shop_knows_is_declined(services):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "greet", "confidence": 0.2},
        {"name": "out_of_scope", "confidence": 0.15},
    ]
    t = tracker(text="did the lakers win by 2?", intent="nlu_fallback", ranking=ranking, form=None)
    t.latest_message["entities"] = [{"entity": "quantity", "value": "2"}]  # ties it to nothing
    events, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=NoAnswer(), finder=NoProduct())), t
    )
    assert events == [FollowupAction("utter_out_of_scope")] and not dispatcher.messages
    t.latest_message["entities"] = [{"entity": "order_number", "value": "100234"}]
    events, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=NoAnswer(), finder=NoProduct())), t
    )
    assert not events and "rephrase" in texts(dispatcher)


async def test_second_fallback_in_a_row_escalates_to_a_ticket(services):
    history = [
        user("blorp", "nlu_fallback"),
        {"event": "action", "name": "action_fallback_suggest"},
    ]
    t = tracker(text="zzz", intent="nlu_fallback", history=history, form=None)
    assert consecutive_fallbacks(t.events) == 2
    _, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=NoAnswer(), finder=NoProduct())), t
    )
    assert "keep misunderstanding" in texts(dispatcher) and "ticket #1" in texts(dispatcher)
    assert services.tickets.latest("conv-42").reason == "bot_failed"
    history = [user("blorp", "nlu_fallback"), user("track my order", "order_status")]
    assert (
        consecutive_fallbacks(tracker(text="x", intent="nlu_fallback", history=history).events) == 1
    )


async def test_request_for_a_person_with_nobody_online_queues_a_classified_ticket(services):
    history = [user("I was charged twice for order 100234, fix it", "billing_problem")]
    t = tracker(
        text="I want to speak to a real person", intent="request_human", history=history, form=None
    )
    events, dispatcher = await run(ActionRequestHuman(deps(services)), t)
    ticket = services.tickets.latest("conv-42")
    assert (ticket.status, ticket.reason, ticket.category, ticket.queue) == (
        "queued",
        "customer_request",
        "billing",
        "billing",
    )
    assert "Customer: I was charged twice" in ticket.summary
    assert "No one from our billing team is online" in texts(dispatcher)
    assert (
        "(we're here Mon-Fri 8:00\u202fAM-8:00\u202fPM, Sat 9:00\u202fAM-5:00\u202fPM ET)"
        in texts(dispatcher)
    )
    assert events == []  # nobody can take it yet: the bot keeps helping
    _, dispatcher = await run(ActionRequestHuman(deps(services)), t)
    assert f"ticket #{ticket.id}" in texts(dispatcher)
    assert services.tickets.latest("conv-42").id == ticket.id  # no second ticket


async def test_with_an_agent_online_the_bot_pauses_and_gives_the_queue_position(services):
    agent = services.agents.create("alex", "Alex", "correct horse battery", skills=["billing"])
    services.presence.seen(agent)
    history = [user("my card was charged twice", "billing_problem")]
    t = tracker(text="human please", intent="request_human", history=history, form=None)
    events, dispatcher = await run(ActionRequestHuman(deps(services)), t)
    assert events == [{"event": "pause", "timestamp": None}]
    assert "next in line" in texts(dispatcher) and "will join this chat" in texts(dispatcher)


def rating(value: str) -> Tracker:
    t = tracker(text=f'/rate{{"rating":"{value}"}}', intent="rate", form=None)
    t.latest_message["entities"] = [{"entity": "rating", "value": value}]
    return t


async def test_a_rating_typed_by_hand_with_nothing_to_rate_is_not_stored(services):
    from bot.support.models import CsatRating

    _, dispatcher = await run(ActionSaveRating(deps(services)), rating("1"))
    assert "Thank you for your feedback" not in texts(dispatcher)
    with Session(services.engine) as session:
        assert session.execute(select(CsatRating)).first() is None


async def test_a_rating_after_a_resolved_handoff_is_stored_once(services):
    from bot.support.models import CsatRating

    agent = services.agents.create("alex", "Alex", "correct horse battery", skills=["billing"])
    opened = services.escalation.open("conv-42", "customer_request", [("customer", "charged!")])
    services.tickets.take(opened.ticket_id, agent)
    services.tickets.resolve(opened.ticket_id, agent)
    _, dispatcher = await run(ActionSaveRating(deps(services)), rating("6"))
    assert texts(dispatcher) == "Please pick a rating from 1 to 5."
    _, dispatcher = await run(ActionSaveRating(deps(services)), rating("4"))
    assert "Thank you for your feedback" in texts(dispatcher)
    await run(ActionSaveRating(deps(services)), rating("1"))  # a second click changes nothing
    with Session(services.engine) as session:
        scores = session.execute(select(CsatRating.score)).scalars().all()
    assert scores == [4]


def test_second_questions_are_the_clauses_after_the_first():
    from actions.follow_up import second_questions

    history = [
        user("where is 100436 and can I change the delivery address?", "order_status"),
        user("someone@example.com"),
    ]
    t = tracker(text="ok", history=history, form=None)
    assert second_questions(t) == ["can I change the delivery address?"]
    single = tracker(text="where is my order? it's late", history=[], form=None)
    assert second_questions(single) == []


async def test_an_order_the_customer_did_not_place_is_urgent_for_the_accounts_team(services):
    t = tracker(
        text="there's an order on my account for a TV I never made",
        intent="account_security",
        form=None,
    )
    _, dispatcher = await run(ActionRequestHuman(deps(services)), t)
    ticket = services.tickets.latest("conv-42")
    assert (ticket.queue, ticket.priority, ticket.reason) == ("accounts", "urgent", "security")
    assert "urgent for our accounts team" in texts(dispatcher)
