"""A real browser (Debian's chromium via Playwright) chats on the web page."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_IN_TRANSIT
from bot.support.models import Ticket
from tests.packs import KV

pytestmark = pytest.mark.slow
CHROMIUM = Path(os.environ.get("CSBOT_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def say(page, text: str) -> None:
    """Type a message in the chat widget and send it, as a customer would."""
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")


def console_login(page, web_url: str, username: str, password: str) -> None:
    """Log in to the agent console and wait for the queue (the agent then counts as online)."""
    page.goto(web_url + "console")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_selector("text=Open tickets")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def test_customer_asks_and_sees_the_answer_and_buttons(stack, browser):
    page = browser.new_page()
    page.goto(stack.web_url)
    say(page, f"where is my order {DEMO_ORDER_IN_TRANSIT}?")
    page.wait_for_selector("li.msg.bot >> text=email address", timeout=30_000)

    say(page, "<b>qwzx</b> plorb")
    # The markup is shown as typed, never rendered.
    page.wait_for_selector("li.msg.user >> text=<b>qwzx</b> plorb", timeout=30_000)
    assert page.locator("li.msg b").count() == 0

    say(page, "stop")
    page.wait_for_selector("li.msg.bot >> text=I've stopped that", timeout=30_000)


def test_conversation_survives_a_reload(stack, browser):
    page = browser.new_page()
    page.goto(stack.web_url)
    say(page, "which payment methods do you accept?")
    page.wait_for_selector("li.msg.bot >> text=PayPal", timeout=30_000)
    page.reload()
    page.wait_for_selector("li.msg.user >> text=which payment methods", timeout=30_000)
    assert page.locator("li.msg.bot >> text=PayPal").count() == 1


def newest_ticket(services) -> int:
    """The ticket the customer just opened: the queue may hold earlier tests' tickets, in an
    order the classifier's priorities decide."""
    with Session(services.engine) as session:
        return session.scalar(select(func.max(Ticket.id)))


def test_buttons_are_clickable(stack, browser):
    page = browser.new_page()
    page.goto(stack.web_url)
    say(page, "I want to return an item")
    page.wait_for_selector("li.msg.bot >> text=order number", timeout=30_000)
    say(page, "100235")
    page.wait_for_selector("li.msg.bot >> text=email address", timeout=30_000)
    say(page, "emma.larsen@example.com")
    # The newest bot message's buttons: the welcome's suggestions are spent by now.
    page.locator("li.msg.bot").last.locator(".buttons button").first.click(timeout=30_000)
    page.wait_for_selector("li.msg.bot >> text=Why are you returning it", timeout=30_000)


def test_faq_answer_shows_its_source_and_feedback_buttons(stack, browser):
    page = browser.new_page()
    page.goto(stack.web_url)
    say(page, "can I return an opened blender?")
    answer = page.wait_for_selector("li.msg.bot >> text=From our help pages", timeout=30_000)
    assert "30 days" in answer.inner_text()
    assert page.locator(".buttons button >> text=That didn't help").count() == 1


def test_live_handoff_between_customer_and_agent(stack, browser):
    """Customer asks for a person -> agent takes the ticket and replies -> customer answers
    -> agent resolves -> the bot asks the customer for a rating."""
    services = stack.services
    if not any(a.username == "casey" for a in services.agents.all()):
        services.agents.create("casey", "Casey", "handoff-test-pw", skills=list(KV.tickets.queues))
    agent = browser.new_page()
    console_login(agent, stack.web_url, "casey", "handoff-test-pw")

    customer = browser.new_page()
    customer.goto(stack.web_url)
    say(customer, "my refund for order 100235 never arrived")
    customer.wait_for_selector("li.msg.bot >> nth=1", timeout=30_000)
    say(customer, "I want to talk to a person")
    try:
        customer.wait_for_selector("li.msg.bot >> text=will join this chat", timeout=60_000)
    except Exception:
        raise AssertionError(customer.inner_text("#chat-log")) from None

    agent.goto(f"{stack.web_url}console/tickets/{newest_ticket(services)}")  # this customer's
    agent.click("#take")
    customer.wait_for_selector("li.msg.agent >> text=Casey from the Kettle & Volt team has joined")

    agent.fill("#reply", "Hi, I can see your refund was issued yesterday.")
    agent.press("#reply", "Enter")
    customer.wait_for_selector("li.msg.agent >> text=refund was issued yesterday", timeout=5_000)

    bot_messages = customer.locator("li.msg.bot").count()
    say(customer, "thanks, I'll check my bank")
    agent.wait_for_selector("li.msg.customer >> text=I'll check my bank", timeout=10_000)
    customer.wait_for_timeout(1500)
    assert customer.locator("li.msg.bot").count() == bot_messages  # only the agent speaks now

    agent.click("#resolve")
    customer.wait_for_selector("li.msg.bot >> text=How would you rate", timeout=15_000)
    customer.locator(".buttons button >> text=5").last.click()
    customer.wait_for_selector("li.msg.bot >> text=Thank you for your feedback")


