"""FAQ, recommendation and product actions on a real small index and a seeded shop."""

from __future__ import annotations

import re

import pytest
from rasa.core.actions.action import RemoteAction
from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.fallback import ActionFallbackSuggest
from actions.knowledge import ActionAnswerFaq, ActionFaqNotHelpful
from actions.knowledge_first import ActionKnowledgeFirst
from actions.products import ActionCompareProducts, ActionProductInfo, ActionRecommendProducts
from bot.conversations.log import ConversationLog
from bot.conversations.models import Message, UnansweredQuestion
from bot.shop.recommend import Recommender
from bot.support.models import Ticket
from knowledge.answers import Decision, FaqAnswerer, Reply, Thresholds
from knowledge.retrieval import Hit
from tests.test_actions import DOMAIN, deps, run, texts, tracker, user


@pytest.fixture
def answerer(small_knowledge):
    return FaqAnswerer(small_knowledge, Thresholds.load())


OPENED_APPLIANCE = (
    "From our help pages: Can I return an opened small appliance, like a blender or coffee machine?"
)


def ask(text, intent="ask_knowledge", slots=None):
    return tracker(slots, text=text, intent=intent, form=None)


async def test_faq_answer_names_its_source_and_asks_for_feedback(answerer, services):
    events, dispatcher = await run(
        ActionAnswerFaq(deps(services, answerer=answerer)), ask("can I return an opened blender?")
    )
    message = dispatcher.messages[0]
    assert message["text"].endswith(f"\n\n{OPENED_APPLIANCE}")  # the question, not an id
    assert message["faq_source"] == "faq:returns-opened-small-appliance"  # metadata
    assert [b["payload"] for b in message["buttons"]] == ["/thank_you", "/faq_not_helpful"]
    assert SlotSet("faq_shown", ["faq:returns-opened-small-appliance"]) in events


