"""The knowledge base before a task: a sure answer outranks an unsure intent, a question in
a return request is answered first, and a question asked inside a form is answered there."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction

from actions.details import ActionReadDetail, order_form, route
from actions.fallback import ActionFallbackSuggest
from actions.knowledge import ActionAnswerFaq, asks_question
from actions.knowledge_first import ActionKnowledgeFirst
from actions.orders import ValidateOrderLookupForm
from actions.products import ActionProductInfo, ActionRecommendProducts
from knowledge.answers import SURE, Decision, Reply
from knowledge.retrieval import Hit
from tests.test_actions import deps, run, texts, tracker

LISTEN = FollowupAction("action_listen")
MISSING_PARCEL = "Tell us within 48 hours and we open a claim with the courier."


class Answerer:
    """Always the same reply: `decision`, its best entry at head probability `score`."""

    def __init__(self, decision: Decision, score: float) -> None:
        self.decision, self.score = decision, score
        self.asked: list[str] = []

    def reply(self, question: str) -> Reply:
        self.asked.append(question)
        best = Hit(
            "faq:delivery-missing-parcel",
            self.score,
            {"title": "My parcel says delivered but isn't here", "answer": MISSING_PARCEL},
        )
        others = tuple(
            Hit(f"faq:{doc}", 0.05, {"title": doc.replace("-", " "), "answer": "..."})
            for doc in ("delivery-late-parcel", "returns-window")
        )
        return Reply(self.decision, (best, *others), "v1-build", 0.8)


SURE_ANSWER = Answerer(Decision.ANSWER, 0.9)
PLAIN_ANSWER = Answerer(Decision.ANSWER, 0.5)
CLOSE = Answerer(Decision.CLARIFY, 0.3)
NOTHING = Answerer(Decision.ESCALATE, 0.1)


def said(text: str, intent: str, confidence: float, entities: list | None = None):
    t = tracker(text=text, intent=intent, form=None)
    t.latest_message["intent"]["confidence"] = confidence
    t.latest_message["entities"] = entities or []
    return t


ORDER_NAMED = [{"entity": "order_number", "value": "100234"}]
EMPTY_PORCH = "Tracking claims the parcel was DELIVERED at 2pm but my porch is EMPTY"


async def test_a_sure_answer_outranks_an_unsure_intent_and_ends_the_turn(services):
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=SURE_ANSWER)),
        said(EMPTY_PORCH, "order_status", 0.31),
    )
    (message,) = dispatcher.messages
    assert message["text"].startswith(MISSING_PARCEL)
    assert message["faq_source"] == "faq:delivery-missing-parcel"
    assert [b["payload"] for b in message["buttons"]] == ["/thank_you", "/faq_not_helpful"]
    assert events[-1] == LISTEN  # no order form after it


async def test_with_an_order_named_the_task_follows_the_answer(services):
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=SURE_ANSWER)),
        said(f"{EMPTY_PORCH}, order 100234", "order_status", 0.31, ORDER_NAMED),
    )
    assert dispatcher.messages[0]["text"].startswith(MISSING_PARCEL)
    assert LISTEN not in events


@pytest.mark.parametrize(
    ("confidence", "answerer"),
    [(0.9, SURE_ANSWER), (0.31, PLAIN_ANSWER), (0.31, CLOSE), (0.31, NOTHING)],
    ids=["sure-intent", "answer-not-sure-enough", "close", "nothing"],
)
@pytest.mark.parametrize(
    "intent", ["order_status", "product_question", "recommend_product", "out_of_scope"]
)
async def test_otherwise_the_task_goes_ahead_untouched(services, confidence, answerer, intent):
    kettle = [{"entity": "product_category", "value": "kettle"}, *ORDER_NAMED]
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=answerer)),
        said("where is the kettle from 100234", intent, confidence, kettle),
    )
    assert (events, dispatcher.messages) == ([], [])


def test_sure_is_above_what_answering_needs():
    from knowledge.answers import UNCALIBRATED

    assert SURE > UNCALIBRATED.answer


async def test_a_return_request_with_a_question_at_its_end_is_answered_before_the_form(
    services,
):
    text = "opened the twin pack of socks n tried one on, bit small on me. can i send em back"
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=PLAIN_ANSWER)),
        said(text, "return_item", 0.7),
    )
    assert dispatcher.messages[0]["text"].startswith(MISSING_PARCEL)
    assert not dispatcher.messages[0]["buttons"]  # the form's question comes next
    assert LISTEN not in events


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("bit small on me. can i send em back", True),
        ("it came 3 weeks ago and its way too cramped. am I too late", True),
        ("is it still possible to swap it", True),
        ("How do I swap the 42.5 for a 43", True),
        ("the zip broke. what now?", True),
        ("I want to return my kettle", False),
        ("order 100234, the blender is too loud", False),
        ("send it back please. cheers", False),
    ],
)
def test_a_question_is_found_in_any_sentence(text, question):
    assert asks_question(text) is question


async def test_a_question_asked_when_the_form_wants_an_order_number_is_answered(services):
    text = "it came 3 weeks ago, I put it up once in the back garden. am I too late?"
    form = ValidateOrderLookupForm(deps(services, answerer=PLAIN_ANSWER))
    events, dispatcher = await run(form, tracker(just_set={"order_number": text}, text=text))
    assert texts(dispatcher).startswith(MISSING_PARCEL)
    assert "doesn't look like an order number" not in texts(dispatcher)
    assert {"event": "slot", "name": "order_number", "value": None, "timestamp": None} in events


@pytest.mark.parametrize("answerer", [CLOSE, NOTHING], ids=["close", "nothing"])
async def test_without_a_confident_answer_the_form_says_what_it_wants(services, answerer):
    text = "am I too late?"
    form = ValidateOrderLookupForm(deps(services, answerer=answerer))
    _, dispatcher = await run(form, tracker(just_set={"order_number": text}, text=text))
    assert texts(dispatcher).startswith("That doesn't look like an order number.")


async def test_an_unsure_message_with_a_confident_answer_is_answered_not_read_as_a_product(
    services, finder
):
    text = "my smeg klf03 kettle keeps clicking off, how do i fix it"
    _, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=PLAIN_ANSWER, finder=finder)),
        said(text, "nlu_fallback", 0.3),
    )
    assert texts(dispatcher).startswith(MISSING_PARCEL) and "Smeg KLF03" not in texts(dispatcher)


async def test_a_named_product_with_close_answers_shows_both(services, finder):
    text = "my smeg klf03 kettle keeps clicking off, how do i fix it"
    _, dispatcher = await run(
        ActionFallbackSuggest(deps(services, answerer=CLOSE, finder=finder)),
        said(text, "nlu_fallback", 0.3),
    )
    card, choices = dispatcher.messages
    assert card["text"].startswith("Smeg KLF03")
    assert choices["text"] == "Or did you mean one of these?"
    assert choices["buttons"][-1]["payload"] == "/faq_not_helpful"


@pytest.mark.parametrize("intent", ["product_question", "recommend_product"])
async def test_an_unsure_product_question_naming_nothing_is_not_called_unsold(
    services, finder, intent
):
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=NOTHING, finder=finder)),
        said("settle a bet: how many moons does jupiter have?", intent, 0.46),
    )
    assert "don't sell" not in texts(dispatcher) and "top picks" not in texts(dispatcher)
    assert "not sure I understood" in texts(dispatcher)
    assert events[-1] == LISTEN  # the product action does not run


async def test_an_unknown_product_asked_about_with_confidence_is_still_not_sold(
    services, finder, recommender
):
    _, dispatcher = await run(
        ActionProductInfo(deps(services, answerer=NOTHING, finder=finder, recommender=recommender)),
        said("do you have the Sony WH-9000XM9?", "product_availability", 0.9),
    )
    assert texts(dispatcher).startswith("Sorry, we don't sell that one.")


async def test_a_warranty_claim_the_shop_is_unsure_of_gets_its_offer_then_the_choices(
    services,
):
    _, dispatcher = await run(
        ActionAnswerFaq(deps(services, answerer=CLOSE)),
        said("the zip on my jacket split after 14 months, is that covered?", "warranty_claim", 0.9),
    )
    offer, choices = dispatcher.messages
    assert offer["response"] == "utter_warranty_claim"
    assert choices["text"] == "Or did you mean one of these?"
    titles = [b["title"] for b in choices["buttons"]]
    assert titles[0] == "My parcel says delivered but isn't here" and titles[-1] == "None of these"


@pytest.mark.parametrize(
    ("entities", "to"),
    [
        (["product", "product_category"], ActionProductInfo),
        (["email"], "order"),
        (["order_number", "email"], "order"),
        (["product_category", "budget"], ActionRecommendProducts),
        (["budget"], ActionFallbackSuggest),
        ([], ActionFallbackSuggest),
    ],
)
def test_a_detail_outside_a_form_leads_where_what_it_names_leads(entities, to):
    assert route([{"entity": e, "value": "x"} for e in entities]) == to


def ranked(*names: str) -> list[dict]:
    return [{"name": n, "confidence": 0.4 / (i + 1)} for i, n in enumerate(names)]


@pytest.mark.parametrize(
    ("rankings", "form"),
    [
        ([ranked("inform", "return_item", "order_status")], "return_form"),
        ([ranked("inform", "order_status", "return_item")], "order_lookup_form"),
        ([ranked("inform", "greet")], "order_lookup_form"),
        # a bare number the model leans to a return on, after "where's the purifier I ordered"
        (
            [ranked("inform", "return_item", "order_status"), ranked("order_status", "greet")],
            "order_lookup_form",
        ),
    ],
)
def test_an_order_named_outside_a_form_starts_the_likelier_of_its_tasks(rankings, form):
    assert order_form(rankings) == form


async def test_a_product_named_outside_a_form_is_shown_and_the_turn_ends_there(
    services, finder, recommender
):
    events, dispatcher = await run(
        ActionReadDetail(deps(services, answerer=NOTHING, finder=finder, recommender=recommender)),
        said("the smeg klf03", "inform", 0.76, [{"entity": "product", "value": "Smeg KLF03"}]),
    )
    assert texts(dispatcher).startswith("Smeg KLF03")
    assert events[-1] == LISTEN  # not left to the dialogue model's guess


async def test_a_kind_of_product_with_none_of_it_named_is_a_recommendation(
    services, finder, recommender
):
    text = "lookin for a new telly for the kitchen wall, smallish. 500 max"
    events, dispatcher = await run(
        ActionProductInfo(deps(services, answerer=NOTHING, finder=finder, recommender=recommender)),
        said(text, "product_availability", 0.35, [{"entity": "product_category", "value": "tv"}]),
    )
    assert "television" in texts(dispatcher) and "Dishwasher" not in texts(dispatcher)
    assert events[-1] == LISTEN


async def test_an_order_status_request_naming_no_order_gets_a_confident_answer_first(services):
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=PLAIN_ANSWER)),
        said("An Post says left at the front door. Nothing at the door.", "order_status", 0.8),
    )
    assert dispatcher.messages[0]["text"].startswith(MISSING_PARCEL)
    assert LISTEN not in events  # the form asks for the order next


async def test_with_its_order_named_a_status_request_goes_straight_to_the_status(services):
    events, dispatcher = await run(
        ActionKnowledgeFirst(deps(services, answerer=PLAIN_ANSWER)),
        said("where is order 100234", "order_status", 0.8, ORDER_NAMED),
    )
    assert (events, dispatcher.messages) == ([], [])