def test_a_second_browser_cannot_read_or_write_someone_elses_conversation(stack, browser):
    """The conversation id lives in an HttpOnly, signed cookie: another browser that knows
    the id (the old `sender`, or the cookie copied without its signature) gets nothing."""
    first = browser.new_context()
    alice = first.new_page()
    alice.goto(stack.web_url)
    say(alice, f"where is my order {DEMO_ORDER_IN_TRANSIT}?")
    alice.wait_for_selector("li.msg.bot >> text=email address", timeout=30_000)
    say(alice, DEMO_EMAIL)
    alice.wait_for_selector(f"li.msg.bot >> text=Order #{DEMO_ORDER_IN_TRANSIT}", timeout=30_000)
    cookie = next(c for c in first.cookies() if c["name"] == "csbot_chat")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "csbot_chat" not in alice.evaluate("document.cookie")  # scripts cannot read it
    conversation = cookie["value"].partition(".")[0]

    second = browser.new_context()
    mallory = second.new_page()
    mallory.goto(stack.web_url)
    mallory.wait_for_selector("li.msg.bot")
    seen = mallory.evaluate(
        """async (id) => {
            const json = (r) => r.then((x) => x.json());
            const post = { method: "POST", headers: { "Content-Type": "application/json" },
                           body: JSON.stringify({ sender: id, message: "cancel my order" }) };
            return JSON.stringify([
                await json(fetch("/api/history?sender=" + id)),
                await json(fetch("/api/updates?after=0&sender=" + id)),
                await json(fetch("/api/messages", post)),
            ]);
        }""",
        conversation,
    )
    assert str(DEMO_ORDER_IN_TRANSIT) not in seen and DEMO_EMAIL not in seen
    second.add_cookies([{"name": "csbot_chat", "value": conversation, "url": stack.web_url}])
    mallory.reload()
    mallory.wait_for_selector("li.msg.bot")
    assert DEMO_EMAIL not in mallory.inner_text("#chat-log")

    alice.reload()
    alice.wait_for_selector(f"li.msg.bot >> text=Order #{DEMO_ORDER_IN_TRANSIT}", timeout=30_000)
    assert "cancel my order" not in alice.inner_text("#chat-log")
    first.close()
    second.close()


def test_an_agents_reply_is_pushed_to_the_widget_within_a_second(stack, browser):
    """The widget and the ticket view listen on Server-Sent Events: the agent's reply shows
    in the widget within a second, and neither page polls while the stream works."""
    services = stack.services
    if not any(a.username == "robin" for a in services.agents.all()):
        services.agents.create("robin", "Robin", "push-test-pw", skills=list(KV.tickets.queues))
    agent = browser.new_page()
    console_login(agent, stack.web_url, "robin", "push-test-pw")

    customer = browser.new_page()
    polls, streams = [], []
    customer.on("request", lambda r: polls.append(r.url) if "/api/updates" in r.url else None)
    customer.on("request", lambda r: streams.append(r.url) if "/api/stream" in r.url else None)
    agent.on("request", lambda r: polls.append(r.url) if "/messages?after" in r.url else None)
    customer.goto(stack.web_url)
    say(customer, "I want to talk to a person about my refund")
    customer.wait_for_selector("li.msg.bot >> text=will join this chat", timeout=60_000)
    agent.goto(f"{stack.web_url}console/tickets/{newest_ticket(services)}")  # this customer's
    agent.click("#take")
    customer.wait_for_selector(
        "li.msg.agent >> text=Robin from the Kettle & Volt team", timeout=5_000
    )

    agent.fill("#reply", "Pushed, not polled: your refund is on its way.")
    started = time.monotonic()
    agent.press("#reply", "Enter")
    customer.wait_for_selector("li.msg.agent >> text=Pushed, not polled", timeout=1_000)
    elapsed = time.monotonic() - started
    say(customer, "great, thanks")
    agent.wait_for_selector("li.msg.customer >> text=great, thanks", timeout=10_000)
    assert elapsed < 1.0
    assert streams and polls == []


# Messages the model trained on config.yml and data/nlu got wrong, with the right intent: the
# retrain test teaches the first one the served model misclassifies (and is skipped, not
# failed, once a better model gets them all right).
MISCLASSIFIED = [
    ("my toaster only browns one side", "warranty_claim"),
    ("the kettle handle got wobbly", "warranty_claim"),
    ("got a voucher code that won't apply", "billing_problem"),
]


