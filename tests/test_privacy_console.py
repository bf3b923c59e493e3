"""The admin privacy page and `csbot privacy`: export, delete (typed twice), deletion
requests confirmed or rejected, the retention purge."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversations.log import ConversationLog
from bot.conversations.models import Conversation
from bot.runtime.cli import main
from tests.conftest import open_services
from tests.test_console import PASSWORD, csrf_of, login

EMAIL = "kim.park@example.com"


def chat(services, sender: str, email: str | None, when: datetime | None = None) -> None:
    log = ConversationLog(services.engine)
    stamp = (when or datetime.utcnow()).timestamp()
    log.write({"sender_id": sender, "event": "user", "text": "hello", "timestamp": stamp})
    if email:
        slot = {"event": "slot", "name": "verified_customer", "value": email}
        log.write({"sender_id": sender, **slot, "timestamp": stamp + 1})


def conversations(services) -> set[str]:
    with Session(services.engine) as session:
        return set(session.execute(select(Conversation.id)).scalars())


@pytest.fixture
def people(web_services):
    web_services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])
    return web_services.agents.create("sam", "Sam", PASSWORD, role="admin")


async def test_only_admins_reach_the_privacy_page(client, people):
    await login(client, "alex")
    assert (await client.get("/console/admin/privacy")).status == 403
    token = await csrf_of(client, "/console")
    response = await client.post(
        "/console/admin/privacy/export", data={"csrf": token, "email": EMAIL}
    )
    assert response.status == 403


async def test_admin_exports_a_customers_data_as_a_json_download(client, people, web_services):
    chat(web_services, "c-kim", EMAIL)
    chat(web_services, "c-other", "other@example.com")
    token = await login(client, "sam")
    assert (await client.post("/console/admin/privacy/export", data={"email": EMAIL})).status == 403
    response = await client.post(
        "/console/admin/privacy/export", data={"csrf": token, "email": EMAIL}
    )
    assert response.status == 200
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="csbot-data-{EMAIL}.json"'
    )
    data = json.loads(await response.text())
    assert [c["id"] for c in data["tables"]["conversations"]] == ["c-kim"]


async def test_admin_deletes_only_when_the_email_is_typed_twice(client, people, web_services):
    chat(web_services, "c-kim", EMAIL)
    chat(web_services, "c-other", "other@example.com")
    token = await login(client, "sam")
    form = {"csrf": token, "email": EMAIL, "again": "kim.park@example.org"}
    page = await (await client.post("/console/admin/privacy/delete", data=form)).text()
    assert "does not match: nothing was deleted" in page
    assert conversations(web_services) == {"c-kim", "c-other"}
    form["again"] = EMAIL.upper()
    response = await client.post("/console/admin/privacy/delete", data=form)
    page = await response.text()
    assert "Deleted for the customer: conversations 1, logged_events 2, messages 1." in page
    assert EMAIL not in str(response.url).lower()  # the notice's URL names no email
    assert conversations(web_services) == {"c-other"}
    entry = web_services.audit.page(action="delete")[0][0]
    assert (entry.actor, entry.detail["deleted"]["conversations"]) == ("sam", 1)
    assert EMAIL not in json.dumps(entry.to_json())  # the trail keeps a digest, not the address


async def test_admin_confirms_or_rejects_the_bots_deletion_requests(client, people, web_services):
    chat(web_services, "c-kim", EMAIL)
    chat(web_services, "c-anon", None)
    kim = web_services.deletion_requests.file("c-kim", "delete my data", verified_email=EMAIL)
    anon = web_services.deletion_requests.file("c-anon", "delete me", typed_email="who@example.com")
    token = await login(client, "sam")
    page = await (await client.get("/console/admin/privacy")).text()
    assert "2 pending" in page and "(verified)" in page and "(not verified)" in page
    page = await (
        await client.post(
            f"/console/admin/privacy/requests/{kim.request_id}/confirm", data={"csrf": token}
        )
    ).text()
    assert f"Request #{kim.request_id} done." in page and "1 pending" in page
    await client.post(
        f"/console/admin/privacy/requests/{anon.request_id}/reject", data={"csrf": token}
    )
    assert conversations(web_services) == {"c-anon"}
    page = await (
        await client.post(
            f"/console/admin/privacy/requests/{kim.request_id}/confirm", data={"csrf": token}
        )
    ).text()
    assert "already done" in page


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CSBOT_DATABASE_URL", url)
    services = open_services(url)
    yield services
    services.engine.dispose()


def test_cli_exports_deletes_and_purges(database, tmp_path, capsys, monkeypatch):
    chat(database, "c-kim", EMAIL)
    chat(database, "c-old", None, datetime.utcnow() - timedelta(days=40))
    out = tmp_path / "kim.json"
    assert main(["privacy", "export", EMAIL, "--out", str(out)]) == 0
    assert [c["id"] for c in json.loads(out.read_text())["tables"]["conversations"]] == ["c-kim"]
    assert main(["privacy", "export"]) == 2  # needs the email

    monkeypatch.setattr("builtins.input", lambda prompt: "not the email")
    assert main(["privacy", "delete", EMAIL]) == 1
    assert conversations(database) == {"c-kim", "c-old"}
    capsys.readouterr()
    assert main(["privacy", "delete", EMAIL, "--yes"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"]["conversations"] == 1
    trail = [r.action for r in database.audit.page()[0]]
    assert trail == ["delete", "export"]  # newest first; the refused deletion left no entry

    monkeypatch.setenv("CSBOT_RETENTION_DAYS", "60")
    assert main(["privacy", "purge"]) == 0
    assert json.loads(capsys.readouterr().out)["conversations"] == 0
    assert main(["privacy", "purge", "--days", "30"]) == 0
    assert json.loads(capsys.readouterr().out)["conversations"] == 1
    with Session(database.engine) as session:
        assert session.execute(select(func.count(Conversation.id))).scalar() == 0


def test_cli_lists_pending_requests(database, capsys):
    database.deletion_requests.file("c-1", "delete", typed_email=EMAIL)
    assert main(["privacy", "requests"]) == 0
    assert f"c-1  {EMAIL} (NOT verified)" in capsys.readouterr().out


def test_retention_days_come_from_the_environment():
    from bot.runtime.settings import Settings, SettingsError

    assert Settings.from_env({}).retention_days == 365
    assert Settings.from_env({"CSBOT_RETENTION_DAYS": "30"}).retention_days == 30
    with pytest.raises(SettingsError, match="CSBOT_RETENTION_DAYS"):
        Settings.from_env({"CSBOT_RETENTION_DAYS": "forever"})
