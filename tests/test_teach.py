"""Teach from a message: NLU examples, FAQ phrasings and entries, test stories; written
atomically into temporary copies of data/nlu, the demo shop's faq/ and tests/stories (never the
repository's own files), keeping comments and layout, recorded in the audit trail."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from bot.conversations.log import ConversationLog
from bot.runtime.settings import PROJECT_ROOT
from bot.web import create_app
from bot.web.keys import REINDEX
from bot.workbench import faq_entries, nlu_examples, test_stories, yaml_files
from bot.workbench.errors import TeachError
from bot.workbench.reindex import Reindexer
from bot.workbench.teaching import FaqDraft, TeachingService
from knowledge.faq import load_faqs
from tests.conftest import web_settings
from tests.test_console import PASSWORD, login
from tests.test_review import ts, user

WHEN = datetime(2026, 12, 1, 10, 30)
SOURCES = {"nlu": "data/nlu", "faq": "shops/kettle-and-volt/faq", "stories": "tests/stories"}


def fingerprint() -> dict[str, str]:
    """The repository's own files the workbench writes to, hashed."""
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in SOURCES.values()
        for p in sorted((PROJECT_ROOT / folder).glob("*.yml"))
    }


@pytest.fixture(scope="module")
def untouched():
    """Every test here must leave the repository's data, FAQ and stories alone."""
    before = fingerprint()
    yield
    assert fingerprint() == before


@pytest.fixture
def dirs(tmp_path, untouched) -> dict[str, Path]:
    copies = {}
    for name, folder in SOURCES.items():
        copies[name] = tmp_path / name
        shutil.copytree(PROJECT_ROOT / folder, copies[name])
    return copies


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_a_corrected_example_is_appended_under_its_intent_and_nothing_else_changes(dirs):
    path = dirs["nlu"] / "customer_service_part1.yml"
    before = lines(path)
    result = nlu_examples.teach_intent(
        dirs["nlu"], "wheres my parcel 100234 mate", "order_status", {"order_number": "100234"}
    )
    assert (result.status, result.file) == ("added", path.name)
    after = lines(path)
    added = [line for line in after if line not in before]
    assert added == ["    - wheres my parcel [100234](order_number) mate"]
    assert len(after) == len(before) + 1  # comments, quotes, order: all as they were

    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(dirs["nlu"])).training_examples
    taught = next(e for e in examples if e.get("text") == "wheres my parcel 100234 mate")
    assert taught.get("intent") == "order_status"
    assert [(e["entity"], e["value"]) for e in taught.get("entities")] == [
        ("order_number", "100234")
    ]


def test_a_duplicate_is_not_written_twice_and_a_conflict_is_shown_not_written(dirs):
    before = {p.name: p.read_bytes() for p in dirs["nlu"].glob("*.yml")}
    same = nlu_examples.teach_intent(dirs["nlu"], "  HELLO  ", "greet")
    assert same.status == "duplicate"
    other = nlu_examples.teach_intent(dirs["nlu"], "hello", "order_status")
    assert (other.status, other.conflict_intent, other.conflict_example) == (
        "conflict",
        "greet",
        "hello",
    )
    assert {p.name: p.read_bytes() for p in dirs["nlu"].glob("*.yml")} == before
    with pytest.raises(TeachError, match="not an intent"):
        nlu_examples.teach_intent(dirs["nlu"], "fresh words here", "no_such_intent")
    with pytest.raises(TeachError, match="not in the message"):
        nlu_examples.teach_intent(dirs["nlu"], "where is it", "order_status", {"order_number": "9"})