class DecidedAnswerer:
    """An answerer that makes one decision on every question, with three candidates."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision

    def reply(self, question):
        hits = tuple(
            Hit(f"faq:{doc}", 0.9, {"title": doc, "answer": "Yes.", "source": f"FAQ '{doc}'"})
            for doc in ("payments-paypal", "payments-klarna", "returns-window")
        )
        similarity = 0.1 if self.decision is Decision.ESCALATE else 0.8
        return Reply(self.decision, hits, "v1", similarity)


@pytest.mark.parametrize(
    ("decided", "logged"),
    [
        (Decision.ANSWER, Decision.ANSWER),
        (Decision.CLARIFY, Decision.CLARIFY),
        (Decision.ESCALATE, Decision.ESCALATE),
    ],
)
async def test_the_decision_reaches_the_log_as_data(services, decided, logged):
    """The FAQ action's decision rides in the bot event's metadata (Rasa's own handling of
    an action server's message), and the log stores it with the message."""
    action = ActionAnswerFaq(deps(services, answerer=DecidedAnswerer(decided)))
    _, dispatcher = await run(action, ask("can I pay with paypal?"))
    (uttered, *_) = await RemoteAction._utter_responses([dict(dispatcher.messages[0])], *[None] * 3)
    assert uttered.metadata["faq_decision"] == logged.value
    ConversationLog(services.engine).write({"sender_id": "conv-42", **uttered.as_dict()})
    with Session(services.engine) as session:
        row = session.execute(select(Message).where(Message.sender == "bot")).scalar_one()
    assert (row.text, row.faq_decision) == (uttered.text, logged)


async def test_close_candidates_are_offered_as_three_buttons(answerer, services):
    _, dispatcher = await run(ActionAnswerFaq(deps(services, answerer=answerer)), ask("returns"))
    buttons = dispatcher.messages[0]["buttons"]
    assert "did you mean" in dispatcher.messages[0]["text"]
    assert len(buttons) == 4 and buttons[-1]["payload"] == "/faq_not_helpful"
    assert all(b["payload"].startswith('/ask_knowledge{"faq_id":') for b in buttons[:3])


async def test_clarify_button_answers_the_chosen_entry(answerer, services):
    t = ask('/ask_knowledge{"faq_id":"faq:payments-klarna"}')
    t.latest_message["entities"] = [{"entity": "faq_id", "value": "faq:payments-klarna"}]
    _, dispatcher = await run(ActionAnswerFaq(deps(services, answerer=answerer)), t)
    assert "Klarna" in dispatcher.messages[0]["text"]


async def test_unanswerable_question_is_recorded_and_passed_to_a_person(answerer, services):
    question = "what is the airspeed velocity of an unladen swallow"
    events, dispatcher = await run(
        ActionAnswerFaq(deps(services, answerer=answerer)), ask(question)
    )
    assert "passing your question to a person" in texts(dispatcher)
    with Session(services.engine) as session:
        row = session.execute(select(UnansweredQuestion)).scalar_one()
        ticket = session.execute(select(Ticket)).scalar_one()
    assert (row.text, row.outcome, row.conversation_id) == (question, "escalated", "conv-42")
    assert row.best_score < Thresholds.load().clarify
    assert (ticket.conversation_id, ticket.reason) == ("conv-42", "bot_failed")


async def test_an_off_topic_question_is_declined_not_passed_on(answerer, services):
    t = ask("what is the airspeed velocity of an unladen swallow")
    t.latest_message["intent_ranking"] = [{"name": "ask_knowledge"}, {"name": "out_of_scope"}]
    events, dispatcher = await run(ActionAnswerFaq(deps(services, answerer=answerer)), t)
    assert events[-1] == FollowupAction("utter_out_of_scope") and not dispatcher.messages
    with Session(services.engine) as session:
        assert session.execute(select(Ticket)).first() is None


async def test_known_intent_falls_back_to_its_policy_response(answerer, services):
    t = ask("blorp snark zzz", intent="payment_methods")
    _, dispatcher = await run(ActionAnswerFaq(deps(services, answerer=answerer)), t)
    assert dispatcher.messages[0]["response"] == "utter_payment_methods"
    assert "utter_payment_methods" in DOMAIN["responses"]
    assert len(dispatcher.messages) == 1  # the FAQ sees nothing about payments: no page named


class LeaningAnswerer:
    """The real answerer, whose ranking leans (too unsure to answer) towards `leaning`."""

    def __init__(self, answerer: FaqAnswerer, leaning: str) -> None:
        self.answerer, self.leaning = answerer, leaning
        self.knowledge = answerer.knowledge

    def reply(self, question: str) -> Reply:
        hit = self.answerer.entry(self.leaning)
        return Reply(Decision.ESCALATE, (hit,), "v1", similarity=0.2)

    def entry(self, doc_id: str) -> Hit | None:
        return self.answerer.entry(doc_id)


async def test_a_policy_response_names_the_page_it_sums_up(answerer, services):
    """The pack's wording names its FAQ entry (responses.yml `source:`): the customer is shown
    where to read on, when the knowledge base also leans to that page."""
    leaning = LeaningAnswerer(answerer, "faq:payments-accepted-methods")
    t = ask("what do u take", intent="payment_methods")
    _, dispatcher = await run(ActionAnswerFaq(deps(services, answerer=leaning)), t)
    response, more = dispatcher.messages
    assert response["response"] == "utter_payment_methods"
    assert more["text"].startswith("More in our help pages: What payment methods")
    assert more["faq_source"] == "faq:payments-accepted-methods"
    assert "faq:" not in more["text"]


async def test_not_helpful_tries_the_next_candidate_then_offers_a_person(answerer, services):
    slots = {
        "faq_question": "refund",
        "faq_candidates": [
            "faq:returns-refund-timing",
            "faq:payments-klarna",
            "faq:returns-window",
        ],
        "faq_shown": ["faq:returns-refund-timing"],
        "faq_best_score": 0.6,
    }
    events, dispatcher = await run(
        ActionFaqNotHelpful(deps(services, answerer=answerer)), ask("no", "faq_not_helpful", slots)
    )
    assert "Klarna" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["faq_decision"] == "answer"
    assert events == [SlotSet("faq_shown", ["faq:returns-refund-timing", "faq:payments-klarna"])]

    slots["faq_shown"] = events[0]["value"]
    _, dispatcher = await run(
        ActionFaqNotHelpful(deps(services, answerer=answerer)), ask("no", "faq_not_helpful", slots)
    )
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/request_human"
    with Session(services.engine) as session:
        row = session.execute(select(UnansweredQuestion)).scalar_one()
    assert (row.text, row.outcome, row.best_score) == ("refund", "not_helpful", 0.6)


async def test_quiet_dishwasher_under_600(recommender, services, finder):
    action = ActionRecommendProducts(deps(services, finder=finder, recommender=recommender))
    _, dispatcher = await run(
        action, ask("recommend a quiet dishwasher under 600 dollars", "recommend_product")
    )
    text = texts(dispatcher)
    assert "quiet dishwasher under $600" in text
    payload = recommender.knowledge.collection("products").payload
    listed = [d for d in payload.values() if d["name"] in text]
    assert len(listed) == 3
    assert all(
        d["category"] == "dishwasher" and d["price"] <= 600 and d["stock"] > 0 for d in listed
    )
    cheap_enough = [
        d
        for d in payload.values()
        if d["category"] == "dishwasher" and d["price"] <= 600 and d["stock"]
    ]
    quietest = min(float(d["specs"]["noise_db"]) for d in cheap_enough)
    assert min(float(d["specs"]["noise_db"]) for d in listed) == quietest
    assert "dB" in text or "noise db" in text


async def test_a_budget_given_next_refines_the_recommendation(
    recommender, services, finder, answerer
):
    """'I need a dishwasher', picks, then 'hmm, up to 500 dollars' (no intent the model is
    sure of): the picks again, within the budget, not a FAQ answer about dishwashers."""
    action = ActionRecommendProducts(deps(services, finder=finder, recommender=recommender))
    _, first = await run(action, ask("I need a new dishwasher", "recommend_product"))
    picked = first.messages[0]
    history = [
        user("I need a new dishwasher", "recommend_product"),
        {
            "event": "bot",
            **{"text": picked["text"], "metadata": {"recommended_for": picked["recommended_for"]}},
        },
    ]
    t = tracker(text="hmm. up to 500 dollars", intent="nlu_fallback", history=history, form=None)
    t.latest_message["entities"] = [{"entity": "budget", "value": "500"}]
    fallback = ActionFallbackSuggest(
        deps(services, answerer=answerer, finder=finder, recommender=recommender)
    )
    _, dispatcher = await run(fallback, t)
    text = texts(dispatcher)
    payload = recommender.knowledge.collection("products").payload
    listed = [d for d in payload.values() if d["name"] in text]
    assert text.startswith("My top picks (dishwasher under $500.00)") and listed
    assert all(d["category"] == "dishwasher" and d["price"] <= 500 for d in listed)

    # and lowered again: the latest budget counts
    refined = dispatcher.messages[0]
    history += [
        user("hmm. up to 500 dollars", "nlu_fallback"),
        {
            "event": "bot",
            **{
                "text": refined["text"],
                "metadata": {"recommended_for": refined["recommended_for"]},
            },
        },
    ]
    t = tracker(
        text="no more than 450 actually", intent="recommend_product", history=history, form=None
    )
    _, dispatcher = await run(action, t)
    assert texts(dispatcher).startswith("My top picks (dishwasher under $450.00)")


async def test_gift_idea_without_category_finds_coffee_gear(recommender, services, finder):
    _, dispatcher = await run(
        ActionRecommendProducts(deps(services, finder=finder, recommender=recommender)),
        ask("gift for a coffee lover", "recommend_product"),
    )
    payload = recommender.knowledge.collection("products").payload
    listed = [d for d in payload.values() if d["name"] in texts(dispatcher)]
    assert listed and all(d["category"] == "coffee-machine" for d in listed)


def test_purchase_history_personalises_the_ranking(recommender, services):
    history = services.orders.purchased_skus("emma.larsen@example.com")
    assert history
    _, generic = recommender.recommend("a nice kettle", k=10)
    _, personal = recommender.recommend("a nice kettle", history=history, k=10)
    assert [r.sku for r in personal] != [r.sku for r in generic] or any(
        "bought before" in r.reason for r in personal
    )


async def test_compare_two_named_products_from_specs(finder, services):
    t = ask("compare Sony WH-1000XM5 vs Bose QuietComfort Ultra Headphones", "compare_products")
    _, dispatcher = await run(ActionCompareProducts(deps(services, finder=finder)), t)
    text = texts(dispatcher)
    assert "Sony WH-1000XM5 Wireless Headphones vs Bose QuietComfort Ultra Headphones" in text
    assert "- battery h: 30 vs 24" in text and "- price: $399.99 vs $429.00" in text


async def test_a_comparison_naming_nothing_asks_with_the_shops_own_example(finder, services):
    t = ask("which of these two is better?", "compare_products")
    _, dispatcher = await run(ActionCompareProducts(deps(services, finder=finder)), t)
    said = texts(dispatcher)
    assert said.startswith("Which two products should I compare? Name both, e.g. ")
    first, second = said.split('e.g. "')[1].rstrip('".').split(" vs ")
    names = {p["name"] for p in finder.knowledge.collection("products").payload.values()}
    assert {first, second} <= names  # two of this shop's products, not a fixed example


async def test_product_question_shows_price_stock_and_specs(
    finder, services, answerer, recommender
):
    _, dispatcher = await run(
        ActionProductInfo(
            deps(services, answerer=answerer, finder=finder, recommender=recommender)
        ),
        ask("is the Smeg KLF03 kettle in stock?", "product_availability"),
    )
    text = texts(dispatcher)
    assert text.startswith("Smeg KLF03") and "$" in text and "Specs:" in text


class FixedAnswerer(LeaningAnswerer):
    """The real answerer's entries, with a ranking of the test's: `leaning` at `score`."""

    def __init__(self, answerer: FaqAnswerer, leaning: str, score: float) -> None:
        super().__init__(answerer, leaning)
        self.score = score

    def reply(self, question: str) -> Reply:
        best = self.answerer.entry(self.leaning)
        other = Hit("faq:other", 0.1, {})
        return Reply(Decision.ANSWER, (Hit(best.doc_id, self.score, best.data), other), "v1", 0.7)


@pytest.mark.parametrize(("score", "answered"), [(0.69, True), (0.52, False)])
async def test_a_question_about_a_named_product_the_help_pages_answer_gets_both(
    finder, services, answerer, recommender, score, answered
):
    """'Is the KLF03 covered if it stops working?': the kettle's facts, and the warranty page
    when the knowledge base is sure of it (not when it only leans to it)."""
    leaning = FixedAnswerer(answerer, "faq:warranty-coverage-length", score)
    _, dispatcher = await run(
        ActionProductInfo(deps(services, answerer=leaning, finder=finder, recommender=recommender)),
        ask("is the Smeg KLF03 kettle covered if it stops working?", "product_question"),
    )
    text = texts(dispatcher)
    assert text.startswith("Smeg KLF03")
    assert ("From our help pages: How long is the warranty" in text) is answered


async def test_a_recommendation_naming_one_product_gets_its_facts(
    finder, services, answerer, recommender
):
    action = ActionRecommendProducts(
        deps(services, answerer=answerer, finder=finder, recommender=recommender)
    )
    _, dispatcher = await run(
        action, ask("smeg klf03 kettle, what does it cost?", "recommend_product")
    )
    assert texts(dispatcher).startswith("Smeg KLF03")
    _, dispatcher = await run(
        action, ask("something like the smeg klf03 but cheaper", "recommend_product")
    )
    assert texts(dispatcher).startswith("My top picks")


async def test_an_unsure_nlu_still_answers_a_question_the_shop_has_answered(
    answerer, services, finder
):
    t = ask("opened blender, can it still go back?", intent="nlu_fallback")
    _, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=answerer, finder=finder)), t
    )
    assert OPENED_APPLIANCE in dispatcher.messages[0]["text"]
    assert "not sure I understood" not in texts(dispatcher)


