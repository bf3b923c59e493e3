"""The web app in front of Rasa, against a stand-in Rasa HTTP server that records calls."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.pack import PackInvalid
from bot.pack.locate import SHOPS_DIR
from bot.runtime.revisions import SchemaNotCurrent, head_revision, migrate
from bot.web import create_app
from tests.conftest import conversation_of, web_settings

SENDER = "0c5c1f2e-visitor"  # what an old widget sent; now ignored


async def test_chat_page_has_the_widget(client):
    response = await client.get("/")
    page = await response.text()
    assert response.status == 200
    assert 'id="chat-input"' in page and "/static/chat.js" in page and "Kettle &amp; Volt" in page


async def test_the_chat_page_wears_the_served_shops_look(
    aiohttp_client, rasa, web_services, tmp_path
):
    """Another pack, no code change: its name, colours, welcome, suggestions and logo."""
    settings = web_settings(
        str(rasa.make_url("")).rstrip("/"), tmp_path, shop_dir=SHOPS_DIR / "trailhead"
    )
    other = await aiohttp_client(create_app(settings, web_services))
    page = await (await other.get("/")).text()
    assert "<title>Trailhead help</title>" in page and 'lang="en"' in page
    assert "--primary: #2f5d50" in page and "Kettle" not in page
    assert "Hi, I&#39;m Trailhead&#39;s assistant" in page
    assert "Recommend a tent" in page  # a suggestion button
    logo = await other.get("/shop/logo")
    assert logo.status == 200 and (await logo.read()).startswith(b"<svg")


async def test_a_pack_without_a_logo_serves_none(client):
    assert (await client.get("/shop/logo")).status == 404


async def test_a_broken_pack_stops_the_start(rasa, web_services, tmp_path):
    broken = tmp_path / "shop"
    broken.mkdir()
    (broken / "shop.yml").write_text("name: [unclosed\n")
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, shop_dir=broken)
    # A runner, not aiohttp_client: the test client's own session would be left open when
    # the start fails, which is the test client's leak, not the app's.
    runner = web.AppRunner(create_app(settings, web_services))
    try:
        with pytest.raises(PackInvalid, match="not valid YAML"):
            await runner.setup()
    finally:
        await runner.cleanup()


async def test_message_goes_through_rasa_and_replies_come_back(client, rasa):
    response = await client.post("/api/messages", json={"sender": SENDER, "message": "  hi  "})
    assert response.status == 200
    assert rasa.received == [{"sender": await conversation_of(client), "message": "hi"}]
    assert (await response.json())["messages"] == [
        {"from": "bot", "text": "You said: hi"},
        {
            "from": "bot",
            "text": "Pick one",
            "buttons": [{"title": "Track my order", "payload": "/order_status"}],
        },
    ]


async def test_history_hides_intent_payloads(client, rasa):
    rasa.trackers[await conversation_of(client)] = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "where is my order?"},
        {"event": "user", "text": "/order_status"},
        {"event": "bot", "text": "What's your order number?", "data": {"buttons": None}},
    ]
    response = await client.get("/api/history", params={"sender": SENDER})
    assert (await response.json())["messages"] == [
        {"from": "user", "text": "where is my order?"},
        {"from": "bot", "text": "What's your order number?"},
    ]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"message": "   "}, 400, "non-empty"),
        ({"message": "a" * 2001}, 413, "longer than 2000"),
        ({"sender": SENDER}, 400, "non-empty"),
        ({"message": 42}, 400, "non-empty"),
        ({"payload": ""}, 400, "payload must be non-empty"),
        (["hi"], 400, "Send JSON"),
        ({"message": "\x00\x01"}, 400, "non-empty"),
    ],
)
async def test_bad_input_gets_a_clear_error(client, rasa, body, status, error):
    response = await client.post("/api/messages", json=body)
    assert response.status == status
    assert error in (await response.json())["error"]
    assert rasa.received == []


async def test_rasa_down_is_a_503_with_a_human_message(
    aiohttp_client, unused_tcp_port, web_services, tmp_path
):
    settings = web_settings(f"http://127.0.0.1:{unused_tcp_port}", tmp_path)
    client = await aiohttp_client(create_app(settings, web_services))
    response = await client.post("/api/messages", json={"sender": SENDER, "message": "hi"})
    assert response.status == 503
    body = await response.json()
    # Rasa never got it (restarting): the widget may send it again by itself
    assert body["resend"] is True and "reconnecting" in body["error"]


async def test_a_hung_rasa_is_a_503_not_a_500(
    aiohttp_client, aiohttp_server, web_services, tmp_path
):
    import asyncio

    from aiohttp import web

    async def hang(request):
        await asyncio.sleep(5)
        return web.json_response([])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", hang)
    slow = await aiohttp_server(app)
    settings = web_settings(str(slow.make_url("")).rstrip("/"), tmp_path, rasa_timeout_s=0.3)
    client = await aiohttp_client(create_app(settings, web_services))
    response = await client.post("/api/messages", json={"sender": SENDER, "message": "hi"})
    assert response.status == 503
    body = await response.json()
    # Rasa may still answer it: sending it again could make it count twice
    assert body["resend"] is False and "try again" in body["error"]


async def test_rasa_dying_mid_answer_is_a_503_the_widget_resends(
    aiohttp_client, aiohttp_server, web_services, tmp_path
):
    from aiohttp import web

    async def die(request):
        request.transport.close()  # what kill -9 does to the connection
        return web.json_response([])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", die)
    dying = await aiohttp_server(app)
    settings = web_settings(str(dying.make_url("")).rstrip("/"), tmp_path)
    client = await aiohttp_client(create_app(settings, web_services))
    response = await client.post("/api/messages", json={"message": "hi"})
    assert response.status == 503 and (await response.json())["resend"] is True


@pytest.mark.parametrize("after", ["abc", "1.5", "99999999999999999999", "-7"])
async def test_a_bad_message_id_is_a_400(client, after):
    response = await client.get("/api/updates", params={"after": after})
    assert response.status == 400
    assert (await response.json())["error"] == "after must be a message id"


async def test_updates_start_from_now_and_bring_nothing_new(client):
    first = await (await client.get("/api/updates")).json()
    assert first == {"messages": [], "last_id": 0}
    later = await client.get("/api/updates", params={"after": "0"})
    assert (await later.json())["messages"] == []


async def test_health_is_ok_when_rasa_answers_and_the_log_is_caught_up(client):
    response = await client.get("/api/health")
    body = await response.json()
    assert response.status == 200
    assert body["status"] == "ok" and body["rasa"] == "up"
    assert (body["log"]["backlog"], body["log"]["dead_letters"]) == (0, 0)


async def test_health_is_degraded_by_a_log_backlog_or_rasa_down(
    aiohttp_client, unused_tcp_port, web_services, tmp_path
):
    from bot.conversations.projection import LogProjector
    from tests.test_conversation_log import poison, rasa_events, tracker_rows

    tracker_rows(web_services.engine, [poison()])
    assert LogProjector(web_services.engine).catch_up(timeout=20)  # one dead letter
    tracker_rows(web_services.engine, rasa_events("c1"))  # 8 events not logged yet
    settings = web_settings(f"http://127.0.0.1:{unused_tcp_port}", tmp_path, log_backlog_limit=5)
    client = await aiohttp_client(create_app(settings, web_services))
    response = await client.get("/api/health")
    body = await response.json()
    assert response.status == 503 and body["status"] == "degraded"
    assert body["problems"][:2] == ["Rasa is not answering", "log backlog 8 events (limit 5)"]
    assert (body["log"]["backlog"], body["log"]["dead_letters"]) == (8, 1)
    assert "latest_dead_letter" not in body["log"]  # no conversation id or error text in public


async def test_the_database_down_before_sending_is_a_503_the_widget_resends(
    client, rasa, web_services, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from bot.outages import reports_outages

    @reports_outages  # as the ticket service reports it: DatabaseUnavailable
    def unreachable(*args):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(web_services.tickets, "would_reopen", unreachable)
    response = await client.post("/api/messages", json={"message": "hi"})
    body = await response.json()
    assert response.status == 503 and body["resend"] is True  # it never reached Rasa
    assert rasa.received == []


async def test_the_app_disposes_the_database_it_opened_and_not_one_it_was_given(
    aiohttp_client, rasa, web_services, tmp_path, monkeypatch
):
    """Connections of services the app opened are closed at shutdown; services a caller
    passed in stay open for that caller."""
    from bot.services import Services
    from bot.web import create_app
    from tests.conftest import web_settings

    disposed: list[object] = []
    opened: list[Services] = []
    real_open = Services.open

    def opening(*args, **kwargs):
        opened.append(real_open(*args, **kwargs))
        monkeypatch.setattr(opened[-1].engine, "dispose", lambda: disposed.append("own"))
        return opened[-1]

    monkeypatch.setattr(Services, "open", staticmethod(opening))
    url = str(rasa.make_url("")).rstrip("/")
    settings = web_settings(url, tmp_path, database_url=f"sqlite:///{tmp_path / 'own.db'}")
    migrate(settings.database_url)
    client = await aiohttp_client(create_app(settings))
    await client.close()
    assert disposed == ["own"]
    monkeypatch.setattr(web_services.engine, "dispose", lambda: disposed.append("given"))
    given = await aiohttp_client(create_app(settings, web_services))
    await given.close()
    assert disposed == ["own"]


async def refused_start(app: web.Application) -> BaseException:
    """What the app's start-up raised (it must raise), after cleaning up whatever started."""
    runner = web.AppRunner(app)
    try:
        with pytest.raises(Exception) as failed:
            await runner.setup()
    finally:
        await app.cleanup()
    return failed.value