def test_a_phrasing_joins_its_faq_and_a_new_entry_records_who_and_when(dirs):
    faq = dirs["faq"]
    added = faq_entries.add_phrasing(faq, "account-create", "how do I open an acct with u guys")
    assert added.status == "added"
    entry = next(e for e in load_faqs(faq) if e.id == "account-create")
    assert entry.phrasings[-1] == "how do I open an acct with u guys"
    clash = faq_entries.add_phrasing(faq, "account-forgot-password", "wheres the register button")
    assert (clash.status, clash.conflict_id) == ("conflict", "account-create")

    path = faq / "shipping_returns_payments_warranty.yml"
    before = lines(path)
    created = faq_entries.new_entry(
        faq,
        "shipping-to-islands",
        "shipping",
        "Do you ship to the Channel Islands?",
        "Yes, standard delivery to the Channel Islands takes 5-7 business days.",
        ["do u deliver to jersey"],
        "sam",
        WHEN,
    )
    assert (created.status, created.file) == ("created", path.name)
    after = lines(path)
    assert after[: len(before)] == before  # appended; the rest is byte-for-byte the same
    assert "  # added by sam on 2026-12-01 10:30 UTC (review workbench)" in after
    new = next(e for e in load_faqs(faq) if e.id == "shipping-to-islands")
    assert (new.topic, new.phrasings) == ("shipping", ("do u deliver to jersey",))
    with pytest.raises(TeachError, match="already an FAQ entry"):
        faq_entries.new_entry(faq, "shipping-to-islands", "shipping", "q?", "a", [], "sam", WHEN)


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(dirs, monkeypatch):
    path = dirs["nlu"] / "customer_voice.yml"
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        nlu_examples.teach_intent(dirs["nlu"], "sup, anyone awake", "greet")
    assert path.read_bytes() == before
    assert [p.name for p in dirs["nlu"].iterdir() if p.name.startswith(".")] == []


def nlu_files(nlu_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in nlu_dir.glob("*.yml")}