async def test_a_suggestion_button_works_on_what_the_customer_typed(recommender, services, finder):
    history = [user("a kettle as a gift, max 60 dollars", "nlu_fallback")]
    t = tracker(text="/recommend_product", intent="recommend_product", history=history, form=None)
    _, dispatcher = await run(
        ActionRecommendProducts(deps(services, finder=finder, recommender=recommender)), t
    )
    reply = texts(dispatcher)
    assert "kettle under $60" in reply
    prices = [float(p) for p in re.findall(r" - \$([\d.]+) \(", reply)]
    assert prices and all(price <= 60 for price in prices)


def out_of_stock(products, category: str):
    return next(p for p in products if p.category == category and p.stock == 0)


async def test_a_named_out_of_stock_product_is_reported_as_it_is(
    finder, services, products, answerer, recommender
):
    gone = out_of_stock(products, "headphones")
    brand_and_model = " ".join(gone.name.split()[:3]).lower()
    _, dispatcher = await run(
        ActionProductInfo(
            deps(services, answerer=answerer, finder=finder, recommender=recommender)
        ),
        ask(f"is the {brand_and_model} available?"),
    )
    first = dispatcher.messages[0]["text"]
    assert first.startswith(f"{gone.name} - ${gone.price:.2f}") and "out of stock" in first
    assert "In stock now:" in dispatcher.messages[1]["text"]