def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    from bot.runtime.database import make_engine

    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_building_the_app_touches_no_database_and_writes_no_file(tmp_path):
    """The factory only wires things up: no database file, no secret key, no Rasa token."""
    database = f"sqlite:///{tmp_path / 'shop.db'}"
    settings = web_settings("http://127.0.0.1:9", tmp_path, rasa_token=None, database_url=database)
    create_app(settings)
    assert list(tmp_path.iterdir()) == []


async def test_the_web_app_refuses_an_unmigrated_database_then_serves_once_migrated(
    aiohttp_client, rasa, tmp_path
):
    """Pointed at a database nobody migrated, the web app does not start and changes nothing;
    after `csbot migrate` it serves."""
    path = tmp_path / "shop.db"
    path.touch()  # an empty database, as a new PostgreSQL database would be
    url = str(rasa.make_url("")).rstrip("/")
    settings = web_settings(url, tmp_path, database_url=f"sqlite:///{path}")
    refused = await refused_start(create_app(settings))
    assert isinstance(refused, SchemaNotCurrent)
    assert str(refused) == (
        f"the database at sqlite:///{path} is at revision none, csbot needs {head_revision()}: "
        "run `csbot migrate`"
    )
    assert path.stat().st_size == 0 and _tables(settings.database_url) == set()

    migrate(settings.database_url)
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/healthz")).status == 200


