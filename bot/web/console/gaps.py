"""FAQ gaps: clusters of the questions the bot could not answer (or whose answer "didn't
help") in a date window, ranked by volume x recency, each with a draft FAQ entry the admin
edits and approves, or with its questions to add as phrasings of the closest entry.

Mining (MiniLM + clustering, `bot.workbench.gaps`) runs in a worker thread with the web app's
one encoder, and its result is kept while the window, the questions and the FAQ files stay
the same. Writing goes by the submitted form only (a cluster's position may have shifted),
through `faq_entries`, recorded in the audit trail (`teach`), then the index is rebuilt.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from bot.web.console.common import context, date_range, last_day
from bot.web.console.teach import folder
from bot.web.keys import ENCODER, LAST_MINING, REINDEX, SERVICES
from bot.web.numbers import NotANumber, whole_number
from bot.workbench import faq_entries
from bot.workbench.errors import TeachError
from bot.workbench.gaps import Gap, Question, mine
from knowledge.embeddings import Encoder
from knowledge.faq import FaqEntry, load_faqs

PAGE = "/console/admin/gaps"
MAX_QUESTIONS = 2000  # the newest questions of the window are mined, at most this many
MAX_CLUSTERS = 50  # shown, best first
SHOWN_QUESTIONS = 5
PHRASING_GAP = 0.7  # centre this close to an entry: the questions are its phrasings
MAX_PHRASINGS = 50


@dataclass(frozen=True)
class Cluster:
    """One gap as the page shows it."""

    size: int
    score: float
    last_seen: datetime
    questions: list[str]  # the most central first, at most SHOWN_QUESTIONS
    more: int  # how many more questions the cluster holds
    closest: FaqEntry | None
    similarity: float | None
    draft: dict

    @property
    def phrasing_gap(self) -> bool:
        return self.closest is not None and (self.similarity or 0) >= PHRASING_GAP


class LastMining:
    """The last result, reused for the same window, questions and FAQ files: a reload or
    the redirect after approving costs no second MiniLM pass."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._clusters: list[Cluster] = []

    def get(self, key: tuple, compute: Callable[[], list[Cluster]]) -> list[Cluster]:
        with self._lock:
            if key == self._key:
                return self._clusters
        clusters = compute()
        with self._lock:
            self._key, self._clusters = key, clusters
        return clusters


def _files_signature(faq_dir: Path) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in faq_dir.glob("*.yml"))


def _cluster(gap: Gap, questions: Sequence[Question], faqs: dict[str, FaqEntry]) -> Cluster:
    texts = [questions[i].text for i in gap.members]
    return Cluster(
        size=gap.size,
        score=gap.score,
        last_seen=gap.last_seen,
        questions=texts[:SHOWN_QUESTIONS],
        more=max(gap.size - SHOWN_QUESTIONS, 0),
        closest=faqs.get(gap.closest_faq or ""),
        similarity=gap.closest_similarity,
        # The most central question too, kept if the admin rewrites the drafted question.
        draft={
            **gap.draft,
            "phrasings": list(dict.fromkeys(" ".join(t.split()) for t in texts[:9])),
        },
    )


def clusters(
    services: Any, encoder: Encoder, faq_dir: Path, cache: LastMining, start, end
) -> tuple[list[Cluster], int]:
    """The window's clusters, best first, and how many questions were mined (blocking)."""
    rows = services.unanswered.between(start, end, MAX_QUESTIONS)
    key = (start, end, tuple(r.id for r in rows), _files_signature(faq_dir))

    def compute() -> list[Cluster]:
        questions = [Question(r.text, r.created_at, r.outcome) for r in rows]
        faqs = load_faqs(faq_dir)
        by_id = {f.id: f for f in faqs}
        return [_cluster(g, questions, by_id) for g in mine(questions, encoder, faqs)]

    return cache.get(key, compute), len(rows)


async def _page(request: web.Request, **values) -> dict:
    start, end = date_range(request)
    app = request.app
    found, mined = await asyncio.to_thread(
        clusters,
        app[SERVICES],
        app[ENCODER],
        folder(request, "faq_dir"),
        app[LAST_MINING],
        start,
        end,
    )
    return await context(
        request,
        clusters=found[:MAX_CLUSTERS],
        hidden=max(len(found) - MAX_CLUSTERS, 0),
        mined=mined,
        start=start,
        end=last_day(end),
        approve_url=str(URL(f"{PAGE}/approve").with_query(_window(request))),
        phrasings_url=str(URL(f"{PAGE}/phrasings").with_query(_window(request))),
        reindex=app[REINDEX],
        error=request.query.get("error"),
        notice=request.query.get("notice"),
        **values,
    )


@aiohttp_jinja2.template("console_gaps.html")
async def page(request: web.Request) -> dict:
    return await _page(request)


def _window(request: web.Request) -> dict[str, str]:
    return {k: request.query[k] for k in ("from", "to") if request.query.get(k)}


def _back(request: web.Request, **query: str) -> web.HTTPFound:
    url = URL(PAGE).with_query({**_window(request), **{k: v for k, v in query.items() if v}})
    return web.HTTPFound(str(url))


