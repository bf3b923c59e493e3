"""Shared fixtures: a seeded demo shop on a temporary SQLite database, the real catalogue."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import dataclasses  # noqa: E402

from aiohttp import web  # noqa: E402

from bot.runtime.revisions import migrate  # noqa: E402
from bot.runtime.settings import Settings  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.shop.demo_data import active_demo, seed  # noqa: E402
from bot.support.classifier import Classification  # noqa: E402
from bot.web import create_app  # noqa: E402
from bot.web.limits import ONE_ADDRESS_MANY_CUSTOMERS  # noqa: E402
from knowledge.catalogue import Product, load_categories, load_products  # noqa: E402
from tests.databases import PostgresServer  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, 0)


class Clock:
    """A clock a test moves forward by setting `now`."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def products() -> list[Product]:
    return load_products()


@pytest.fixture(scope="session")
def categories() -> dict[str, list[str]]:
    return load_categories()


POSTGRES_URL = os.environ.get(
    "CSBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Tests that use these load a real model, train, start servers or a browser.
SLOW_FIXTURES = {"encoder", "small_knowledge", "trained_model", "stack", "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a slow fixture `slow`, so `make test-fast` stays fast."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fast_tests_load_no_model(request, monkeypatch) -> None:
    """A test not marked slow that loads MiniLM fails, naming the fix."""
    if request.node.get_closest_marker("slow"):
        return

    def refuse():
        raise AssertionError("this test loads the MiniLM model: give it a slow fixture or mark")

    monkeypatch.setattr("knowledge.embeddings.load_encoder", refuse)
    monkeypatch.setattr("bot.nlu.minilm_featurizer.load_encoder", refuse)


@pytest.fixture(scope="session")
def postgres():
    """The real PostgreSQL server (skips the test, with the reason, when it is unreachable)."""
    server = PostgresServer(POSTGRES_URL)
    if server.unreachable:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {server.unreachable}")
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database on the real server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'csbot.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = server.create()
    yield server.url_of(name)
    server.drop(name)


def open_services(url: str, **options) -> Services:
    """`Services.open` on a database the test just made, its schema built first as `csbot
    migrate` builds it (the product's processes only check it; they never migrate)."""
    migrate(url)
    return Services.open(url, **options)


def _seed_demo(url: str, products: list[Product]) -> None:
    services = open_services(url)
    seed(services.engine, products, active_demo(), now=NOW)
    services.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, products) -> Path:
    """The demo shop seeded once as of NOW; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "shop.db"
    _seed_demo(f"sqlite:///{path}", products)
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres, products):
    name = postgres.create()
    _seed_demo(postgres.url_of(name), products)
    yield name
    postgres.drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_db_url(request, tmp_path: Path) -> str:
    """A fresh copy of the seeded demo shop (a file copy, or CREATE DATABASE ... TEMPLATE)."""
    if request.param == "sqlite":
        copy = tmp_path / "shop.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        yield f"sqlite:///{copy}"
        return
    server = request.getfixturevalue("postgres")
    name = server.create(template=request.getfixturevalue("postgres_template"))
    yield server.url_of(name)
    server.drop(name)


KEYWORD_CATEGORIES = {
    "charged": "billing",
    "refund": "returns_refunds",
    "parcel": "delivery",
    "broken": "damaged_defective",
    "password": "account",
}


def keyword_classifier(text: str) -> Classification:
    """A stand-in for the MiniLM ticket classifier where its quality is not the point."""
    lowered = text.lower()
    category = next(
        (c for word, c in KEYWORD_CATEGORIES.items() if word in lowered), "product_question"
    )
    return Classification(category, "high" if "!" in text else "normal", 0.9, 0.9)


@pytest.fixture
def services(seeded_db_url: str) -> Services:
    """A fresh demo shop seeded as of NOW, with return checks using the same clock."""
    opened = Services.open(seeded_db_url, clock=lambda: NOW, classifier=keyword_classifier)
    yield opened
    opened.engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current config/domain/data: trained once, reused while unchanged."""
    from bot.runtime.settings import Settings
    from bot.runtime.training import ensure_model

    settings = Settings.from_env()
    return ensure_model(settings.project_dir, settings.models_dir)


@pytest.fixture(scope="session")
def stack_index(tmp_path_factory, encoder) -> Path:
    """The shop's knowledge index and ticket classifier, built once for every test stack."""
    from bot.runtime import setup
    from knowledge.sources import build_all

    index = tmp_path_factory.mktemp("stack-index")
    build_all(index, encoder)
    setup.ticket_classifier(Settings.from_env())
    return index


def start_demo_stack(
    workdir: Path, model: Path, products, index: Path, setup=None, scale=None, **changes
):
    """Rasa, the action server and the web app on free ports over a fresh demo database in
    `workdir`; `setup(services)` runs before the start (accounts, say); `changes` are more
    settings (faq_dir=..., database_url=...); `scale`: start_stack's rasa_replicas and
    action_workers. The stack carries `services`; a failed start fails the test with the
    processes' logs."""
    from bot.runtime.stack import StackError, start_stack

    rasa_port = _free_port()
    defaults = {
        **ONE_ADDRESS_MANY_CUSTOMERS,  # every test's customers write from 127.0.0.1
        "database_url": f"sqlite:///{workdir / 'services.db'}",
        "index_dir": index,
        "web_port": _free_port(),
        "rasa_port": rasa_port,
        "actions_port": _free_port(),
        "rasa_url": f"http://127.0.0.1:{rasa_port}",
    }
    settings = dataclasses.replace(Settings.from_env(), **{**defaults, **changes})
    services = open_services(settings.database_url)
    seed(services.engine, products, active_demo())
    if setup is not None:
        setup(services)
    try:
        running = start_stack(settings, model, log_dir=workdir / "logs", **(scale or {}))
    except StackError as exc:
        services.engine.dispose()
        logs = "\n".join(p.read_text()[-3000:] for p in (workdir / "logs").glob("*.log"))
        pytest.fail(f"{exc}\n{logs}")
    running.services = services
    return running


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory, products, stack_index):
    """Rasa, the action server and the web app on free ports, over a fresh demo database."""
    workdir = tmp_path_factory.mktemp("stack")
    running = start_demo_stack(workdir, trained_model, products, stack_index)
    yield running
    running.stop()
    running.services.engine.dispose()