async def test_an_older_schema_is_refused_by_revision_and_left_as_it_is(rasa, tmp_path):
    from alembic import command

    from bot.runtime.database import alembic_config

    database = f"sqlite:///{tmp_path / 'shop.db'}"
    command.upgrade(alembic_config(database), "0009")
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, database_url=database)
    refused = await refused_start(create_app(settings))
    assert "is at revision 0009, csbot needs" in str(refused) and isinstance(
        refused, SchemaNotCurrent
    )
    assert "webhook_deliveries" not in _tables(database)  # 0010's table: not migrated


def test_python_m_bot_web_on_an_unmigrated_database_exits_with_the_command_to_run(tmp_path):
    """What an operator sees: one line naming the database (no password) and the fix."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "CSBOT_PROJECT_DIR": str(tmp_path)}
    env["CSBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'shop.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "bot.web", "--port", "0"],
        cwd=Path(__file__).parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"csbot's web app cannot start: the database at sqlite:///{tmp_path / 'shop.db'} is at "
        f"revision none, csbot needs {head_revision()}: run `csbot migrate`"
    )
    assert list(tmp_path.iterdir()) == []  # no database file, no var/ with a key in it


async def test_a_broken_secret_key_file_stops_the_start_and_is_left_alone(
    aiohttp_client, rasa, web_services, tmp_path
):
    """The key that signs chat cookies and console sessions is generated once (0600) when the
    app first starts; a key file it cannot use is never replaced or ignored: the start fails."""
    from bot.runtime.settings import SettingsError

    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path)
    client = await aiohttp_client(create_app(settings, web_services))
    await client.close()
    key = tmp_path / "var" / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    key.write_text("not a key\n")
    refused = await refused_start(create_app(settings, web_services))
    assert isinstance(refused, SettingsError) and "secret.key holds no 32-byte" in str(refused)
    assert key.read_text() == "not a key\n"
