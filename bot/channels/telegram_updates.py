"""What a Telegram update says to the bot; no Rasa import, so the web app can read it too."""

from __future__ import annotations

from typing import Any


def update_text(update: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """(chat id, what the customer said, callback query id) from one update; None for
    updates that say nothing to the bot (edits, joins, stickers)."""
    from bot.web.customer import clean_text
    from bot.web.rasa_client import as_text

    query = update.get("callback_query")
    if isinstance(query, dict):
        chat = ((query.get("message") or {}).get("chat") or {}).get("id")
        data = query.get("data")
        if chat is not None and isinstance(data, str) and data:
            return str(chat), data, query.get("id")
        return None
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, text = (message.get("chat") or {}).get("id"), message.get("text")
    if chat is None or not isinstance(text, str) or not clean_text(text):
        return None
    return str(chat), as_text(clean_text(text)), None
