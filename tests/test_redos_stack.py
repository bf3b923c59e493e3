"""The live check of the ReDoS fix: csbot's three processes, with Messenger and Telegram on
(fake platforms on loopback), take the adversarial texts of `tests/adversarial.py` through
every public text path (the widget, both webhooks, the console's conversation search, the
workbench's teach box) while another thread polls the web app's `/healthz`. Before the fix one
45-character "ok . . . so" held the web app for minutes; here every health check must be
answered within a second, and every path must answer each text (a reply, or a clear 4xx)."""

from __future__ import annotations

import json
import re
import threading
import time
from unittest import mock

import pytest
import requests

from bot.channels.signatures import hub_signature
from bot.services import Services
from tests.adversarial import adversarial_texts
from tests.conftest import start_demo_stack
from tests.fake_platforms import (
    BOT_TOKEN,
    PAGE_TOKEN,
    ThreadedServer,
    fake_bot_api_app,
    fake_graph_app,
)

APP_SECRET = "redos-app-secret"
TELEGRAM_SECRET = "redos_webhook-secret_7"
ADMIN, PASSWORD = "robin", "redos-admin-password"
WIDGET_CAP = 2_000  # the web app's own length cap; longer texts are refused (tested too)


@pytest.fixture(scope="module")
def platforms():
    graph, bot_api = ThreadedServer(fake_graph_app()), ThreadedServer(fake_bot_api_app())
    yield graph, bot_api
    graph.close()
    bot_api.close()


@pytest.fixture(scope="module")
def redos_stack(trained_model, stack_index, tmp_path_factory, products, platforms):
    graph, bot_api = platforms
    workdir = tmp_path_factory.mktemp("redos-stack")
    env = {
        "CSBOT_MESSENGER_VERIFY_TOKEN": "redos-verify",
        "CSBOT_MESSENGER_APP_SECRET": APP_SECRET,
        "CSBOT_MESSENGER_PAGE_TOKEN": PAGE_TOKEN,
        "CSBOT_MESSENGER_GRAPH_URL": graph.url,
        "CSBOT_TELEGRAM_TOKEN": BOT_TOKEN,
        "CSBOT_TELEGRAM_SECRET": TELEGRAM_SECRET,
        "CSBOT_TELEGRAM_API_URL": bot_api.url,
    }
    folders = {name: workdir / name for name in ("nlu", "faq", "stories")}
    for folder in folders.values():
        folder.mkdir()

    def admin(services: Services) -> None:
        services.agents.create(ADMIN, "Robin", PASSWORD, role="admin")

    with mock.patch.dict("os.environ", env):
        running = start_demo_stack(
            workdir,
            trained_model,
            products,
            stack_index,
            admin,
            nlu_dir=folders["nlu"],
            faq_dir=folders["faq"],
            test_stories_dir=folders["stories"],
        )
    yield running
    running.stop()
    running.services.engine.dispose()


class HealthWatch:
    """Polls `/healthz` every 0.2 s on its own thread; records each answer's latency."""

    def __init__(self, url: str) -> None:
        self.url, self.latencies, self.failures = url, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(self.url, timeout=10).status_code == 200
            except requests.RequestException as exc:
                ok = False
                self.failures.append(repr(exc))
            self.latencies.append(time.monotonic() - started)
            if not ok and not self.failures:
                self.failures.append("not 200")
            self._stop.wait(0.2)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=15)


def _texts() -> list[str]:
    """Every shape at 45 characters and just under the widget's cap (some shapes run a few
    characters over the length asked for)."""
    return adversarial_texts(WIDGET_CAP - 40)


def _messenger(stack, text: str, n: int) -> requests.Response:
    event = {
        "sender": {"id": f"77001{n:06d}"},
        "recipient": {"id": "PAGE"},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m.redos.{n}", "text": text},
    }
    body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "messaging": [event]}]})
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": hub_signature(APP_SECRET, body.encode()),
    }
    url = stack.web_url + "webhooks/facebook/webhook"
    return requests.post(url, data=body.encode(), headers=headers, timeout=120)


