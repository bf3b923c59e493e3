"""The review workbench's reads: filters by outcome, intent, channel, agent, tag, last
activity and words (FTS5 on SQLite, tsvector on the real PostgreSQL), the timeline of one
conversation with both halves, tags, export, and a 2,000-message conversation."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, text

from bot.conversations.log import ConversationLog
from bot.conversations.models import LoggedEvent, Message
from bot.conversations.review import (
    EntityMention,
    IntentScore,
    Outcome,
    ReviewError,
    ReviewFilter,
    csv_rows,
)
from bot.support.lifecycle import TicketEventKind
from knowledge.decision import Decision
from tests.conftest import keyword_classifier, open_services

T0 = datetime(2026, 11, 10, 9, 0, 0)


def user(sender, text, intent, confidence, at, channel="rest", **intent_extra):
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "greet", "confidence": round(1 - confidence, 2)},
    ]
    return {
        "sender_id": sender,
        "event": "user",
        "text": text,
        "timestamp": at,
        "input_channel": channel,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence, **intent_extra},
            "intent_ranking": ranking,
            "entities": [
                {"entity": "order_id", "value": "100234", "start": i, "end": i + 6}
                for i in [text.find("100234")]
                if i >= 0
            ],
        },
    }


def bot(sender, text, at, action, buttons=None, **metadata):
    events = [{"sender_id": sender, "event": "action", "name": action, "timestamp": at}]
    event = {"sender_id": sender, "event": "bot", "text": text, "timestamp": at + 0.4}
    if buttons:
        event["data"] = {"buttons": buttons}
    if metadata:
        event["metadata"] = metadata
    return [*events, event]


def slots(sender, at, candidates, best):
    return [
        {"sender_id": sender, "event": "slot", "name": "faq_candidates", "value": candidates,
         "timestamp": at},
        {"sender_id": sender, "event": "slot", "name": "faq_best_score", "value": best,
         "timestamp": at},
    ]  # fmt: skip


def ts(days: float) -> float:
    """The Rasa timestamp of T0 + days (the log reads timestamps as UTC)."""
    return (T0 + timedelta(days=days) - datetime(1970, 1, 1)).total_seconds()


@pytest.fixture
def review_db(db_url):
    """Six conversations, one per outcome, with a ticket, a correction and ratings."""
    services = open_services(
        db_url, clock=lambda: T0 + timedelta(days=2), classifier=keyword_classifier
    )
    log = ConversationLog(services.engine)
    alex = services.agents.create("alex", "Alex", "correct horse battery", role="admin")
    events = [
        # contained: a FAQ answer
        user("paypal", "can I pay with paypal?", "payment_methods", 0.93, ts(0)),
        *bot("paypal", "Yes.\n\nSource: FAQ 'payments-paypal' (x.yml), knowledge ab", ts(0) + 1,
             "action_answer_faq", faq_decision="answer"),
        *slots("paypal", ts(0) + 1.5, ["faq:payments-paypal", "faq:payments-klarna"], 0.81),
        # fallback
        user("blorp", "blorp zzz", "nlu_fallback", 0.31, ts(1), channel="facebook"),
        *bot("blorp", "Sorry, I'm not sure I understood.", ts(1) + 1, "action_fallback_suggest"),
        # didn't help
        user("nohelp", "do you deliver on sundays", "shipping_times", 0.7, ts(2)),
        *bot("nohelp", "We deliver Mon-Sat.\n\nSource: FAQ 'shipping' (s.yml), knowledge ab",
             ts(2) + 1, "action_answer_faq", faq_decision="answer"),
        user("nohelp", "that didn't help", "faq_not_helpful", 0.99, ts(2) + 5),
        # strongly negative, handed off, refunds
        user("angry", "this is the worst shop, I want my refunds NOW", "complaint", 1.0, ts(3),
             negativity=4, original="refund_status"),
        user("angry", "my order 100234 never came", "order_status", 0.95, ts(3) + 9),
    ]  # fmt: skip
    for e in events:
        log.write(e)
    opened = services.escalation.open("angry", "negative_sentiment", [("customer", "charged!")])
    ticket_id = opened.ticket_id
    services.tickets.take(ticket_id, alex)
    services.tickets.correct(ticket_id, alex, "returns_refunds", "urgent")
    for e in bot("angry", "Hi, Alex here, refund on its way", ts(3) + 60, "x", agent_id=alex.id)[
        1:
    ]:
        log.write(e)
    services.tickets.resolve(ticket_id, alex)
    services.ratings.rate("angry", 1)
    yield services, alex, ticket_id
    services.engine.dispose()


def ids(services, **filters) -> list[str]:
    found = services.review.find(ReviewFilter(**filters), 1, 50)
    assert found.total == len(found.rows)
    return sorted(r.id for r in found.rows)


def test_each_outcome_filter_finds_its_conversations(review_db):
    services, alex, _ = review_db
    assert ids(services) == ["angry", "blorp", "nohelp", "paypal"]
    assert ids(services, outcome="contained") == ["blorp", "nohelp", "paypal"]
    assert ids(services, outcome="handed_off") == ["angry"]
    assert ids(services, outcome="fallback") == ["blorp"]
    assert ids(services, outcome="not_helpful") == ["nohelp"]
    assert ids(services, outcome="negative") == ["angry"]
    assert ids(services, outcome=Outcome.LOW_CSAT) == ["angry"]
    assert ids(services, intent="payment_methods") == ["paypal"]
    assert ids(services, channel="facebook") == ["blorp"]
    assert ids(services, agent_id=alex.id) == ["angry"]
    with pytest.raises(ReviewError, match="outcome must be one of contained, handed_off"):
        ReviewFilter(outcome="happy")
    assert ReviewFilter(outcome="fallback").outcome is Outcome.FALLBACK


def test_last_activity_not_the_start_decides_the_date_filter(review_db):
    services = review_db[0]
    log = ConversationLog(services.engine)
    log.write(user("paypal", "and klarna?", "payment_methods", 0.9, ts(5)))  # started on day 0
    since_day_4 = T0 + timedelta(days=4)
    assert ids(services, active_from=since_day_4) == ["paypal"]
    assert ids(services, active_to=T0 + timedelta(days=1)) == []


def test_full_text_search_matches_words_and_stems(review_db):
    services = review_db[0]
    assert ids(services, text="refund") == ["angry"]  # "refunds" and "refund" both stem to it
    assert ids(services, text="PayPal") == ["paypal"]
    assert ids(services, text="deliver sundays") == ["nohelp"]
    assert ids(services, text="deliver paypal") == []  # every word must be in one message
    assert ids(services, text='refund" )( -* :') == ["angry"]  # query syntax is just text
    assert ids(services, text="  ...  ") == ["angry", "blorp", "nohelp", "paypal"]  # no words
    assert ids(services, text="refund", outcome="contained") == []


def test_search_follows_edits_and_deletions(review_db):
    services = review_db[0]
    with services.engine.begin() as connection:
        connection.execute(text("UPDATE messages SET text = 'gift card' WHERE text = 'blorp zzz'"))
    assert ids(services, text="gift") == ["blorp"] and ids(services, text="blorp") == []
    with services.engine.begin() as connection:
        connection.execute(text("DELETE FROM messages WHERE conversation_id = 'blorp'"))
    assert ids(services, text="gift") == []


def test_tags_are_added_once_filtered_and_removed(review_db):
    services = review_db[0]
    review = services.review
    assert review.add_tag("nohelp", " Needs  FAQ ", "sam") is True
    assert review.add_tag("nohelp", "needs faq", "sam") is False
    review.add_tag("blorp", "bug", "sam")
    assert ids(services, tag="needs faq") == ["nohelp"]
    assert review.find(ReviewFilter(tag="bug")).rows[0].tags == ("bug",)
    assert review.timeline("nohelp").tags == ("needs faq",)
    assert review.remove_tag("nohelp", "needs faq") and ids(services, tag="needs faq") == []
    assert review.remove_tag("nohelp", "needs faq") is False
    with pytest.raises(ReviewError):
        review.add_tag("nohelp", "x" * 41, "sam")


def test_the_faq_decision_is_the_logged_one_whatever_the_wording(db_url):
    """Review shows what the FAQ action logged: a reworded answer is still an answer, a
    reply that merely mentions a source is no decision, and an unknown value is ignored."""
    services = open_services(db_url, classifier=keyword_classifier)
    log = ConversationLog(services.engine)
    for e in [
        user("w", "can I pay with paypal?", "payment_methods", 0.93, ts(0)),
        *bot("w", "Yes.\n\nFrom our help pages: PayPal", ts(0) + 1, "action_answer_faq",
             faq_decision="answer"),
        *bot("w", "Did you mean:", ts(0) + 2, "action_answer_faq", buttons=[{"payload": "/x"}],
             faq_decision="clarify"),
        *slots("w", ts(0) + 2.5, ["faq:payments-paypal"], 0.5),
        *bot("w", "Noted.\n\nSource: your message", ts(0) + 3, "action_answer_faq"),
        *slots("w", ts(0) + 3.5, ["faq:payments-paypal"], 0.5),
        *bot("w", "Hm.", ts(0) + 4, "action_answer_faq", faq_decision="maybe"),
    ]:  # fmt: skip
        log.write(e)
    messages = services.review.timeline("w").messages
    services.engine.dispose()
    decisions = [m.faq_decision for m in messages]
    assert decisions == [None, Decision.ANSWER, Decision.CLARIFY, None, None]


def test_the_timeline_shows_both_halves(review_db):
    services, _, ticket_id = review_db
    paypal = services.review.timeline("paypal")
    asked, answered = paypal.messages
    assert asked.ranking[0] == IntentScore("payment_methods", 0.93)
    assert asked.ranking[1].name == "greet"
    assert answered.action == "action_answer_faq" and answered.faq_decision is Decision.ANSWER
    assert answered.faq_candidates == ("faq:payments-paypal", "faq:payments-klarna")
    assert answered.faq_best_score == 0.81 and round(answered.latency_ms) == 1400

    angry = services.review.timeline("angry")
    complaint, order, reply = angry.messages
    assert (complaint.negativity, complaint.original_intent) == (4, "refund_status")
    assert order.entities == (EntityMention("order_id", "100234", "100234"),)
    assert (reply.sender, reply.agent) == ("agent", "Alex")
    (ticket,) = angry.tickets
    assert (ticket.id, ticket.reason, ticket.agent) == (ticket_id, "negative_sentiment", "Alex")
    kinds = [s.kind for s in ticket.steps]
    assert kinds == [
        TicketEventKind.CREATED,
        TicketEventKind.ASSIGNED,
        TicketEventKind.CORRECTED,
        TicketEventKind.RESOLVED,
    ]
    corrected = ticket.steps[2].detail
    assert corrected["after"] == {"category": "returns_refunds", "priority": "urgent"}
    assert [r.score for r in angry.ratings] == [1]


def test_export_holds_every_message_of_the_filtered_conversations(review_db):
    data = review_db[0].review.export(ReviewFilter(outcome="contained"))
    assert sorted(c.row.id for c in data) == ["blorp", "nohelp", "paypal"]
    nohelp = next(c for c in data if c.row.id == "nohelp")
    assert [m.intent for m in nohelp.messages] == ["shipping_times", None, "faq_not_helpful"]
    rows = csv_rows(data)
    assert len(rows) == 2 + 2 + 3
    assert {r["conversation_id"] for r in rows} == {"blorp", "nohelp", "paypal"}


def _long_conversation(engine, n: int = 2000) -> None:
    """n messages in one conversation, inserted in bulk (the log's per-event path is tested
    elsewhere; here it is the reads that must stay fast)."""
    log = ConversationLog(engine)
    log.write(user("long", "first message", "greet", 0.9, ts(0)))
    start = T0
    with engine.begin() as connection:
        events = [
            {
                "conversation_id": "long",
                "seq": i + 2,
                "type": "user",
                "timestamp": ts(0) + i,
                "digest": f"d{i}",
                "payload": {"parse_data": {"intent_ranking": [{"name": "greet", "confidence": 1}]}},
            }
            for i in range(n - 1)
        ]
        connection.execute(insert(LoggedEvent), events)
        event_ids = (
            connection.execute(
                text(
                    "SELECT id FROM logged_events WHERE conversation_id = 'long' AND seq > 1 ORDER BY seq"
                )
            )
            .scalars()
            .all()
        )
        connection.execute(
            insert(Message),
            [
                {
                    "conversation_id": "long",
                    "event_id": event_id,
                    "sender": "customer" if i % 2 else "bot",
                    "text": "the kettle whistles loudly" if i == 1536 else f"message number {i}",
                    "intent": "greet" if i % 2 else None,
                    "created_at": start + timedelta(seconds=i),
                }
                for i, event_id in enumerate(event_ids)
            ],
        )


def test_a_two_thousand_message_conversation_stays_fast(review_db):
    services = review_db[0]
    engine = services.engine
    _long_conversation(engine)
    began = time.perf_counter()
    page = services.review.timeline("long", page=20, per_page=100)
    took = time.perf_counter() - began
    assert page.total == 2000 and len(page.messages) == 100
    assert page.messages[0].text == "message number 1899"
    assert took < 0.5, f"page 20 of a 2,000-message conversation took {took:.3f}s"
    began = time.perf_counter()
    assert ids(services, text="whistles") == ["long"]
    rows = services.review.find(ReviewFilter(intent="greet")).rows
    assert [r.messages for r in rows if r.id == "long"] == [2000]
    assert time.perf_counter() - began < 0.5
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            plan = " ".join(
                str(row[-1])
                for row in connection.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE conversation_id = 'long'"
                        " ORDER BY id LIMIT 100 OFFSET 1900"
                    )
                )
            )
        assert "ix_messages_conversation_id" in plan, plan
    else:  # the search's expression is the one the GIN index was built on
        from sqlalchemy import select

        from bot.conversations.search import matching_messages

        query = select(Message.id).where(matching_messages(engine, "whistles"))
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as connection:
            connection.execute(text("SET enable_seqscan = off"))
            plan = " ".join(r[0] for r in connection.execute(text(f"EXPLAIN {sql}")))
        assert "ix_messages_fts" in plan, plan


def test_the_teach_box_gets_the_words_the_customer_wrote_for_an_entity():
    """ "one" was normalised to the quantity 1: teaching must annotate "one", which is in the
    message (the value 1 is not, and the teach box refused it)."""
    text = "I want to return one of the kettles"
    found = {"entity": "quantity", "value": 1, "start": 17, "end": 20}
    assert EntityMention.of(found, text) == EntityMention("quantity", 1, "one")
    assert EntityMention.of({"entity": "order_id", "value": "100234"}, text).text == "100234"


def test_timeline_json_and_the_export_keep_their_keys(review_db):
    """The console's scripts, the browser tests and exported files read these keys: the typed
    results must send exactly what the dicts they replaced did."""
    services, _, _ = review_db
    found = services.review.timeline("angry").to_json()
    assert list(found) == ["conversation", "messages", "total", "tickets", "ratings", "tags"]
    complaint, _, reply = found["messages"]
    common = ["id", "from", "text", "at", "agent", "intent", "confidence", "entities",
              "negativity", "action", "latency_ms", "faq_candidates", "faq_best_score",
              "faq_decision", "buttons"]  # fmt: skip
    assert list(complaint) == [*common, "ranking", "original_intent"]
    assert list(reply) == common  # the NLU's keys on customer messages only
    assert complaint["at"] == "2026-11-13T09:00:00"
    (ticket,) = found["tickets"]
    assert [s["kind"] for s in ticket["steps"]] == ["created", "assigned", "corrected", "resolved"]
    assert found["ratings"][0]["score"] == 1 and found["conversation"]["id"] == "angry"
    (exported,) = services.review.export(ReviewFilter(outcome="handed_off"))
    assert list(exported.to_json()) == [
        "id", "channel", "status", "customer_email", "started_at", "last_activity_at",
        "handed_off", "tags", "messages",
    ]  # fmt: skip
    assert exported.to_json()["messages"][0]["ranking"] == []  # the export reads no events


def test_the_timeline_reads_every_tickets_steps_at_once(review_db):
    """One query for all the tickets' steps, not one per ticket: a conversation handed off
    three times costs what one handed off once does."""
    from sqlalchemy import event

    services, alex, _ = review_db

    def statements(conversation_id: str):
        seen: list[str] = []

        def count(connection, cursor, statement, *args) -> None:
            seen.append(statement)

        event.listen(services.engine, "before_cursor_execute", count)
        try:
            found = services.review.timeline(conversation_id)
        finally:
            event.remove(services.engine, "before_cursor_execute", count)
        return len(seen), found

    once, _ = statements("angry")
    for _ in range(2):
        opened = services.escalation.open("angry", "customer_request", [("customer", "again")])
        services.tickets.take(opened.ticket_id, alex)
        services.tickets.resolve(opened.ticket_id, alex)
    thrice, found = statements("angry")
    assert len(found.tickets) == 3
    assert [len(t.steps) for t in found.tickets] == [4, 3, 3]
    assert thrice == once