async def _again(request: web.Request, error: str, typed: dict, status: int) -> web.Response:
    """The page again with the error and the admin's draft as typed: nothing is lost."""
    values = await _page(request, typed=typed)
    values["error"] = error
    return aiohttp_jinja2.render_template("console_gaps.html", request, values, status=status)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip("?.! ")


def split_phrasings(raw: str, question: str) -> list[str]:
    """The textarea's lines; blank ones and repeats (of each other or of the question, but
    for case and a final '?') left out."""
    seen = {_key(question)}
    phrasings = []
    for line in raw.splitlines():
        text = " ".join(line.split())
        if text and _key(text) not in seen:
            seen.add(_key(text))
            phrasings.append(text)
    if len(phrasings) > MAX_PHRASINGS:
        raise TeachError(f"at most {MAX_PHRASINGS} phrasings at once")
    return phrasings


def _size(raw: str) -> int:
    try:
        return whole_number(raw, highest=999_999_999)
    except NotANumber:
        raise TeachError("the cluster size is a whole number: reload the page") from None


async def _form(request: web.Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.post()).items() if k != "csrf"}


async def approve(request: web.Request) -> web.Response:
    """Write the submitted draft as a new FAQ entry, audit it and rebuild the index."""
    date_range(request)  # a bad window is a 400 before anything is written
    faq_dir = folder(request, "faq_dir")
    typed = await _form(request)
    author = request["agent"].username
    written: list[str] = []  # for the audit trail: privacy export and deletion find them by it

    def work() -> tuple[faq_entries.FaqResult, int]:
        question = " ".join(typed.get("question", "").split())
        answer = typed.get("answer", "").strip()
        if not question:
            raise TeachError("write the question the entry answers")
        if not answer:
            raise TeachError("write the answer: the draft has none")
        size = _size(typed.get("size", ""))
        phrasings = split_phrasings(typed.get("phrasings", ""), question)
        written[:] = [question, *phrasings]
        result = faq_entries.new_entry(
            faq_dir,
            typed.get("id", "").strip(),
            typed.get("topic", "").strip() or "workbench",
            question,
            answer,
            phrasings,
            author,
            datetime.utcnow(),
        )
        return result, size

    try:
        result, size = await asyncio.to_thread(work)
    except TeachError as exc:
        return await _again(request, f"Not written: {exc}.", typed, 400)
    if result.status == "conflict":
        error = (
            f"Not written: FAQ '{result.conflict_id}' ({result.file}) already has "
            f'"{result.text}". Remove it from the draft, or add the questions as phrasings.'
        )
        return await _again(request, error, typed, 409)
    detail = {
        "kind": "faq_gap",
        "faq_id": result.faq_id,
        "file": result.file,
        "texts": written,
        "cluster": size,
    }
    await asyncio.to_thread(
        request.app[SERVICES].audit.record, request["agent"], "teach", detail=detail
    )
    request.app[REINDEX].start()
    raise _back(
        request, notice=f"New FAQ '{result.faq_id}' in {result.file}; the index is rebuilding."
    )


async def add_phrasings(request: web.Request) -> web.Response:
    """Add a cluster's questions as phrasings of the closest entry: those it already has
    are skipped, those another entry has are named and not written."""
    date_range(request)
    faq_dir = folder(request, "faq_dir")
    post = await request.post()
    faq_id = str(post.get("faq_id", "")).strip()
    texts = [str(t) for t in post.getall("question", []) if str(t).strip()]

    def work() -> tuple[list[faq_entries.FaqResult], int]:
        if not texts:
            raise TeachError("no questions to add")
        if len(texts) > MAX_PHRASINGS:
            raise TeachError(f"at most {MAX_PHRASINGS} phrasings at once")
        size = _size(str(post.get("size", "")))
        return [faq_entries.add_phrasing(faq_dir, faq_id, t) for t in texts], size

    try:
        results, size = await asyncio.to_thread(work)
    except TeachError as exc:
        raise _back(request, error=f"Not written: {exc}.") from None
    added = [r for r in results if r.status == "added"]
    conflicts = [f"\"{r.text}\" (FAQ '{r.conflict_id}')" for r in results if r.status == "conflict"]
    already = sum(r.status == "duplicate" for r in results)
    notes = [f"{already} already there"] if already else []
    notes += [f"not written, another entry has {', '.join(conflicts)}"] if conflicts else []
    if not added:
        raise _back(request, error=f"Nothing added to FAQ '{faq_id}': {'; '.join(notes)}.")
    detail = {
        "kind": "faq_gap_phrasings",
        "faq_id": faq_id,
        "file": added[0].file,
        "texts": [r.text for r in added],
        "cluster": size,
    }
    await asyncio.to_thread(
        request.app[SERVICES].audit.record, request["agent"], "teach", detail=detail
    )
    request.app[REINDEX].start()
    notice = f"Added {len(added)} phrasing(s) to FAQ '{faq_id}'; the index is rebuilding."
    raise _back(request, notice=" ".join([notice, *(n.capitalize() + "." for n in notes)]))


def add_routes(app: web.Application) -> None:
    app[LAST_MINING] = LastMining()
    router = app.router
    router.add_get(PAGE, page)
    router.add_post(f"{PAGE}/approve", approve)
    router.add_post(f"{PAGE}/phrasings", add_phrasings)
