"""Local stand-ins for the platforms' send APIs: aiohttp servers on loopback that check the
access token and the payload's shape the way the real API would refuse it, and record what
they accepted (`received`) and refused (`refused`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

PAGE_TOKEN = "fake-page-access-token"
SENDER_ACTIONS = {"mark_seen", "typing_on", "typing_off"}
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
RECEIVED = web.AppKey("received", list)
REFUSED = web.AppKey("refused", list)


def messenger_problem(body: Any) -> str | None:
    """Why Meta's Send API would refuse this body (None: it would accept it)."""
    if not isinstance(body, dict) or not isinstance((body.get("recipient") or {}).get("id"), str):
        return "recipient.id is required"
    if "sender_action" in body:
        return None if body["sender_action"] in SENDER_ACTIONS else "unknown sender_action"
    if body.get("messaging_type") not in MESSAGING_TYPES:
        return "messaging_type is required"
    if body["messaging_type"] == "MESSAGE_TAG" and body.get("tag") != "HUMAN_AGENT":
        return "MESSAGE_TAG needs a tag"
    message = body.get("message")
    if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
        return "message needs text or an attachment"
    if len(message.get("text") or "") > 2000:
        return "(#100) Length of param message[text] must be less than or equal to 2000"
    replies = message.get("quick_replies") or []
    if len(replies) > 13:
        return "(#100) param message[quick_replies] must have at most 13 elements"
    for reply in replies:
        if reply.get("content_type") != "text" or not reply.get("payload"):
            return "quick reply needs content_type text and a payload"
        if not 0 < len(reply.get("title") or "") <= 20:
            return "quick reply title must be 1 to 20 characters"
        if len(reply["payload"]) > 1000:
            return "quick reply payload over 1000 characters"
    template = (message.get("attachment") or {}).get("payload") or {}
    if template.get("template_type") == "button":
        buttons = template.get("buttons") or []
        if not 1 <= len(buttons) <= 3 or len(template.get("text") or "") > 640:
            return "button template needs 1 to 3 buttons and at most 640 characters"
        if any(not 0 < len(b.get("title") or "") <= 20 for b in buttons):
            return "button title must be 1 to 20 characters"
    return None


def fake_graph_app(token: str = PAGE_TOKEN) -> web.Application:
    """Meta's Send API (`POST /me/messages?access_token=...`)."""
    app = web.Application()
    app[RECEIVED], app[REFUSED] = [], []

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        if request.query.get("access_token") != token:
            app[REFUSED].append(body)
            error = {
                "message": "Invalid OAuth access token.",
                "type": "OAuthException",
                "code": 190,
            }
            return web.json_response({"error": error}, status=401)
        problem = messenger_problem(body)
        if problem:
            app[REFUSED].append(body)
            return web.json_response({"error": {"message": problem, "code": 100}}, status=400)
        app[RECEIVED].append(body)
        recipient = body["recipient"]["id"]
        return web.json_response(
            {"recipient_id": recipient, "message_id": f"m_{len(app[RECEIVED])}"}
        )

    app.router.add_post("/me/messages", send)
    return app


def texts_to(received: list[dict], recipient: str) -> list[str]:
    """The texts a recipient was sent, in order (sender actions left out)."""
    return [
        b["message"]["text"]
        for b in received
        if b["recipient"]["id"] == recipient and "text" in b.get("message", {})
    ]


class ThreadedServer:
    """A fake platform on loopback served from its own thread and event loop, for tests
    whose other parts (csbot's processes) run outside the test's loop."""

    def __init__(self, app: web.Application) -> None:
        import asyncio
        import threading

        self.app = app
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app)
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        started.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


BOT_TOKEN = "123456789:AAFakeTelegramBotToken_x"
WEBHOOKS = web.AppKey("webhooks", list)


def telegram_problem(method: str, body: Any) -> str | None:
    """Why Telegram's Bot API would refuse this call (None: it would accept it)."""
    if method == "sendMessage":
        if not isinstance(body, dict) or body.get("chat_id") in (None, ""):
            return "Bad Request: chat_id is empty"
        if not 0 < len(body.get("text") or "") <= 4096:
            return "Bad Request: message is too long" if body.get("text") else "text is empty"
        for row in (body.get("reply_markup") or {}).get("inline_keyboard") or []:
            for button in row:
                if not button.get("text"):
                    return "Bad Request: button text is empty"
                if not 1 <= len((button.get("callback_data") or "").encode()) <= 64:
                    return "Bad Request: BUTTON_DATA_INVALID"
        return None
    if method == "setWebhook":
        secret = (body or {}).get("secret_token") or ""
        ok = body.get("url", "").startswith("https://") and 0 < len(secret) <= 256
        return None if ok else "Bad Request: bad webhook: an HTTPS URL and a secret_token"
    if method == "answerCallbackQuery":
        return None if (body or {}).get("callback_query_id") else "query id is empty"
    return f"Not Found: method {method} not faked"


def fake_bot_api_app(token: str = BOT_TOKEN) -> web.Application:
    """Telegram's Bot API (`POST /bot<token>/<method>`); setWebhook calls in `webhooks`."""
    app = web.Application()
    app[RECEIVED], app[REFUSED], app[WEBHOOKS] = [], [], []

    async def call(request: web.Request) -> web.Response:
        body = await request.json()
        method = request.match_info["method"]
        if request.match_info["token"] != token:
            app[REFUSED].append(body)
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        problem = telegram_problem(method, body)
        if problem:
            app[REFUSED].append({"method": method, **body})
            return web.json_response(
                {"ok": False, "error_code": 400, "description": problem}, status=400
            )
        (app[WEBHOOKS] if method == "setWebhook" else app[RECEIVED]).append(
            {"method": method, **body}
        )
        return web.json_response(
            {
                "ok": True,
                "result": True if method != "sendMessage" else {"message_id": len(app[RECEIVED])},
            }
        )

    app.router.add_post("/bot{token}/{method}", call)
    return app
