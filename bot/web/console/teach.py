"""Teach from a message, in one click: correct its intent and entities (data/nlu), add it to
an FAQ entry or start a new entry from the agent's reply (knowledge/faq, index rebuilt in
the background), or save the conversation as a test story (tests/stories). Each write is
recorded in the audit trail (action "teach") with who, when and what."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversations.models import Message
from bot.web.console.review import back_to, conversation_id_of
from bot.web.keys import REINDEX, SERVICES, SETTINGS
from bot.web.numbers import NotANumber, whole_number
from bot.workbench import faq_entries, nlu_examples, test_stories
from bot.workbench.errors import TeachError


def folder(request: web.Request, name: str) -> Path:
    folder = getattr(request.app[SETTINGS], name)
    if folder is None:
        raise web.HTTPServiceUnavailable(text=f"{name} is not configured")
    return folder


def _message_text(engine: Any, conversation_id: str, message_id: str) -> str:
    try:
        number = whole_number(message_id)
    except NotANumber:
        raise TeachError("pick a customer message") from None
    query = select(Message.text).where(
        Message.id == number,
        Message.conversation_id == conversation_id,
        Message.sender == "customer",
    )
    with Session(engine) as session:
        text = session.execute(query).scalar()
    if not text:
        raise TeachError("that is not a customer message of this conversation")
    return text


def parse_entities(raw: str) -> dict[str, str]:
    """`order_number=100234` lines (or comma-separated) into {entity: value}."""
    found: dict[str, str] = {}
    for part in raw.replace(",", "\n").splitlines():
        if not part.strip():
            continue
        entity, sep, value = part.partition("=")
        if not sep or not entity.strip() or not value.strip():
            raise TeachError("write entities as entity=value, one per line")
        found[entity.strip()] = value.strip()
    return found


async def _form(request: web.Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.post()).items()}


async def _audit(request: web.Request, conversation_id: str, detail: dict) -> None:
    services = request.app[SERVICES]
    await asyncio.to_thread(
        services.audit.record,
        request["agent"],
        "teach",
        conversation_id=conversation_id,
        detail=detail,
    )


async def _run(request: web.Request, work) -> tuple[str, dict[str, str]]:
    conversation_id = conversation_id_of(request)
    form = await _form(request)
    try:
        return conversation_id, await asyncio.to_thread(work, conversation_id, form)
    except TeachError as exc:
        raise back_to(conversation_id, error=str(exc)) from None


async def intent(request: web.Request) -> web.Response:
    nlu_dir, engine = folder(request, "nlu_dir"), request.app[SERVICES].engine

    def work(conversation_id: str, form: dict[str, str]):
        text = _message_text(engine, conversation_id, form.get("message", ""))
        entities = parse_entities(form.get("entities", ""))
        return nlu_examples.teach_intent(nlu_dir, text, form.get("intent", ""), entities)

    conversation_id, result = await _run(request, work)
    if result.status == "conflict":
        raise back_to(
            conversation_id,
            error=f'Not written: "{result.conflict_example}" is already an example of '
            f"{result.conflict_intent} ({result.file}). Fix that one first.",
        )
    if result.status == "duplicate":
        raise back_to(conversation_id, notice=f"Already an example of {result.intent}.")
    await _audit(
        request,
        conversation_id,
        {"kind": "nlu", "intent": result.intent, "example": result.example, "file": result.file},
    )
    raise back_to(
        conversation_id,
        notice=f"Added to {result.intent} in data/nlu/{result.file}; retrain to use it.",
    )


async def faq_phrasing(request: web.Request) -> web.Response:
    faq_dir, engine = folder(request, "faq_dir"), request.app[SERVICES].engine

    def work(conversation_id: str, form: dict[str, str]):
        text = _message_text(engine, conversation_id, form.get("message", ""))
        return faq_entries.add_phrasing(faq_dir, form.get("faq_id", ""), text)

    conversation_id, result = await _run(request, work)
    if result.status == "conflict":
        raise back_to(
            conversation_id,
            error=f"Not written: FAQ '{result.conflict_id}' ({result.file}) already has it.",
        )
    if result.status == "duplicate":
        raise back_to(conversation_id, notice=f"FAQ '{result.faq_id}' already has it.")
    await _audit(
        request,
        conversation_id,
        {"kind": "faq_phrasing", "faq_id": result.faq_id, "text": result.text,
         "file": result.file},
    )  # fmt: skip
    request.app[REINDEX].start()
    raise back_to(
        conversation_id, notice=f"Added to FAQ '{result.faq_id}'; the index is rebuilding."
    )


async def faq_new(request: web.Request) -> web.Response:
    faq_dir, engine = folder(request, "faq_dir"), request.app[SERVICES].engine
    author = request["agent"].username
    written: list[str] = []  # for the audit trail: privacy export and deletion find them by it

    def work(conversation_id: str, form: dict[str, str]):
        text = _message_text(engine, conversation_id, form.get("message", ""))
        question = form.get("question", "").strip() or text
        answer = form.get("answer", "").strip()
        if not answer:
            raise TeachError("write the answer (the agent's reply is a draft)")
        phrasings = [text] if text.strip() != question.strip() else []
        written[:] = [text]  # the customer's words only: the admin's question is the shop's
        return faq_entries.new_entry(
            faq_dir,
            form.get("faq_id", "").strip(),
            form.get("topic", "").strip() or "workbench",
            question,
            answer,
            phrasings,
            author,
            datetime.utcnow(),
        )

    conversation_id, result = await _run(request, work)
    if result.status == "conflict":
        raise back_to(
            conversation_id,
            error=f"Not written: FAQ '{result.conflict_id}' ({result.file}) already has "
            f'"{result.text}".',
        )
    await _audit(
        request,
        conversation_id,
        {"kind": "faq_new", "faq_id": result.faq_id, "file": result.file, "texts": written},
    )
    request.app[REINDEX].start()
    raise back_to(
        conversation_id,
        notice=f"New FAQ '{result.faq_id}' in {result.file}; the index is rebuilding.",
    )


async def story(request: web.Request) -> web.Response:
    stories_dir, engine = folder(request, "test_stories_dir"), request.app[SERVICES].engine
    author = request["agent"].username

    def work(conversation_id: str, form: dict[str, str]):
        return test_stories.save_story(
            engine, stories_dir, conversation_id, author, datetime.utcnow()
        )

    conversation_id, name = await _run(request, work)
    await _audit(request, conversation_id, {"kind": "test_story", "story": name})
    raise back_to(conversation_id, notice=f"Saved as a test story in tests/stories/ ({name}).")


def add_routes(router: web.UrlDispatcher, page: str) -> None:
    one = f"{page}/{{id}}/teach"
    router.add_post(f"{one}/intent", intent)
    router.add_post(f"{one}/faq-phrasing", faq_phrasing)
    router.add_post(f"{one}/faq-new", faq_new)
    router.add_post(f"{one}/story", story)