@pytest.mark.parametrize("asked", ["do you have the Sony WH-9000XM9?", "Smeg KLF99 kettle price"])
async def test_a_product_the_shop_does_not_sell_is_not_passed_off_as_another(
    finder, services, asked, answerer, recommender
):
    _, dispatcher = await run(
        ActionProductInfo(
            deps(services, answerer=answerer, finder=finder, recommender=recommender)
        ),
        ask(asked),
    )
    reply = texts(dispatcher)
    assert reply.startswith("Sorry, we don't sell that one.")
    assert " - $" not in reply.split("closest")[0]  # no product card for something else


@pytest.mark.parametrize(
    ("asked", "not_sold"),
    [
        ("she wants to learn to read a map properly. do ye run anything like that?", False),
        ("Smeg KLF99 kettle price", True),  # a model code: a product named, sold or not
    ],
)
async def test_an_unsure_product_question_is_not_told_we_do_not_sell_it(
    finder, services, answerer, recommender, asked, not_sold
):
    t = ask(asked, intent="product_question")
    t.latest_message["intent"]["confidence"] = 0.36
    _, dispatcher = await run(
        ActionProductInfo(
            deps(services, answerer=answerer, finder=finder, recommender=recommender)
        ),
        t,
    )
    assert texts(dispatcher).startswith("Sorry, we don't sell that one.") is not_sold
    assert dispatcher.messages