def _parsed_intent(stack, text: str) -> str:
    """What the Rasa of `stack` classifies `text` as (its HTTP API, with the token)."""
    import json
    import urllib.request

    url = f"{stack.settings.rasa_url}/model/parse?token={stack.settings.rasa_token}"
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["intent"]["name"]


def _customer_intents(stack, page, conversation: str, text: str) -> list[str]:
    """The intents the review timeline shows for the customer's messages `text`."""
    url = f"{stack.web_url}console/admin/conversations/{conversation}/timeline.json"
    messages = page.request.get(url).json()["messages"]
    return [m["intent"] for m in messages if m["from"] == "customer" and m["text"] == text]


def test_an_admin_corrects_an_intent_retrains_and_activates(
    browser, trained_model, tmp_path, products, stack_index, monkeypatch
):
    """Find a misclassified message by search, correct its intent in the teach box,
    retrain (CSBOT_TRAIN_CONFIG: one epoch for DIET and TED), activate: the same message
    is then classified as the corrected intent."""
    from bot.runtime.training import snapshot_path
    from tests.conftest import start_demo_stack

    root = Path(__file__).resolve().parents[1]
    nlu, models = tmp_path / "nlu", tmp_path / "models"
    shutil.copytree(root / "data" / "nlu", nlu)
    models.mkdir()
    for path in (trained_model, snapshot_path(trained_model)):  # the served model, its data
        (models / path.name).symlink_to(path)
    monkeypatch.setenv("CSBOT_NLU_DIR", str(nlu))
    monkeypatch.setenv("CSBOT_MODELS_DIR", str(models))
    monkeypatch.setenv("CSBOT_TRAIN_CONFIG", "tests/data/fast_config.yml")

    def admin(services):
        services.agents.create("robin", "Robin", "retrain-test-pw", role="admin")

    stack = start_demo_stack(tmp_path, models / trained_model.name, products, stack_index, admin)
    try:
        parsed = [(t, i, _parsed_intent(stack, t)) for t, i in MISCLASSIFIED]
        picked = next(((t, i, got) for t, i, got in parsed if got != i), None)
        if picked is None:  # the model improved: nothing to correct, which is not a failure
            pytest.skip(f"the served model gets every candidate right: {parsed}")
        text, intent, misclassified_as = picked

        customer = browser.new_page()
        customer.goto(stack.web_url)
        say(customer, text)
        customer.wait_for_selector("li.msg.bot", timeout=30_000)

        console = browser.new_page()
        console_login(console, stack.web_url, "robin", "retrain-test-pw")
        search = f"{stack.web_url}console/admin/conversations?q={text.split()[1]}+{text.split()[2]}"
        for _ in range(40):  # the conversation log is written a moment after the reply
            console.goto(search)
            if console.locator("table a[href^='/console/admin/conversations/']").count():
                break
            console.wait_for_timeout(500)
        console.click("table a[href^='/console/admin/conversations/']")
        conversation = console.url.rstrip("/").rsplit("/", 1)[-1]
        message = console.locator("li.msg.customer", has_text=text)
        message.locator("summary", has_text="Teach from this message").click()
        message.locator("form.teach-intent select[name=intent]").select_option(intent)
        # The box pre-fills the entities found, normalised ("one" as quantity=1), which are
        # not all in the text; the intent is what this admin corrects.
        message.locator("form.teach-intent input[name=entities]").fill("")
        message.locator("form.teach-intent button", has_text="Add to NLU data").click()
        console.wait_for_selector(".notice, .error")
        assert f"Added to {intent}" in console.inner_text("main"), console.inner_text("main")[:800]

        console.goto(stack.web_url + "console/admin/model")
        start = time.monotonic()
        console.click("#retrain")
        console.wait_for_selector("#job-stage")
        console.wait_for_selector("#activate, #job[data-state=failed]", timeout=900_000)
        trained_s = time.monotonic() - start
        assert console.locator("#job[data-state=failed]").count() == 0, console.inner_text("#job")
        assert console.locator("#macro-before").inner_text() != "-"  # the served model's data
        # The form's POST returns once Rasa has loaded the model: as long as MODEL_LOAD_TIMEOUT_S
        # on a busy machine, longer than a click's default 30 s wait for the navigation.
        console.click("#activate", timeout=300_000)
        console.wait_for_selector(".notice, .error", timeout=300_000)
        assert "is active on 1 Rasa replica" in console.inner_text("main"), console.inner_text(
            "main"
        )
        print(f"retrain (fast config) and cross-validation: {trained_s:.0f} s")

        say(customer, text)
        for _ in range(60):
            intents = _customer_intents(stack, console, conversation, text)
            if len(intents) == 2:
                break
            console.wait_for_timeout(500)
        assert intents == [misclassified_as, intent]
        assert _parsed_intent(stack, text) == intent
    finally:
        stack.stop()
        stack.services.engine.dispose()
