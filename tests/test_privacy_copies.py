"""Copies of what a customer wrote outside the conversation log: examples and phrasings the
workbench taught from their chat, their chat saved as a test story, their ticket's text in
the classifier's corrections, the audit trail's record of the teaching, reviewers' tags.
The admin's export lists them and a deletion (or the retention purge) removes them, leaving
every file readable by what reads it (Rasa's NLU and story readers, the FAQ loader, the
classifier) and another customer's copies alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.conversations.log import ConversationLog
from bot.privacy.customer_data import CustomerData, Files
from bot.runtime.settings import PROJECT_ROOT
from bot.support.classifier import corrections_dir, load_labelled
from bot.support.training_data import export_corrections
from bot.web import create_app
from bot.web.keys import ENCODER, REINDEX
from bot.workbench import nlu_examples
from bot.workbench.reindex import Reindexer
from knowledge.faq import load_faqs
from tests.conftest import web_settings
from tests.packs import KV
from tests.test_console import PASSWORD, login
from tests.test_gaps_console import KeywordEncoder
from tests.test_review import ts, user
from tests.test_teach import _lookup_conversation, dirs, rasa_reads, untouched  # noqa: F401

EMMA = "emma.larsen@example.com"
WRAP = "can u wrap my kettle as a present pls"  # taught as an example and a phrasing
GAP = "is there gift wrap for kettles"  # an unanswered question added from the gap page
TOPIC = "my kettle 100234 arrived with a cracked lid"  # her ticket, re-labelled by an agent
OTHERS = "do you gift wrap orders for birthdays"  # another customer's, taught the same way
BASE = "/console/admin/conversations"


def _everything(folders: dict[str, Path], models: Path) -> str:
    files = [p for d in (*folders.values(), models) for p in d.rglob("*") if p.is_file()]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


@pytest.fixture
async def taught(aiohttp_client, rasa, web_services, tmp_path, dirs):  # noqa: F811
    """Emma's chat (verified), taught three ways and saved as a story; her unanswered
    question added from the gap page; her ticket corrected and exported; a tag. Another
    customer's message taught too."""
    models = tmp_path / "models"
    settings = web_settings(
        str(rasa.make_url("")).rstrip("/"),
        tmp_path,
        nlu_dir=dirs["nlu"],
        faq_dir=dirs["faq"],
        test_stories_dir=dirs["stories"],
        models_dir=models,
    )
    app = create_app(settings, web_services)
    builds: list[int] = []
    app[REINDEX] = Reindexer(lambda: builds.append(1))
    app[ENCODER] = KeywordEncoder()  # the gap page's clusters, without MiniLM
    client = await aiohttp_client(app)
    sam = web_services.agents.create("sam", "Sam", PASSWORD, role="admin")

    _lookup_conversation(web_services.engine, "c-emma")
    log = ConversationLog(web_services.engine)
    slot = {"event": "slot", "name": "verified_customer", "value": EMMA, "timestamp": ts(0) + 6}
    log.write({"sender_id": "c-emma", **slot})
    log.write(user("c-emma", WRAP, "ask_knowledge", 0.4, ts(0) + 7))
    log.write(user("c-other", OTHERS, "ask_knowledge", 0.4, ts(0) + 8))
    web_services.unanswered.record(GAP, 0.2, None, "escalated", "c-emma")
    for conversation, text in (("c-emma", TOPIC), ("c-other", "charged twice for 100999")):
        opened = web_services.escalation.open(conversation, "complaint", [("customer", text)], text)
        web_services.tickets.correct(opened.ticket_id, sam, "billing", "urgent")
    export_corrections(web_services.engine, models, KV)

    token = await login(client, "sam")

    async def teach(conversation: str, text: str, kind: str, **form: str) -> None:
        timeline = await (await client.get(f"{BASE}/{conversation}/timeline.json")).json()
        message = next(m["id"] for m in timeline["messages"] if m["text"] == text)
        data = {"csrf": token, "message": str(message), **form}
        page = await (await client.post(f"{BASE}/{conversation}/teach/{kind}", data=data)).text()
        assert "Added" in page, page

    await teach("c-emma", WRAP, "intent", intent="ask_knowledge")
    await teach("c-emma", WRAP, "faq-phrasing", faq_id="store-gift-wrapping")
    await teach("c-other", OTHERS, "intent", intent="ask_knowledge")
    saved = await client.post(f"{BASE}/c-emma/teach/story", data={"csrf": token})
    assert "Saved as a test story" in await saved.text()
    gap = {"csrf": token, "faq_id": "store-gift-wrapping", "question": GAP, "size": "1"}
    assert (
        "Added 1 phrasing"
        in await (await client.post("/console/admin/gaps/phrasings", data=gap)).text()
    )
    await client.post(f"{BASE}/c-emma/tags", data={"csrf": token, "tag": "gift-wrap"})
    app[REINDEX].wait(5)
    builds.clear()
    everything = _everything(dirs, models)
    assert all(text in everything for text in (WRAP, GAP, TOPIC, OTHERS, "conversation c-emma,"))
    return client, token, app, builds, models


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")  # Rasa's domain
async def test_export_lists_every_copy_and_delete_removes_them(taught, web_services, dirs):  # noqa: F811
    client, token, app, builds, models = taught
    response = await client.post(
        "/console/admin/privacy/export", data={"csrf": token, "email": EMMA}
    )
    data = json.loads(await response.text())
    assert [t["tag"] for t in data["tables"]["conversation_tags"]] == ["gift-wrap"]
    teach_entries = [e for e in data["tables"]["audit_log"] if e["action"] == "teach"]
    assert len(teach_entries) == 4  # intent, phrasing and story from her chat; the gap's
    files = data["files"]
    assert [line["text"] for line in files["nlu_examples"]] == [f"- {WRAP}"]
    assert sorted(line["text"] for line in files["faq_phrasings"]) == [f"- {WRAP}", f"- {GAP}"]
    stories = "\n".join(line["text"] for line in files["test_stories"])
    assert "conversation c-emma," in stories and "where is my order [100234]" in stories
    assert [line["text"] for line in files["ticket_corrections"]] == [f"{TOPIC},billing,urgent"]
    assert OTHERS not in json.dumps(files)

    form = {"csrf": token, "email": EMMA, "again": EMMA}
    page = await (await client.post("/console/admin/privacy/delete", data=form)).text()
    assert "faq_phrasings lines 2" in page and "nlu_examples lines 1" in page
    assert "test_stories lines 1" in page and "ticket_corrections lines 1" in page
    assert "conversation_tags 1" in page
    assert "audit_log redacted 3" in page  # the story entry names the chat, no words

    everything = _everything(dirs, models)
    assert not any(text in everything for text in (WRAP, GAP, TOPIC, "conversation c-emma,"))
    assert OTHERS in everything and "charged twice for 100999" in everything
    # Every file is still what its reader reads.
    read = rasa_reads(dirs["nlu"])
    assert read[OTHERS] == ("ask_knowledge", []) and WRAP not in read and "hello" in read
    wrapping = next(e for e in load_faqs(dirs["faq"]) if e.id == "store-gift-wrapping")
    assert wrapping.phrasings[0] == "can you wrap my order as a present"
    assert [t.text for t in load_labelled(corrections_dir(models))] == ["charged twice for 100999"]
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    stories_file = dirs["stories"] / "test_workbench.yml"
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert YAMLStoryReader(domain).read_from_file(str(stories_file)) == []
    # The audit trail keeps who taught what, not her words; the index is rebuilt.
    trail = json.dumps([e.to_json() for e in web_services.audit.page(per_page=100)[0]])
    assert WRAP not in trail and GAP not in trail
    app[REINDEX].wait(5)
    assert builds == [1]
    after = json.loads(
        await (
            await client.post("/console/admin/privacy/export", data={"csrf": token, "email": EMMA})
        ).text()
    )
    assert not any(after["files"].values())