def test_names_with_slips_and_spacing_still_find_the_product(finder):
    assert finder.by_name("how much is the smeg klf 03 kettle")["name"].startswith("Smeg KLF03")
    assert finder.by_name("sony wh1000xm5 headphones?")["name"].startswith("Sony WH-1000XM5")


async def test_a_second_question_in_the_first_message_is_answered_after_the_status(
    answerer, services
):
    from actions.orders import ActionShowOrderStatus
    from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_IN_TRANSIT

    history = [user(f"where is {DEMO_ORDER_IN_TRANSIT}, and can I return an opened blender?")]
    slots = {"verified_order": str(DEMO_ORDER_IN_TRANSIT), "customer_email": DEMO_EMAIL}
    t = tracker(slots, text=DEMO_EMAIL, history=history, form=None)
    _, dispatcher = await run(ActionShowOrderStatus(deps(services, answerer=answerer)), t)
    status, follow_up = dispatcher.messages
    assert status["text"].startswith(f"Order #{DEMO_ORDER_IN_TRANSIT}")
    assert follow_up["text"].startswith('You also asked: "can I return an opened blender?"')
    assert OPENED_APPLIANCE in follow_up["text"]


async def test_an_unsure_nlu_still_recognises_a_named_product(answerer, services, finder):
    t = ask("how much r u selling the smeg klf03 for", intent="nlu_fallback")
    _, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=answerer, finder=finder)), t
    )
    assert texts(dispatcher).startswith("Smeg KLF03")


def test_a_comparison_carries_the_brand_to_the_second_name(finder):
    compared = finder.compare("sony wh-1000xm5 vs the wf-1000xm5 earbuds")
    assert compared is not None and compared.names[0].startswith("Sony WH-1000XM5")
    assert compared.names[1].startswith("Sony WF-1000XM5")


def test_a_model_line_and_the_category_said_name_the_right_product(finder):
    dishwasher = finder.by_name("siemens iq500 dishwasher - how many have you got left?")
    assert dishwasher["name"] == "Siemens iQ500 SN25ZI49CE Dishwasher"  # not the fridge
    assert finder.by_name("price on the Fellow Stagg EKG?")["name"].startswith("Fellow Stagg")
    compared = finder.compare("breville bambino plus vs the barista pro, which for a beginner?")
    assert compared.names == (
        "Breville Bambino Plus BES500BSS Espresso Machine",
        "Breville Barista Pro BES878BSS Espresso Machine",
    )