def rasa_reads(nlu_dir: Path) -> dict[str, tuple]:
    """Every example as Rasa's loader reads the folder: text -> (intent, entities)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return {
        e.get("text"): (
            e.get("intent"),
            [(x["entity"], x["value"]) for x in e.get("entities") or []],
        )
        for e in load_data(str(nlu_dir)).training_examples
    }


@pytest.mark.parametrize(
    "message",
    [
        "I got [the wrong]{item} twice",  # Rasa's parser fails: no later training at all
        "where is [100234](order_number)",  # a label nobody chose
        "order [100234](order_number:100999) pls",  # ... with a synonym
        'it is [broken]{"entity": "product"}',
        "x [a][b] y",  # Rasa reads "x a y"
        "[it](is) what it is",
    ],
)
def test_customer_text_that_rasa_reads_as_markup_is_refused_and_nothing_is_written(dirs, message):
    before = nlu_files(dirs["nlu"])
    with pytest.raises(TeachError, match="Not written: the message has brackets"):
        nlu_examples.teach_intent(dirs["nlu"], message, "complaint")
    assert nlu_files(dirs["nlu"]) == before


@pytest.mark.parametrize(
    "message, entities, read",
    [
        ("where is [it] (the parcel)", {}, []),
        ("(order 100234) [urgent] pls", {"order_number": "100234"}, [("order_number", "100234")]),
        ("[ ] broken, see (photo) {attached}", {}, []),
        ("is it ] or [ or )(", {}, []),
        ("the [toaster]{ is dead", {}, []),
    ],
)
def test_brackets_rasa_reads_as_text_are_taught_as_typed(dirs, message, entities, read):
    result = nlu_examples.teach_intent(dirs["nlu"], message, "complaint", entities)
    assert result.status == "added"
    assert rasa_reads(dirs["nlu"])[message] == ("complaint", read)


def test_an_entity_value_with_brackets_is_refused(dirs):
    before = nlu_files(dirs["nlu"])
    with pytest.raises(TeachError, match="Not written"):
        nlu_examples.teach_intent(dirs["nlu"], "got [x] here", "complaint", {"product": "[x]"})
    assert nlu_files(dirs["nlu"]) == before


def test_a_file_rasa_cannot_read_after_writing_is_rolled_back(dirs, monkeypatch):
    """The read-back check is the last line: an example that slipped past the markup check
    leaves the file as it was and Rasa still loads the folder."""
    monkeypatch.setattr(nlu_examples, "annotate", lambda text, entities: text)
    before = nlu_files(dirs["nlu"])
    with pytest.raises(TeachError, match="Rasa could not read"):
        nlu_examples.teach_intent(dirs["nlu"], "I got [the wrong]{item} twice", "complaint")
    assert nlu_files(dirs["nlu"]) == before
    assert [p.name for p in dirs["nlu"].iterdir() if p.name.startswith(".")] == []
    assert "hello" in rasa_reads(dirs["nlu"])


def _lookup_conversation(engine, sender="c-story") -> None:
    log = ConversationLog(engine)
    text = "where is my order 100234"
    parse_entity = {"entity": "order_number", "value": "100234", "start": 18, "end": 24}
    turn = user(sender, text, "order_status", 0.9, ts(0) + 1)
    turn["parse_data"]["entities"] = [parse_entity]
    at = ts(0)
    for e in [
        {"event": "action", "name": "action_session_start", "timestamp": at},
        {"event": "session_started", "timestamp": at},
        {"event": "action", "name": "action_listen", "timestamp": at},
        turn,
        {"event": "slot", "name": "order_number", "value": "100234", "timestamp": at + 1},
        {"event": "action", "name": "order_lookup_form", "timestamp": at + 2},
        {"event": "active_loop", "name": "order_lookup_form", "timestamp": at + 2},
        {"event": "action", "name": "action_listen", "timestamp": at + 3},
        {"event": "pause", "timestamp": at + 4},
        user(sender, "hello? anyone", "greet", 0.9, at + 5),
    ]:
        log.write({"sender_id": sender, **e})


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")  # Rasa's domain
def test_a_conversation_becomes_a_test_story_rasa_reads(dirs, web_services):
    _lookup_conversation(web_services.engine)
    teaching = TeachingService(web_services.engine, web_services.audit, clock=lambda: WHEN)
    name = teaching.save_story("sam", "c-story", dirs["stories"])
    path = dirs["stories"] / test_stories.STORIES_FILE
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    (step,) = YAMLStoryReader(Domain.load(str(PROJECT_ROOT / "domain.yml"))).read_from_file(
        str(path)
    )
    assert step.block_name == name == "conversation c-story, saved by sam on 2026-12-01 10:30 UTC"
    kinds = [type(e).__name__ for e in step.events]
    assert kinds == ["UserUttered", "SlotSet", "ActionExecuted", "ActiveLoop"]  # up to handoff
    assert step.events[0].intent_name == "order_status"
    assert "[100234](order_number)" in path.read_text()
    with pytest.raises(TeachError):
        teaching.save_story("sam", "nobody", dirs["stories"])


def test_a_conversation_with_markup_in_a_customer_message_is_not_saved_as_a_story(
    dirs, web_services
):
    log, at = ConversationLog(web_services.engine), ts(0)
    for e in [
        {"event": "action", "name": "action_listen", "timestamp": at},
        user("c-markup", "I got [the wrong]{item} twice", "complaint", 0.9, at + 1),
        {"event": "action", "name": "action_request_human", "timestamp": at + 2},
    ]:
        log.write({"sender_id": "c-markup", **e})
    before = {p.name: p.read_bytes() for p in dirs["stories"].iterdir()}
    with pytest.raises(TeachError, match="Not written: the message has brackets"):
        web_services.teaching.save_story("sam", "c-markup", dirs["stories"])
    assert {p.name: p.read_bytes() for p in dirs["stories"].iterdir()} == before


def test_only_what_is_written_is_audited_and_with_the_customers_words_only(dirs, web_services):
    """The admin's audit trail shows each write once, who made it and the customer's words
    it copied (privacy export and deletion find them there); a duplicate, or a message of
    another conversation, leaves no entry."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bot.conversations.models import Message

    sam = web_services.agents.create("sam", "Sam", PASSWORD, role="admin")
    said = "can u wrap it as a present"
    ConversationLog(web_services.engine).write(user("c-t", said, "ask_knowledge", 0.4, ts(0)))
    with Session(web_services.engine) as session:
        message = session.execute(select(Message.id)).scalar_one()
    teaching = web_services.teaching
    first = teaching.teach_intent(sam, "c-t", message, dirs["nlu"], "ask_knowledge")
    again = teaching.teach_intent(sam, "c-t", message, dirs["nlu"], "ask_knowledge")
    assert (first.status, again.status) == ("added", "duplicate")
    with pytest.raises(TeachError, match="not a customer message of this conversation"):
        teaching.add_phrasing(sam, "c-other", message, dirs["faq"], "store-gift-wrapping")
    draft = FaqDraft("gift-notes", "", "Can you add a gift note?", "Yes, up to 200 characters.")
    created = teaching.new_faq(sam, "c-t", message, dirs["faq"], draft)
    assert (created.status, created.text) == ("created", "Can you add a gift note?")
    entries, total = web_services.audit.page(action="teach")
    assert total == 2 and {e.actor for e in entries} == {"sam"}
    assert [e.detail["kind"] for e in entries] == ["faq_new", "nlu"]
    assert entries[0].detail["texts"] == [said]  # not the admin's question: that is the shop's
    assert entries[1].detail["example"] == said