def test_the_retention_purge_removes_what_was_taught_from_an_old_chat(web_services, dirs):  # noqa: F811
    """A purge goes through the same list: an example taught from a chat idle past the
    retention leaves data/nlu with it."""
    old = datetime(2025, 1, 6, 9, 0)
    stamp = (old - datetime(1970, 1, 1)).total_seconds()
    ConversationLog(web_services.engine).write(
        user("c-old", "my toastr is smoking help", "complaint", 0.6, stamp)
    )
    result = nlu_examples.teach_intent(dirs["nlu"], "my toastr is smoking help", "complaint")
    detail = {"kind": "nlu", "intent": "complaint", "example": result.example, "file": result.file}
    web_services.audit.record("cli:root", "teach", conversation_id="c-old", detail=detail)
    assert "my toastr is smoking help" in rasa_reads(dirs["nlu"])

    purger = CustomerData(web_services.engine, clock=lambda: old + timedelta(days=400))
    done = purger.purge(365, files=Files(dirs["nlu"]))
    assert (done.conversations, done.files["nlu_examples"], done.redacted["audit_log"]) == (1, 1, 1)
    assert "my toastr is smoking help" not in rasa_reads(dirs["nlu"])


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")  # Rasa's domain
async def test_an_faq_entry_an_admin_wrote_from_her_chat_outlives_her_deletion(
    taught,
    web_services,
    dirs,  # noqa: F811
):
    """Only her words go: the entry's question and answer are the admin's, the shop's."""
    client, token, *_ = taught
    said = "could the toaster come wrapped, it's for my mum"
    ConversationLog(web_services.engine).write(
        user("c-emma", said, "ask_knowledge", 0.3, ts(0) + 9)
    )
    timeline = await (await client.get(f"{BASE}/c-emma/timeline.json")).json()
    message = next(m["id"] for m in timeline["messages"] if m["text"] == said)
    form = {
        "csrf": token,
        "message": str(message),
        "faq_id": "gift-wrap-any-order",
        "topic": "store",
        "question": "Can you gift-wrap an order?",
        "answer": "Yes: tick Gift wrap at checkout, it costs 3.50.",
    }
    page = await (await client.post(f"{BASE}/c-emma/teach/faq-new", data=form)).text()
    assert "New FAQ" in page
    written = next(e for e in load_faqs(dirs["faq"]) if e.id == "gift-wrap-any-order")
    assert said in written.phrasings
    form = {"csrf": token, "email": EMMA, "again": EMMA}
    await client.post("/console/admin/privacy/delete", data=form)
    kept = next(e for e in load_faqs(dirs["faq"]) if e.id == "gift-wrap-any-order")
    assert kept.question == "Can you gift-wrap an order?" and said not in kept.phrasings
    assert kept.answer.startswith("Yes: tick Gift wrap")
