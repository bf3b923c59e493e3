"""'Delete my data' files a deletion request an admin confirms; a question about deleting is
answered and offered one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.knowledge import ActionAnswerFaq
from actions.privacy import DELETE_BUTTON
from bot.privacy.models import DeletionRequest
from bot.shop.demo_data import DEMO_EMAIL
from tests.test_actions import NoAnswer, deps, run, texts, tracker, user


def requests(services) -> list[DeletionRequest]:
    with Session(services.engine) as session:
        return list(session.execute(select(DeletionRequest)).scalars())


def ask(text: str, slots: dict | None = None, history: list | None = None):
    return tracker(slots, text=text, intent="delete_data", form=None, history=history)


async def test_a_verified_customer_asking_for_deletion_files_a_request(services):
    action = ActionAnswerFaq(deps(services, answerer=NoAnswer()))
    events, dispatcher = await run(
        action, ask("please delete my data", {"verified_customer": DEMO_EMAIL})
    )
    assert events == []
    (request,) = requests(services)
    assert (request.conversation_id, request.email, request.email_verified, request.status) == (
        "conv-42",
        DEMO_EMAIL,
        True,
        "pending",
    )
    said = texts(dispatcher)
    assert f"request #{request.id}" in said and DEMO_EMAIL in said and "7 years" in said


async def test_the_customer_is_told_the_shops_own_terms(services):
    """How long invoices are kept is the shop's law (shop.yml `privacy:`), not csbot's."""
    from dataclasses import replace

    from bot.pack.model import PrivacyTerms
    from tests.packs import TRAILHEAD

    unstated = replace(TRAILHEAD, privacy=PrivacyTerms())
    for pack, kept in ((TRAILHEAD, "kept for 6 years"), (unstated, "as long as the law")):
        action = ActionAnswerFaq(deps(services, answerer=NoAnswer(), pack=pack))
        _, dispatcher = await run(action, ask("I want my account and everything deleted"))
        said = texts(dispatcher)
        assert kept in said and "7 years" not in said


async def test_an_email_typed_in_the_request_is_filed_unverified(services):
    action = ActionAnswerFaq(deps(services, answerer=NoAnswer()))
    _, dispatcher = await run(
        action, ask("GDPR request: delete everything linked to Ana.Ruiz@gmail.com")
    )
    (request,) = requests(services)
    assert (request.email, request.email_verified) == ("ana.ruiz@gmail.com", False)
    assert request.text == "GDPR request: delete everything linked to [EMAIL]"
    assert "check it's really you" in texts(dispatcher)


async def test_a_question_about_deletion_is_answered_and_offered_a_request(services):
    action = ActionAnswerFaq(deps(services, answerer=NoAnswer()))
    _, dispatcher = await run(
        action, ask("I asked you to delete my data but changed my mind, can I stop it?")
    )
    assert requests(services) == []
    assert dispatcher.messages[0]["response"] == "utter_delete_data"
    assert dispatcher.messages[-1]["buttons"] == [
        {"title": "Yes, file a deletion request", "payload": DELETE_BUTTON}
    ]
    # The offer's button files it, with the question that led to it as the request's text.
    question = user("how do I get my account deleted?", "delete_data")
    _, dispatcher = await run(action, ask(DELETE_BUTTON, history=[question]))
    (request,) = requests(services)
    assert (request.email, request.text) == (None, "how do I get my account deleted?")
    assert "delete this conversation" in texts(dispatcher)
