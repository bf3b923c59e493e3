"""The FAQ-gap page: clusters of unanswered questions in a date window, a draft approved as
a new FAQ entry (in a temporary copy of knowledge/faq) or a cluster added as phrasings of
the closest entry; audited, conflicts and bad input shown and nothing written."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import numpy as np
import pytest

from bot.conversations.unanswered import UnansweredLog
from bot.web import create_app
from bot.web.keys import ENCODER, REINDEX
from bot.workbench.reindex import Reindexer
from knowledge.faq import load_faqs
from tests.conftest import web_settings
from tests.test_console import PASSWORD, login
from tests.test_teach import dirs, untouched  # noqa: F401  (fixtures)

PAGE = "/console/admin/gaps"
KEYWORDS = {"wishlist": 0, "wish list": 0, "wrap": 1}
WISHLIST = [
    "can I save products to a wishlist",
    "do you have a wish list feature",
    "where is my wishlist",
    "how do I share my wishlist with family",
    "wishlist for my birthday?",
    "can i add a kettle to a wish list",
    "is there a wishlist on the app",
]
WRAPPING = ["can you wrap my order as a present", "do u wrap presents", "wrap it please"]


class KeywordEncoder:
    """A stand-in for MiniLM: a text with a keyword points along that keyword's axis, any
    other text along a direction of its own, so only same-topic questions cluster."""

    name, dim = "keywords", 384

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts, progress=False):
        self.calls += 1
        rows = []
        for text in texts:
            lowered = text.lower()
            seed = int(hashlib.sha256(lowered.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=self.dim).astype("float32")
            v /= np.linalg.norm(v)
            axis = next((a for word, a in KEYWORDS.items() if word in lowered), None)
            if axis is not None:
                v *= 0.15
                v[axis] += 1.0
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


def _ask(services, texts, at: datetime, outcome: str = "escalated") -> None:
    log = UnansweredLog(services.engine, clock=lambda: at)
    for n, text in enumerate(texts):
        log.record(text, 0.3, "faq:store-gift-cards-buy", outcome, f"c-{n}-{at:%j}")


@pytest.fixture
async def gaps(aiohttp_client, rasa, web_services, tmp_path, dirs):  # noqa: F811
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path, faq_dir=dirs["faq"])
    app = create_app(settings, web_services)
    builds: list[int] = []
    app[REINDEX] = Reindexer(lambda: builds.append(1))
    app[ENCODER] = encoder = KeywordEncoder()
    client = await aiohttp_client(app)
    web_services.agents.create("sam", "Sam", PASSWORD, role="admin")
    web_services.agents.create("alex", "Alex", PASSWORD)
    now = datetime.utcnow()
    _ask(web_services, WISHLIST, now - timedelta(hours=1))
    _ask(web_services, WRAPPING, now - timedelta(days=3), outcome="not_helpful")
    _ask(web_services, ["what's the weather like"], now)
    token = await login(client, "sam")
    return client, token, builds, app, encoder


def _faq_bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yml"))}


def _draft(token: str, **changes) -> dict[str, str]:
    return {
        "csrf": token,
        "size": "7",
        "id": "wishlist-save",
        "topic": "store-policies",
        "question": "Can I save products to a wishlist?",
        "phrasings": "do you have a wish list feature\n\n  where is my   wishlist\n"
        "Do you have a WISH LIST feature\ncan I save products to a wishlist",
        "answer": "Yes: press the heart on any product page; your wishlist is under Account.",
        **changes,
    }


async def test_the_page_ranks_clusters_with_their_closest_entry_and_a_draft(gaps):
    client, _, _, _, _ = gaps
    page = await (await client.get(PAGE)).text()
    sections = re.findall(r'<section class="card gap" id="gap-\d+">(.*?)</section>', page, re.S)
    assert len(sections) == 2  # the lonely weather question is no cluster
    wishlist, wrapping = sections
    assert "7 questions" in wishlist and "and 2 more" in wishlist
    assert wishlist.count("<li>") == 5 and all(
        q in WISHLIST for q in re.findall(r"<li>(.*?)</li>", wishlist)
    )
    assert 'name="id" value="wishlist' in wishlist and 'name="answer"' in wishlist
    phrasings = re.search(r'name="phrasings"[^>]*>(.*?)</textarea>', wishlist, re.S).group(1)
    lines = phrasings.splitlines()  # every question, the most central (the draft's) first
    assert (
        sorted(lines) == sorted(WISHLIST) and lines[0] == re.search(r"<li>(.*?)</li>", wishlist)[1]
    )
    assert "Close to an existing entry" not in wishlist and "gap-phrasings" not in wishlist
    assert "3 questions" in wrapping and "<strong>store-gift-wrapping</strong>" in wrapping
    assert "Close to an existing entry: consider adding these as phrasings" in wrapping
    assert "11 questions in this window, 2 clusters" in page


async def test_the_window_filters_questions_and_a_reload_reuses_the_mining(gaps, web_services):
    client, _, _, _, encoder = gaps
    old = datetime.utcnow() - timedelta(days=60)
    _ask(web_services, ["do you ship to jersey", "do you ship to guernsey"], old)
    page = await (await client.get(PAGE)).text()
    assert "11 questions in this window, 2 clusters" in page
    calls = encoder.calls
    await client.get(PAGE)
    assert encoder.calls == calls  # same window, questions and FAQ: mined once
    since = (old - timedelta(days=1)).strftime("%Y-%m-%d")
    wide = await (await client.get(f"{PAGE}?from={since}")).text()
    assert "13 questions in this window, 2 clusters" in wide
    assert (await client.get(f"{PAGE}?from=2026-13-01")).status == 400
    assert (await client.get(f"{PAGE}?to=yesterday")).status == 400


async def test_approving_writes_a_valid_entry_audits_and_rebuilds(gaps, web_services, dirs):  # noqa: F811
    client, token, builds, app, _ = gaps
    response = await client.post(f"{PAGE}/approve", data=_draft(token), allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith(PAGE)
    page = await (await client.get(response.headers["Location"])).text()
    assert "New FAQ &#39;wishlist-save&#39; in accounts_privacy_store_care.yml" in page
    app[REINDEX].wait(5)
    assert builds == [1]
    entry = next(e for e in load_faqs(dirs["faq"]) if e.id == "wishlist-save")
    assert entry.question == "Can I save products to a wishlist?"
    assert entry.phrasings == ("do you have a wish list feature", "where is my wishlist")
    assert entry.answer.startswith("Yes: press the heart") and entry.topic == "store-policies"
    (audit,), _ = web_services.audit.page(action="teach")
    assert audit.actor == "sam"
    assert audit.detail == {
        "kind": "faq_gap",
        "faq_id": "wishlist-save",
        "file": "accounts_privacy_store_care.yml",
        "texts": [
            "Can I save products to a wishlist?",
            "do you have a wish list feature",
            "where is my wishlist",
        ],
        "cluster": 7,
    }


async def test_a_conflict_or_bad_draft_writes_nothing_and_keeps_what_was_typed(
    gaps,
    web_services,
    dirs,  # noqa: F811
):
    client, token, builds, _, _ = gaps
    before = _faq_bytes(dirs["faq"])
    clash = _draft(token, phrasings="Do you price match?\nwishlist please")
    response = await client.post(f"{PAGE}/approve", data=clash)
    page = await response.text()
    assert response.status == 409
    assert "Not written: FAQ &#39;store-price-match&#39;" in page
    assert "Yes: press the heart on any product page" in page  # the answer as typed
    assert "Do you price match?\nwishlist please</textarea>" in page

    for changes, message in [
        ({"answer": "  "}, "write the answer"),
        ({"id": "Wish List!"}, "an FAQ id is lower-case words"),
        ({"id": "store-price-match"}, "already an FAQ entry"),
        ({"size": "lots"}, "cluster size is a whole number"),
    ]:
        response = await client.post(f"{PAGE}/approve", data=_draft(token, **changes))
        assert response.status == 400 and message in await response.text(), changes
    bad_window = await client.post(f"{PAGE}/approve?from=31-12-2026", data=_draft(token))
    assert bad_window.status == 400
    assert _faq_bytes(dirs["faq"]) == before and builds == []
    assert web_services.audit.page(action="teach")[1] == 0


async def test_a_cluster_becomes_phrasings_of_the_closest_entry(gaps, web_services, dirs):  # noqa: F811
    client, token, builds, app, _ = gaps
    page = await (await client.get(PAGE)).text()
    form = re.search(r'<form method="post" action="([^"]+)" class="gap-phrasings">(.*?)</form>',
                     page, re.S)  # fmt: skip
    fields = re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2))
    data = [(k, v.replace("&#39;", "'")) for k, v in fields if k != "csrf"] + [("csrf", token)]
    assert ("faq_id", "store-gift-wrapping") in data
    response = await client.post(form.group(1).replace("&amp;", "&"), data=data)
    notice = await response.text()
    assert "Added 2 phrasing(s) to FAQ &#39;store-gift-wrapping&#39;" in notice
    assert "1 already there" in notice  # "can you wrap my order as a present" was
    app[REINDEX].wait(5)
    assert builds == [1]
    entry = next(e for e in load_faqs(dirs["faq"]) if e.id == "store-gift-wrapping")
    assert {"do u wrap presents", "wrap it please"} <= set(entry.phrasings)
    (audit,), _ = web_services.audit.page(action="teach")
    assert audit.detail["kind"] == "faq_gap_phrasings" and audit.detail["cluster"] == 3

    again = await client.post(form.group(1).replace("&amp;", "&"), data=data)
    assert "Nothing added to FAQ &#39;store-gift-wrapping&#39;: 3 already there" in (
        await again.text()
    )
    unknown = [("csrf", token), ("faq_id", "no-such-entry"), ("question", "x"), ("size", "1")]
    assert "there is no FAQ entry" in await (await client.post(f"{PAGE}/phrasings",
                                                               data=unknown)).text()  # fmt: skip


async def test_only_admins_see_or_change_the_gaps(gaps, dirs):  # noqa: F811
    client, _, builds, _, _ = gaps
    await client.post("/console/logout", data={"csrf": await _csrf(client)})
    token = await login(client, "alex")
    assert (await client.get(PAGE)).status == 403
    before = _faq_bytes(dirs["faq"])
    assert (await client.post(f"{PAGE}/approve", data=_draft(token))).status == 403
    assert _faq_bytes(dirs["faq"]) == before and builds == []


async def _csrf(client) -> str:
    page = await (await client.get("/console")).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
