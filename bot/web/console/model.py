"""The model page (/console/admin/model): the model each Rasa replica serves, a retrain in
the background with its progress, the intent cross-validation before and after on the same
folds, and the admin's decision: activate the new model on every replica, keep the active
one, or roll back to the previous one. Each action is in the audit trail (action "model")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from bot.runtime import model_choice
from bot.runtime.training import MODEL_PREFIX, MODEL_SUFFIX, fingerprint, inputs_of
from bot.web.console.common import context, redirect
from bot.web.keys import MODEL_SWITCH, REPLICAS, RETRAIN, SERVICES, SETTINGS
from bot.web.rasa_client import RasaClient, RasaUnavailable
from bot.web.replicas import ModelSwitchError
from bot.workbench.retrain import RetrainRunning, report_rows

PAGE = "/console/admin/model"
STATUS_TIMEOUT_S = 5.0


def _replicas(request: web.Request) -> tuple[RasaClient, ...]:
    return request.app[REPLICAS].all


async def _serving(request: web.Request, rasa: RasaClient) -> dict[str, str]:
    try:
        name = await asyncio.wait_for(rasa.serving(), STATUS_TIMEOUT_S)
        return {"url": rasa.url, "model": name}
    except (RasaUnavailable, asyncio.TimeoutError) as exc:
        return {"url": rasa.url, "error": str(exc) or "no answer in time"}


async def _active(request: web.Request) -> str:
    """The model the (first) replica serves; a redirect with the reason if it does not say."""
    first = await _serving(request, _replicas(request)[0])
    if "error" in first:
        raise redirect(PAGE, error=f"Rasa at {first['url']} did not answer: {first['error']}")
    return first["model"]


@aiohttp_jinja2.template("console_model.html")
async def page(request: web.Request) -> dict:
    settings = request.app[SETTINGS]
    replicas = await asyncio.gather(*(_serving(request, r) for r in _replicas(request)))
    choice = await asyncio.to_thread(model_choice.read, settings.models_dir)
    job = request.app[RETRAIN].status()
    return await context(
        request,
        replicas=replicas,
        choice=choice,
        job=job,
        rows=report_rows(job),
        error=request.query.get("error"),
        notice=request.query.get("notice"),
    )


async def status_json(request: web.Request) -> web.Response:
    """The retrain job's state, stage and progress; the page polls it every second."""
    return web.json_response(request.app[RETRAIN].status())


async def _audit(request: web.Request, detail: dict[str, Any]) -> None:
    await asyncio.to_thread(
        request.app[SERVICES].audit.record, request["agent"], "model", detail=detail
    )


def _done(request: web.Request, message: str) -> web.HTTPFound:
    return web.HTTPFound(str(URL(PAGE).with_query(notice=message)))


async def retrain(request: web.Request) -> web.Response:
    active = await _active(request)
    models_dir = Path(request.app[SETTINGS].models_dir)
    try:
        request.app[RETRAIN].start(models_dir / active, request["agent"].username)
    except RetrainRunning as exc:
        raise redirect(PAGE, error=str(exc)) from None
    await _audit(request, {"kind": "retrain", "active": active})
    raise _done(request, "Retraining in the background.")


async def _model_field(request: web.Request) -> str:
    name = str((await request.post()).get("model", ""))
    valid = name.startswith(MODEL_PREFIX) and name.endswith(MODEL_SUFFIX) and "/" not in name
    if not valid or len(name) > 100:
        raise web.HTTPBadRequest(text="model is a model file name like csbot-<hash>.tar.gz")
    return name


def _new_model(request: web.Request, name: str) -> dict[str, Any]:
    """The finished retrain whose model `name` is, undecided; else a 400 saying why."""
    job = request.app[RETRAIN].status()
    if job.get("state") != "done" or job.get("candidate") != name:
        raise web.HTTPBadRequest(text=f"{name} is not the model of a finished retrain")
    if job.get("decision"):
        raise web.HTTPBadRequest(text=f"{name} was {job['decision']} already")
    return job


async def _current_fingerprint(request: web.Request) -> str:
    settings = request.app[SETTINGS]
    return await asyncio.to_thread(fingerprint, settings.project_dir, inputs_of(settings))


async def _switch(request: web.Request, name: str, decision: str) -> str:
    """Load model `name` on every replica and record the choice; the model it replaced."""
    settings, lock = request.app[SETTINGS], request.app[MODEL_SWITCH]
    models_dir = Path(settings.models_dir)
    if not await asyncio.to_thread((models_dir / name).exists):
        raise web.HTTPBadRequest(text=f"{name} is not in the models folder")
    if lock.locked():
        raise redirect(PAGE, error="Another model change is in progress; try again shortly.")
    async with lock:
        try:
            before = await request.app[REPLICAS].switch_model(models_dir / name)
        except ModelSwitchError as exc:
            raise redirect(PAGE, error=f"Nothing changed: {exc}") from None
        replaced = next(iter(before.values()))
        choice = await asyncio.to_thread(model_choice.read, models_dir)
        previous = replaced if replaced != name else (choice.previous if choice else None)
        await asyncio.to_thread(
            model_choice.record,
            models_dir,
            decision,
            name,
            previous,
            await _current_fingerprint(request),
            request["agent"].username,
        )
    await _audit(request, {"kind": decision, "model": name, "replaced": replaced})
    return replaced


async def activate(request: web.Request) -> web.Response:
    name = await _model_field(request)
    _new_model(request, name)
    replaced = await _switch(request, name, "activate")
    request.app[RETRAIN].decide("activated")
    replicas = len(request.app[SETTINGS].rasa_urls)
    raise _done(request, f"{name} is active on {replicas} Rasa replica(s); it replaced {replaced}.")


async def keep(request: web.Request) -> web.Response:
    name = await _model_field(request)
    _new_model(request, name)
    models_dir = Path(request.app[SETTINGS].models_dir)
    active = await _active(request)
    choice = await asyncio.to_thread(model_choice.read, models_dir)
    await asyncio.to_thread(
        model_choice.record,
        models_dir,
        "keep",
        active,
        choice.previous if choice else None,
        await _current_fingerprint(request),
        request["agent"].username,
    )
    request.app[RETRAIN].decide("kept")
    await _audit(request, {"kind": "keep", "model": active, "not_activated": name})
    raise _done(request, f"Kept {active}; {name} was not loaded.")


async def rollback(request: web.Request) -> web.Response:
    name = await _model_field(request)
    choice = await asyncio.to_thread(model_choice.read, request.app[SETTINGS].models_dir)
    if choice is None or choice.previous != name:
        raise web.HTTPBadRequest(text=f"{name} is not the previous model (reload the page)")
    replaced = await _switch(request, name, "rollback")
    raise _done(request, f"Rolled back to {name}; it replaced {replaced}.")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(PAGE, page)
    router.add_get(f"{PAGE}/status.json", status_json)
    router.add_post(f"{PAGE}/retrain", retrain)
    router.add_post(f"{PAGE}/activate", activate)
    router.add_post(f"{PAGE}/keep", keep)
    router.add_post(f"{PAGE}/rollback", rollback)
