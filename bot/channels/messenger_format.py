"""csbot's replies as Messenger Send API messages, within Messenger's limits.

Messenger refuses a text over 2,000 characters, more than 13 quick replies, and cuts quick
reply titles at 20 characters. So long texts are split (at paragraphs, then lines, sentences,
words), titles that do not fit are shortened and numbered, with the full titles listed in the
text so nothing is lost, and more than 13 choices become button templates of 3 postback
buttons each (which, unlike quick replies, stay tappable). Pure functions: no Rasa, no I/O.
"""

from __future__ import annotations

from typing import Any

MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_PAYLOAD = 1000
MAX_TEMPLATE_TEXT = 640
TEMPLATE_BUTTONS = 3
CHOOSE = "Please choose:"
ELLIPSIS = "\u2026"
_BREAKS = ("\n\n", "\n", ". ", " ")

Button = dict[str, str]


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: whole, or cut at a word and ended with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + ELLIPSIS


def _cut_point(text: str, limit: int) -> int:
    """Where to end the first chunk of `text` (longer than `limit`): after the last
    paragraph, line, sentence or word break that fits, else at `limit`."""
    window = text[:limit]
    for mark in _BREAKS:
        at = window.rfind(mark)
        if at > 0:
            return at + len(mark)
    return limit


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` as chunks of at most `limit` characters, broken where a reader would pause;
    no chunk is empty and no character but the whitespace at a break is lost."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        at = _cut_point(rest, limit)
        chunk = rest[:at].strip()
        if chunk:
            chunks.append(chunk)
        rest = rest[at:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def _titles(buttons: list[Button], limit: int = MAX_TITLE) -> tuple[list[str], str]:
    """The titles to show and, when any had to be shortened, the numbered full titles to add
    to the text."""
    titles = [" ".join(b["title"].split()) or b["payload"] for b in buttons]
    if all(len(t) <= limit for t in titles):
        return titles, ""
    listing = "\n".join(f"{n}. {t}" for n, t in enumerate(titles, 1))
    return [shorten(f"{n}. {t}", limit) for n, t in enumerate(titles, 1)], listing


def _sendable(buttons: list[dict[str, Any]]) -> list[Button]:
    """Buttons with a payload Messenger accepts (1 to 1,000 characters)."""
    cleaned = [
        {"title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
        for b in buttons
    ]
    return [b for b in cleaned if 0 < len(b["payload"]) <= MAX_PAYLOAD]


def _templates(titles: list[str], buttons: list[Button]) -> list[dict[str, Any]]:
    """Button templates of up to 3 postback buttons, for more choices than quick replies hold."""
    templates = []
    for start in range(0, len(buttons), TEMPLATE_BUTTONS):
        end = min(start + TEMPLATE_BUTTONS, len(buttons))
        postbacks = [
            {"type": "postback", "title": titles[i], "payload": buttons[i]["payload"]}
            for i in range(start, end)
        ]
        payload = {
            "template_type": "button",
            "text": f"Options {start + 1}-{end}:",
            "buttons": postbacks,
        }
        templates.append({"attachment": {"type": "template", "payload": payload}})
    return templates


def messenger_messages(
    text: str, buttons: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The Send API `message` objects for one csbot reply, in order, each within Messenger's
    limits."""
    sendable = _sendable(buttons or [])
    titles, listing = _titles(sendable)
    full = "\n\n".join(part for part in (text.strip(), listing) if part)
    parts = split_text(full) or ([CHOOSE] if sendable else [])
    messages: list[dict[str, Any]] = [{"text": part} for part in parts]
    if not sendable:
        return messages
    if len(sendable) <= MAX_QUICK_REPLIES:
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": t, "payload": b["payload"]}
            for t, b in zip(titles, sendable, strict=True)
        ]
        return messages
    return messages + _templates(titles, sendable)


def inbound_text(event: dict[str, Any]) -> str | None:
    """What one Messenger `messaging` event says to the bot: a quick reply's or postback's
    payload (intent syntax csbot itself sent), typed text cleaned and guarded so it is read
    as text, an attachment's URL; None for echoes, reads, deliveries and empty text."""
    from bot.web.customer import clean_text
    from bot.web.rasa_client import as_text

    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        payload = (message.get("quick_reply") or {}).get("payload")
        if isinstance(payload, str) and payload:
            return payload
        text = message.get("text")
        if isinstance(text, str):
            return as_text(clean_text(text)) or None
        attachments = message.get("attachments") or [{}]
        url = ((attachments[0] or {}).get("payload") or {}).get("url")
        return url if isinstance(url, str) and url else None
    payload = (event.get("postback") or {}).get("payload")
    return payload if isinstance(payload, str) and payload else None