@pytest.fixture(scope="session")
def encoder():
    from knowledge.embeddings import MiniLMEncoder

    return MiniLMEncoder()


@pytest.fixture(scope="session")
def small_knowledge(tmp_path_factory, encoder, products):
    """A real MiniLM + FAISS index over part of the shop's knowledge, built once."""
    from knowledge.faq import load_faqs
    from knowledge.index import build_collection
    from knowledge.policies import load_passages
    from knowledge.retrieval import KnowledgeBase
    from knowledge.sources import ANSWERS, PRODUCTS, answer_texts, product_texts

    root = tmp_path_factory.mktemp("index")
    faqs = [f for f in load_faqs() if f.topic in ("returns", "shipping", "payments", "warranty")]
    passages = [p for p in load_passages() if p.source == "returns-and-refunds.md"]
    build_collection(root, ANSWERS, *answer_texts(faqs, passages), encoder, classify=True)
    wanted = {"dishwasher", "kettle", "headphones", "coffee-machine", "toaster", "blender"}
    build_collection(
        root, PRODUCTS, *product_texts([p for p in products if p.category in wanted]), encoder
    )
    return KnowledgeBase(root, encoder)


@pytest.fixture(scope="session")
def recognizer(products, categories):
    """The demo shop's entity rules over its catalogue."""
    from bot.nlu.entity_rules import ShopEntityRecognizer
    from tests.packs import KV

    return ShopEntityRecognizer(products, categories, order_numbers=KV.order_numbers)


@pytest.fixture
def finder(small_knowledge, recognizer):
    """The product finder over `small_knowledge`."""
    from bot.pack import ShopFormat
    from bot.shop.products import ProductFinder
    from knowledge.catalogue import load_spec_words
    from tests.packs import KV

    return ProductFinder(
        small_knowledge,
        recognizer,
        spec_words=load_spec_words(KV.categories),
        money=ShopFormat.of(KV).money,
    )