def _telegram(stack, text: str, n: int) -> requests.Response:
    update = {
        "update_id": 880000 + n,
        "message": {
            "message_id": n,
            "date": int(time.time()),
            "chat": {"id": 55000 + n, "type": "private"},
            "from": {"id": 55000 + n, "is_bot": False, "first_name": "Fuzz"},
            "text": text,
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    url = stack.web_url + "webhooks/telegram/webhook"
    return requests.post(url, json=update, headers=headers, timeout=120)


def _console(stack) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(stack.web_url + "console/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    session.post(
        stack.web_url + "console/login",
        data={"username": ADMIN, "password": PASSWORD, "csrf": csrf},
        timeout=30,
    )
    page = session.get(stack.web_url + "console", timeout=30).text
    return session, re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _first_customer_message(stack, console: requests.Session, conversation: str) -> dict | None:
    """The conversation's first customer message in the log, waiting for the log to catch up
    with Rasa's events (it does so in the background)."""
    url = f"{stack.web_url}console/admin/conversations/{conversation}/timeline.json"
    deadline = time.monotonic() + 180
    while True:
        messages = console.get(url, timeout=60).json()["messages"]
        first = next((m for m in messages if m["from"] == "customer"), None)
        if first is not None or time.monotonic() > deadline:
            return first
        time.sleep(1)


def _teach(stack, console: requests.Session, csrf: str, conversation: str, message: dict) -> int:
    """Teach the customer's message as an example of `greet`."""
    url = f"{stack.web_url}console/admin/conversations/{conversation}/teach/intent"
    form = {"message": str(message["id"]), "intent": "greet", "entities": "", "csrf": csrf}
    return console.post(url, data=form, timeout=120).status_code


def test_adversarial_texts_on_every_path_never_stall_the_web_app(redos_stack):
    stack, texts = redos_stack, _texts()
    answered: dict[str, list[int]] = {"widget": [], "messenger": [], "telegram": []}
    conversations: list[str] = []
    replies: list[str] = []
    with HealthWatch(stack.web_url + "healthz") as watch:
        for n, text in enumerate(texts):
            customer = requests.Session()  # a conversation per text: no rate limit in play
            reply = customer.post(
                stack.web_url + "api/messages", json={"message": text}, timeout=120
            )
            answered["widget"].append(reply.status_code)
            replies.append(reply.text[:300])
            conversations.append(customer.cookies["csbot_chat"].partition(".")[0])
            answered["messenger"].append(_messenger(stack, text, n).status_code)
            answered["telegram"].append(_telegram(stack, text, n).status_code)
        too_long = requests.post(
            stack.web_url + "api/messages", json={"message": "ok" + " ." * 5000}, timeout=60
        )
        console, csrf = _console(stack)
        searched = [
            console.get(
                stack.web_url + "console/admin/conversations", params={"q": text}, timeout=120
            ).status_code
            for text in texts
        ]
        logged = {c: _first_customer_message(stack, console, c) for c in conversations}
        taught = [_teach(stack, console, csrf, c, m) for c, m in logged.items() if m]
    assert all(len(text) <= WIDGET_CAP for text in texts)
    missing = [(texts[n][:30], replies[n]) for n, c in enumerate(conversations) if not logged[c]]
    assert not missing, f"accepted but never logged: {missing}"
    assert not watch.failures and max(watch.latencies) < 1.0, (
        f"health: max {max(watch.latencies):.2f} s, failures {watch.failures[:3]}"
    )
    assert len(watch.latencies) > 20  # it really polled throughout
    for path, statuses in answered.items():
        assert all(status == 200 for status in statuses), (path, statuses)
    assert too_long.status_code == 413 and "longer than" in too_long.json()["error"]
    assert all(status in (200, 400) for status in searched), searched
    # the teach box either writes the example or says why not: never a server error
    assert all(status == 200 for status in taught), taught