def test_round_trips_of_the_real_files_change_nothing():
    for folder in SOURCES.values():
        for path in (PROJECT_ROOT / folder).glob("*.yml"):
            data, yaml = yaml_files.load(path)
            assert yaml_files.dumps(data, yaml) == path.read_text(encoding="utf-8"), path


# --- the console's one-click teaching ----------------------------------------------------


@pytest.fixture
async def teaching(aiohttp_client, rasa, web_services, tmp_path, dirs):
    settings = web_settings(
        str(rasa.make_url("")).rstrip("/"),
        tmp_path,
        nlu_dir=dirs["nlu"],
        faq_dir=dirs["faq"],
        test_stories_dir=dirs["stories"],
    )
    app = create_app(settings, web_services)
    builds: list[int] = []
    app[REINDEX] = Reindexer(lambda: builds.append(1))
    client = await aiohttp_client(app)
    web_services.agents.create("sam", "Sam", PASSWORD, role="admin")
    ConversationLog(web_services.engine).write(
        user("c-teach", "can u wrap it as a present", "ask_knowledge", 0.4, ts(0))
    )
    token = await login(client, "sam")
    message_id = next(
        m["id"]
        for m in (
            await (await client.get("/console/admin/conversations/c-teach/timeline.json")).json()
        )["messages"]
    )
    return client, token, message_id, builds, app


async def test_one_click_teaching_writes_audits_and_rebuilds(teaching, web_services, dirs):
    client, token, message_id, builds, app = teaching
    base = "/console/admin/conversations/c-teach/teach"
    page = await client.get("/console/admin/conversations/c-teach")
    assert "Teach from this message" in await page.text()

    form = {"csrf": token, "message": str(message_id), "intent": "ask_knowledge"}
    done = await (await client.post(f"{base}/intent", data=form)).text()
    assert "Added to ask_knowledge in data/nlu/" in done
    assert any("- can u wrap it as a present" in p.read_text() for p in dirs["nlu"].glob("*"))

    again = await (await client.post(f"{base}/intent", data={**form, "intent": "greet"})).text()
    assert "Not written" in again and "already an example of" in again

    phrasing = {"csrf": token, "message": str(message_id), "faq_id": "store-gift-wrapping"}
    assert (
        "the index is rebuilding"
        in await (await client.post(f"{base}/faq-phrasing", data=phrasing)).text()
    )
    app[REINDEX].wait(5)
    assert builds == [1]
    wrapped = next(e for e in load_faqs(dirs["faq"]) if e.id == "store-gift-wrapping")
    assert "can u wrap it as a present" in wrapped.phrasings

    kinds = [e.detail["kind"] for e in web_services.audit.page(action="teach")[0]]
    assert kinds == ["faq_phrasing", "nlu"]
    assert web_services.audit.page(action="teach")[0][0].actor == "sam"


async def test_the_admin_is_told_why_a_message_with_markup_is_not_taught(
    teaching, web_services, dirs
):
    client, token, _, _, _ = teaching
    ConversationLog(web_services.engine).write(
        user("c-markup", "I got [the wrong]{item} twice", "complaint", 0.9, ts(0))
    )
    timeline = "/console/admin/conversations/c-markup/timeline.json"
    message_id = (await (await client.get(timeline)).json())["messages"][0]["id"]
    before = nlu_files(dirs["nlu"])
    form = {"csrf": token, "message": str(message_id), "intent": "complaint"}
    page = await (
        await client.post("/console/admin/conversations/c-markup/teach/intent", data=form)
    ).text()
    assert "Not written: the message has brackets" in page
    assert nlu_files(dirs["nlu"]) == before


async def test_teaching_needs_csrf_and_a_customer_message_of_this_conversation(teaching):
    client, token, message_id, _, _ = teaching
    base = "/console/admin/conversations/c-teach/teach"
    form = {"message": str(message_id), "intent": "greet"}
    assert (await client.post(f"{base}/intent", data=form)).status == 403
    wrong = await client.post(
        "/console/admin/conversations/other/teach/intent", data={**form, "csrf": token}
    )
    assert "not a customer message of this conversation" in await wrong.text()


def test_settings_name_the_folders_the_workbench_writes(tmp_path):
    from bot.runtime.settings import Settings

    settings = Settings.from_env({"CSBOT_NLU_DIR": str(tmp_path / "n")})
    assert settings.nlu_dir == tmp_path / "n"
    assert settings.faq_dir == settings.shop_dir / "faq"
    assert dataclasses.replace(settings, faq_dir=tmp_path).faq_dir == tmp_path
