"""Agent console: login, ticket queue, live ticket view, replies, and the admin pages.

Thin handlers: the TicketService decides what is allowed; Rasa's HTTP API carries agent
messages and pause/resume into the conversation, so the log and the widget see them.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot import SHOP_NAME, metrics, transcripts
from bot.classifier import CATEGORIES, PRIORITIES
from bot.tickets import TicketError
from bot.web import rasa_client
from bot.web.keys import HTTP, SETTINGS, SHOP
from bot.web.security import csrf_token

MAX_REPLY_CHARS = 2000
LISTEN = {"event": "action", "name": "action_listen"}
UNAVAILABLE = "The chat server did not answer; the customer was not told. Try again."


async def _context(request: web.Request, **values) -> dict:
    return {"shop_name": SHOP_NAME, "agent": request.get("agent"),
            "csrf": await csrf_token(request), **values}  # fmt: skip


# --- login ---------------------------------------------------------------------------------
async def login_form(request: web.Request) -> web.Response:
    context = await _context(request, error=None, next=request.query.get("next", "/console"))
    return aiohttp_jinja2.render_template("console_login.html", request, context)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    agent = request.app[SHOP].agents.authenticate(
        str(form.get("username", "")), str(form.get("password", ""))
    )
    target = str(form.get("next") or "/console")
    if not target.startswith("/console"):
        target = "/console"
    if agent is None:
        context = await _context(request, error="Wrong username or password.", next=target)
        return aiohttp_jinja2.render_template("console_login.html", request, context, status=401)
    session = await new_session(request)  # a fresh session id on login
    session["agent_id"] = agent.id
    raise web.HTTPFound(target)


async def logout(request: web.Request) -> web.Response:
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/console/login")


# --- queue and tickets ----------------------------------------------------------------------
@aiohttp_jinja2.template("console_queue.html")
async def queue(request: web.Request) -> dict:
    tickets = request.app[SHOP].tickets.queue(request["agent"])
    return await _context(request, tickets=tickets, now=datetime.utcnow())


async def _ticket_or_404(request: web.Request):
    try:
        return request.app[SHOP].tickets.get(int(request.match_info["id"]), request["agent"])
    except TicketError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None


@aiohttp_jinja2.template("console_ticket.html")
async def ticket(request: web.Request) -> dict:
    found = await _ticket_or_404(request)
    return await _context(
        request, ticket=found, categories=CATEGORIES, priorities=PRIORITIES,
        error=request.query.get("error"),
    )  # fmt: skip


async def _tell_customer(request: web.Request, conversation_id: str, events: list[dict]) -> None:
    settings = request.app[SETTINGS]
    await rasa_client.append_events(request.app[HTTP], settings.rasa_url, conversation_id, events)


def _agent_says(request: web.Request, text: str) -> dict:
    agent = request["agent"]
    return {"event": "bot", "text": text,
            "metadata": {"agent_id": agent.id, "agent_name": agent.name}}  # fmt: skip


async def take(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    try:
        taken, joined = request.app[SHOP].tickets.assign(found.id, request["agent"])
    except TicketError as exc:
        raise web.HTTPFound(f"/console/tickets/{found.id}?error={exc}") from None
    if joined:
        name = request["agent"].name
        try:
            await _tell_customer(request, taken.conversation_id, [
                {"event": "pause"},
                _agent_says(request, f"{name} from the Kettle & Volt team has joined the chat."),
            ])  # fmt: skip
        except rasa_client.RasaUnavailable:
            raise web.HTTPFound(f"/console/tickets/{found.id}?error={UNAVAILABLE}") from None
    raise web.HTTPFound(f"/console/tickets/{found.id}")


async def reply(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    body = await request.json()
    text = str(body.get("text", "")).strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        return web.json_response({"error": f"1 to {MAX_REPLY_CHARS} characters"}, status=400)
    try:
        request.app[SHOP].tickets.replied(found.id, request["agent"])
    except TicketError as exc:
        return web.json_response({"error": str(exc)}, status=409)
    try:
        await _tell_customer(request, found.conversation_id, [_agent_says(request, text)])
    except rasa_client.RasaUnavailable:
        return web.json_response({"error": UNAVAILABLE}, status=503)
    return web.json_response({"ok": True})


async def resolve(request: web.Request) -> web.Response:
    """Tell the customer, hand the chat back to the bot (which asks for a rating), then
    close the ticket; if Rasa cannot be reached nothing changes."""
    found = await _ticket_or_404(request)
    shop, settings = request.app[SHOP], request.app[SETTINGS]
    if found.status == "resolved":
        raise web.HTTPFound(f"/console/tickets/{found.id}?error=already resolved")
    name = request["agent"].name
    try:
        await _tell_customer(request, found.conversation_id, [
            _agent_says(request, f"{name} has marked this as solved and left the chat."),
            {"event": "resume"},
        ])  # fmt: skip
        shop.tickets.resolve(found.id, request["agent"])
        await rasa_client.execute_action(
            request.app[HTTP], settings.rasa_url, found.conversation_id, "action_ask_rating"
        )
        # An executed action is not followed by a listen; add it so the customer's answer
        # starts a normal turn that the rating rule recognises.
        await _tell_customer(request, found.conversation_id, [LISTEN])
    except rasa_client.RasaUnavailable:
        raise web.HTTPFound(f"/console/tickets/{found.id}?error={UNAVAILABLE}") from None
    except TicketError as exc:
        raise web.HTTPFound(f"/console/tickets/{found.id}?error={exc}") from None
    raise web.HTTPFound("/console")


async def correct(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    form = await request.post()
    try:
        request.app[SHOP].tickets.correct(
            found.id, request["agent"], str(form.get("category")), str(form.get("priority"))
        )
    except TicketError as exc:
        raise web.HTTPFound(f"/console/tickets/{found.id}?error={exc}") from None
    raise web.HTTPFound(f"/console/tickets/{found.id}")


async def ticket_messages(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    after = int(request.query.get("after", "0") or 0)
    engine = request.app[SHOP].engine
    return web.json_response({
        "messages": transcripts.messages_after(engine, found.conversation_id, after),
        "status": transcripts.conversation_status(engine, found.conversation_id),
    })  # fmt: skip


# --- admin ----------------------------------------------------------------------------------
def _date(value: str | None, default: datetime) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d") if value else default
    except ValueError:
        raise web.HTTPBadRequest(text="dates look like 2026-11-25") from None


def _range(request: web.Request) -> tuple[datetime, datetime]:
    today = datetime.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    start = _date(request.query.get("from"), today - timedelta(days=30))
    end = _date(request.query.get("to"), today) + timedelta(days=1)
    return start, end


@aiohttp_jinja2.template("console_conversations.html")
async def conversations(request: web.Request) -> dict:
    start, end = _range(request)
    page = max(1, int(request.query.get("page", "1") or 1))
    rows, total = transcripts.conversations(request.app[SHOP].engine, start, end, page)
    return await _context(request, rows=rows, total=total, page=page, per_page=25,
                          start=start, end=end - timedelta(days=1))  # fmt: skip


@aiohttp_jinja2.template("console_transcript.html")
async def transcript(request: web.Request) -> dict:
    page = max(1, int(request.query.get("page", "1") or 1))
    conversation_id = request.match_info["id"]
    messages, total = transcripts.transcript_page(request.app[SHOP].engine, conversation_id, page)
    return await _context(request, conversation_id=conversation_id, messages=messages,
                          total=total, page=page, per_page=100)  # fmt: skip


@aiohttp_jinja2.template("console_metrics.html")
async def metrics_page(request: web.Request) -> dict:
    start, end = _range(request)
    engine = request.app[SHOP].engine
    return await _context(
        request, agents=metrics.agent_metrics(engine, start, end),
        bot=metrics.bot_metrics(engine, start, end), start=start, end=end - timedelta(days=1),
        query=request.query_string,
    )  # fmt: skip


async def metrics_plot(request: web.Request) -> web.Response:
    """Intent-confidence histogram and mean CSAT per agent, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    start, end = _range(request)
    engine = request.app[SHOP].engine
    bot, agents = metrics.bot_metrics(engine, start, end), metrics.agent_metrics(engine, start, end)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    left.bar(
        list(bot.confidence_histogram), list(bot.confidence_histogram.values()), color="#087e8b"
    )
    left.set_title("Intent confidence of customer messages")
    right.bar([a.agent for a in agents], [a.mean_csat or 0 for a in agents], color="#0b3954")
    right.set_ylim(0, 5)
    right.set_title("Mean CSAT per agent")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return web.Response(body=buffer.getvalue(), content_type="image/png")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/console/login", login_form)
    router.add_post("/console/login", login)
    router.add_post("/console/logout", logout)
    router.add_get("/console", queue)
    router.add_get("/console/tickets/{id:\\d+}", ticket)
    router.add_post("/console/tickets/{id:\\d+}/take", take)
    router.add_post("/console/tickets/{id:\\d+}/resolve", resolve)
    router.add_post("/console/tickets/{id:\\d+}/correct", correct)
    router.add_post("/console/api/tickets/{id:\\d+}/reply", reply)
    router.add_get("/console/api/tickets/{id:\\d+}/messages", ticket_messages)
    router.add_get("/console/admin/conversations", conversations)
    router.add_get("/console/admin/conversations/{id}", transcript)
    router.add_get("/console/admin/metrics", metrics_page)
    router.add_get("/console/admin/metrics.png", metrics_plot)
