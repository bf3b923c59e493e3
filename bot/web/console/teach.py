"""Teach from a message, in one click: correct its intent and entities (data/nlu), add it to
an FAQ entry or start a new entry from the agent's reply (knowledge/faq, index rebuilt in
the background), or save the conversation as a test story (tests/stories). Each write is
recorded in the audit trail (action "teach") with who, when and what."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from aiohttp import web

from bot.web.console.review import back_to, conversation_id_of
from bot.web.keys import REINDEX, SERVICES, SETTINGS
from bot.web.numbers import NotANumber, whole_number
from bot.workbench.errors import TeachError
from bot.workbench.teaching import FaqDraft, TeachingService

T = TypeVar("T")


def folder(request: web.Request, name: str) -> Path:
    folder = getattr(request.app[SETTINGS], name)
    if folder is None:
        raise web.HTTPServiceUnavailable(text=f"{name} is not configured")
    return folder


def _message_id(form: dict[str, str]) -> int:
    try:
        return whole_number(form.get("message", ""))
    except NotANumber:
        raise TeachError("pick a customer message") from None


async def _form(request: web.Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.post()).items()}


async def _run(
    request: web.Request, work: Callable[[TeachingService, str, dict[str, str]], T]
) -> tuple[str, T]:
    """`work(teaching, conversation_id, form)` in a worker thread; a TeachError goes back to
    the conversation's page with its words."""
    conversation_id = conversation_id_of(request)
    form = await _form(request)
    teaching = request.app[SERVICES].teaching
    try:
        return conversation_id, await asyncio.to_thread(work, teaching, conversation_id, form)
    except TeachError as exc:
        raise back_to(conversation_id, error=str(exc)) from None


async def intent(request: web.Request) -> web.Response:
    nlu_dir, agent = folder(request, "nlu_dir"), request["agent"]

    def work(teaching: TeachingService, conversation_id: str, form: dict[str, str]):
        message_id, entities = _message_id(form), form.get("entities", "")
        return teaching.teach_intent(
            agent, conversation_id, message_id, nlu_dir, form.get("intent", ""), entities
        )

    conversation_id, result = await _run(request, work)
    if result.status == "conflict":
        raise back_to(
            conversation_id,
            error=f'Not written: "{result.conflict_example}" is already an example of '
            f"{result.conflict_intent} ({result.file}). Fix that one first.",
        )
    if result.status == "duplicate":
        raise back_to(conversation_id, notice=f"Already an example of {result.intent}.")
    raise back_to(
        conversation_id,
        notice=f"Added to {result.intent} in data/nlu/{result.file}; retrain to use it.",
    )


async def faq_phrasing(request: web.Request) -> web.Response:
    faq_dir, agent = folder(request, "faq_dir"), request["agent"]

    def work(teaching: TeachingService, conversation_id: str, form: dict[str, str]):
        faq_id = form.get("faq_id", "")
        return teaching.add_phrasing(agent, conversation_id, _message_id(form), faq_dir, faq_id)

    conversation_id, result = await _run(request, work)
    if result.status == "conflict":
        raise back_to(
            conversation_id,
            error=f"Not written: FAQ '{result.conflict_id}' ({result.file}) already has it.",
        )
    if result.status == "duplicate":
        raise back_to(conversation_id, notice=f"FAQ '{result.faq_id}' already has it.")
    request.app[REINDEX].start()
    raise back_to(
        conversation_id, notice=f"Added to FAQ '{result.faq_id}'; the index is rebuilding."
    )


async def faq_new(request: web.Request) -> web.Response:
    faq_dir, agent = folder(request, "faq_dir"), request["agent"]

    def work(teaching: TeachingService, conversation_id: str, form: dict[str, str]):
        draft = FaqDraft(
            faq_id=form.get("faq_id", ""),
            topic=form.get("topic", ""),
            question=form.get("question", ""),
            answer=form.get("answer", ""),
        )
        return teaching.new_faq(agent, conversation_id, _message_id(form), faq_dir, draft)

    conversation_id, result = await _run(request, work)
    if result.status == "conflict":
        raise back_to(
            conversation_id,
            error=f"Not written: FAQ '{result.conflict_id}' ({result.file}) already has "
            f'"{result.text}".',
        )
    request.app[REINDEX].start()
    raise back_to(
        conversation_id,
        notice=f"New FAQ '{result.faq_id}' in {result.file}; the index is rebuilding.",
    )


async def story(request: web.Request) -> web.Response:
    stories_dir, agent = folder(request, "test_stories_dir"), request["agent"]

    def work(teaching: TeachingService, conversation_id: str, form: dict[str, str]) -> str:
        return teaching.save_story(agent, conversation_id, stories_dir)

    conversation_id, name = await _run(request, work)
    raise back_to(conversation_id, notice=f"Saved as a test story in tests/stories/ ({name}).")


def add_routes(router: web.UrlDispatcher, page: str) -> None:
    one = f"{page}/{{id}}/teach"
    router.add_post(f"{one}/intent", intent)
    router.add_post(f"{one}/faq-phrasing", faq_phrasing)
    router.add_post(f"{one}/faq-new", faq_new)
    router.add_post(f"{one}/story", story)