@pytest.fixture
def recommender(small_knowledge, recognizer, services):
    """Recommendations over `small_knowledge`, with the seeded shop's baskets."""
    from bot.pack import ShopFormat
    from bot.shop.recommend import CoPurchase, Recommender
    from knowledge.catalogue import load_spec_words
    from tests.packs import KV

    return Recommender(
        small_knowledge,
        recognizer,
        CoPurchase.from_baskets(services.orders.baskets()),
        spec_words=load_spec_words(KV.categories),
        money=ShopFormat.of(KV).money,
    )


# --- web app against a stand-in Rasa HTTP server ------------------------------------------


RASA_TOKEN = "stand-in-rasa-token"
PICK_ONE = [{"title": "Track my order", "payload": "/order_status"}]


@pytest.fixture
async def rasa(aiohttp_server):
    """A server speaking Rasa's REST webhook and tracker API with Rasa's token check,
    keeping what it was sent (`received`) and each conversation's events (`trackers`)."""
    received: list[dict] = []
    trackers: dict[str, list[dict]] = {}

    @web.middleware
    async def require_token(request: web.Request, handler) -> web.StreamResponse:
        if request.path != "/" and request.query.get("token") != RASA_TOKEN:  # "/" is open
            return web.json_response({"error": "NotAuthenticated"}, status=401)
        return await handler(request)

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        replies = [
            {"recipient_id": body["sender"], "text": f"You said: {body['message']}"},
            {"recipient_id": body["sender"], "text": "Pick one", "buttons": PICK_ONE},
        ]
        events = trackers.setdefault(body["sender"], [])
        events.append({"event": "user", "text": body["message"]})
        events += [
            {"event": "bot", "text": r["text"], "data": {"buttons": r.get("buttons")}}
            for r in replies
        ]
        return web.json_response(replies)

    async def tracker(request: web.Request) -> web.Response:
        return web.json_response({"events": trackers.get(request.match_info["sender"], [])})

    async def append(request: web.Request) -> web.Response:
        events = await request.json()
        received.append({"append": request.match_info["sender"], "events": events})
        trackers.setdefault(request.match_info["sender"], []).extend(events)
        return web.json_response({})

    async def execute(request: web.Request) -> web.Response:
        received.append({"execute": request.match_info["sender"], **(await request.json())})
        return web.json_response({})

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    app = web.Application(middlewares=[require_token])
    app.router.add_get("/", hello)
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_post("/conversations/{sender}/tracker/events", append)
    app.router.add_post("/conversations/{sender}/execute", execute)
    app.router.add_get("/conversations/{sender}/tracker", tracker)
    server = await aiohttp_server(app)
    server.received = received
    server.trackers = trackers
    return server


@pytest.fixture
def web_services(tmp_path):
    services = open_services(f"sqlite:///{tmp_path / 'web.db'}", classifier=keyword_classifier)
    yield services
    services.engine.dispose()


def web_settings(rasa_url: str, project_dir: Path, **changes) -> Settings:
    """Settings for a web app under test, talking to the stand-in Rasa with its token."""
    changes = {"rasa_token": RASA_TOKEN, **changes}
    return dataclasses.replace(
        Settings.from_env({}), rasa_url=rasa_url, project_dir=project_dir, **changes
    )


@pytest.fixture
async def client(aiohttp_client, rasa, web_services, tmp_path):
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path)
    return await aiohttp_client(create_app(settings, web_services))


async def conversation_of(client) -> str:
    """The conversation the server gave this test client's cookie (asking for one first)."""
    from bot.web.identity import COOKIE, verify
    from bot.web.keys import CHAT_KEY

    if not any(c.key == COOKIE for c in client.session.cookie_jar):
        await client.get("/api/updates")
    cookie = next(c for c in client.session.cookie_jar if c.key == COOKIE)
    return verify(cookie.value, client.server.app[CHAT_KEY])