def test_a_model_the_brand_does_not_make_is_not_sold(finder):
    found = finder.find("looking for the Keurig K-Supreme Plus, do you stock it?")
    assert found.not_sold and found.product is None


class UnsureAnswerer:
    """An answerer that is only close (clarify) on every question: the decision under test
    is the action's, not the index's."""

    def reply(self, question):
        hits = tuple(
            Hit(f"faq:{doc}", 0.3, {"title": doc.replace("-", " "), "answer": "...", "source": ""})
            for doc in ("returns-large-appliance", "returns-window", "returns-shipping-cost")
        )
        return Reply(Decision.CLARIFY, hits, "v1", 0.65)


@pytest.mark.parametrize(
    ("text", "offers"),
    [
        ("we had the dishwasher plumbed in last week, can we still return it?", True),
        ("am I still allowed to send back a blender I used twice?", True),
        ("can I return the kettle from order 100234?", False),  # a request with its order
        ("how do I send it back?", False),  # asks how to do it: start it
        ("I want to return my kettle", False),  # no question
    ],
)
async def test_a_return_question_the_shop_is_unsure_of_offers_answers_before_the_form(
    services, text, offers
):
    t = ask(text, intent="return_item")
    if "100234" in text:
        t.latest_message["entities"] = [{"entity": "order_number", "value": "100234"}]
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=UnsureAnswerer())), t
    )
    if not offers:
        assert (events, dispatcher.messages) == ([], [])
        return
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads[0] == '/ask_knowledge{"faq_id":"faq:returns-large-appliance"}'
    assert payloads[-1] == "/return_item"
    assert events[-1] == FollowupAction("action_listen")  # the form waits for the choice


class SureAnswerer:
    """An answerer sure of one FAQ entry, built index "v1-build"."""

    def reply(self, question):
        data = {"title": "Can I return a stove?", "answer": "Unused stoves within 14 days."}
        return Reply(Decision.ANSWER, (Hit("faq:returns-stoves", 0.9, data),), "v1-build", 0.9)


async def test_a_return_question_answered_with_confidence_names_its_source_not_the_index(
    services,
):
    t = ask("can I return gas canisters I never opened?", intent="return_item")
    events, dispatcher = await run(ActionKnowledgeFirst(deps(services, answerer=SureAnswerer())), t)
    (message,) = dispatcher.messages
    assert message["text"] == (
        "Unused stoves within 14 days.\n\nFrom our help pages: Can I return a stove?"
    )
    assert message["faq_source"] == "faq:returns-stoves"
    assert FollowupAction("action_listen") not in events  # the form asks for the order next


async def test_start_my_return_button_starts_the_form(services):
    t = ask("/return_item", intent="return_item")
    t.events.insert(0, user("can we still return the dishwasher?", "return_item"))
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=UnsureAnswerer())), t
    )
    assert (events, dispatcher.messages) == ([], [])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "my kettle is fine actually, it's the toaster that died. a 4 slice one under $80?",
            "toaster",
        ),
        ("the kettle still works fine but we need a new toaster", "toaster"),
        ("a kettle to go with our new toaster", "kettle"),
    ],
)
def test_a_category_the_customer_is_happy_with_is_not_the_one_recommended(
    recognizer, text, category
):
    assert Recommender(None, recognizer).constraints(text).category == category


async def test_two_named_products_in_a_recommendation_request_are_compared(
    recommender, services, finder
):
    t = ask("Sony WH-1000XM5 or Bose QuietComfort Ultra for my commute?", "recommend_product")
    events, dispatcher = await run(
        ActionRecommendProducts(deps(services, finder=finder, recommender=recommender)), t
    )
    assert (events, dispatcher.messages) == ([FollowupAction("action_compare_products")], [])


def test_a_model_line_with_its_code_names_the_product_without_the_brand(finder):
    assert (
        finder.by_name("is the instaglo r180 any good")["name"]
        == "Revolution InstaGLO R180 Toaster"
    )
