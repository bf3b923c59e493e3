"""Admin privacy page: export or delete one customer's data, and the deletion requests the
bot filed, to confirm or reject.

Exports are POSTs (CSRF-checked, and the email stays out of URLs and access logs); a deletion
needs the email typed twice. A request whose email was only typed in the chat is confirmed
for that email only with a note of how the admin checked who is asking (stored and audited);
without one, only its own conversation can be deleted. Both cover the files the workbench
wrote from customer text (the settings' folders); the FAQ index is rebuilt when they lose a
phrasing. The work runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from bot.privacy.customer_data import Deletion, Files, audit_detail
from bot.privacy.requests import PrivacyError, Scope
from bot.web.console.common import context
from bot.web.keys import REINDEX, SERVICES, SETTINGS
from bot.web.numbers import path_id

PAGE = "/console/admin/privacy"
EMAIL = re.compile(r"\A[^@\s]+@[^@\s]+\Z")  # anchored: one scan, never one per start


def _back(error: str | None = None, notice: str | None = None) -> web.HTTPFound:
    query = {k: v for k, v in (("error", error), ("notice", notice)) if v}
    return web.HTTPFound(str(URL(PAGE).with_query(query)))


def _summary(deletion: Deletion) -> str:
    counts = {
        **deletion.deleted,
        **{f"{k} anonymised": v for k, v in deletion.anonymised.items()},
        **{f"{k} redacted": v for k, v in deletion.redacted.items()},
        **{f"{k} lines": v for k, v in deletion.files.items()},
    }
    parts = ", ".join(f"{table} {n}" for table, n in sorted(counts.items())) or "nothing"
    # The notice travels in the redirect's URL: it names no email (browser history, logs).
    return f"Deleted for {'the customer' if deletion.email else 'the conversation'}: {parts}."


def _files(request: web.Request) -> Files:
    return Files.of(request.app[SETTINGS])


def _reindex_if_faq_changed(request: web.Request, deletion: Deletion) -> None:
    if deletion.files.get("faq_phrasings"):
        request.app[REINDEX].start()  # the index holds the phrasings too


async def _email(request: web.Request) -> str:
    email = str((await request.post()).get("email", "")).strip().lower()
    if not EMAIL.fullmatch(email):
        raise _back(error="Type the customer's email address, like name@example.com.")
    return email


@aiohttp_jinja2.template("console_privacy.html")
async def page(request: web.Request) -> dict:
    pending = await asyncio.to_thread(request.app[SERVICES].deletion_requests.pending)
    return await context(
        request,
        pending=pending,
        error=request.query.get("error"),
        notice=request.query.get("notice"),
    )


async def export(request: web.Request) -> web.Response:
    email = await _email(request)
    services = request.app[SERVICES]
    data = await asyncio.to_thread(services.customer_data.export, email, files=_files(request))
    await asyncio.to_thread(
        services.audit.record, request["agent"], "export", detail=audit_detail(email)
    )
    name = re.sub(r"[^\w.@-]", "_", email)
    return web.Response(
        text=json.dumps(data, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="csbot-data-{name}.json"'},
    )


async def delete(request: web.Request) -> web.Response:
    email = await _email(request)
    again = str((await request.post()).get("again", "")).strip().lower()
    if again != email:
        raise _back(error="The email typed again does not match: nothing was deleted.")
    services = request.app[SERVICES]
    deletion = await asyncio.to_thread(services.customer_data.delete, email, files=_files(request))
    detail = audit_detail(email, deletion)
    await asyncio.to_thread(services.audit.record, request["agent"], "delete", detail=detail)
    _reindex_if_faq_changed(request, deletion)
    raise _back(notice=_summary(deletion))


async def confirm(request: web.Request) -> web.Response:
    """Confirm a request: for its email (`identity_check` said how an unverified one was
    checked), or with `scope=conversation` for its own conversation only."""
    services, request_id = request.app[SERVICES], path_id(request)
    form = await request.post()
    scope = Scope.CONVERSATION if form.get("scope") == "conversation" else Scope.CUSTOMER
    try:
        confirmed = await asyncio.to_thread(
            services.deletion_requests.confirm,
            request_id,
            request["agent"],
            identity_check=str(form.get("identity_check", "")),
            scope=scope,
            files=_files(request),
        )
    except PrivacyError as exc:
        raise _back(error=str(exc)) from None
    deletion = confirmed.deletion
    detail = {
        "request": request_id,
        "scope": confirmed.scope.value,
        "verification": confirmed.verification.value,
        "identity_check": confirmed.identity_check,
        **audit_detail(deletion.email or "", deletion),
    }
    await asyncio.to_thread(
        services.audit.record,
        request["agent"],
        "delete",
        conversation_id=confirmed.conversation_id,
        detail=detail,
    )
    _reindex_if_faq_changed(request, deletion)
    raise _back(notice=f"Request #{request_id} done. {_summary(deletion)}")


async def reject(request: web.Request) -> web.Response:
    requests, request_id = request.app[SERVICES].deletion_requests, path_id(request)
    try:
        await asyncio.to_thread(requests.reject, request_id, request["agent"])
    except PrivacyError as exc:
        raise _back(error=str(exc)) from None
    raise _back(notice=f"Request #{request_id} rejected; nothing was deleted.")
