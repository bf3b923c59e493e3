"""The customer-facing web app: the chat page and a small JSON API in front of Rasa."""

from bot.web.app import create_app

__all__ = ["create_app"]
