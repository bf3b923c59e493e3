"""Where each enabled platform must send its webhook calls: what `csbot run` prints."""

from __future__ import annotations

from bot.runtime.settings import Settings

PATHS = {"Messenger": "/webhooks/facebook/webhook", "Telegram": "/webhooks/telegram/webhook"}


def public_base(settings: Settings) -> str:
    """The web app as the platforms reach it: CSBOT_PUBLIC_URL, else its local address."""
    return settings.public_url or f"http://{settings.host}:{settings.web_port}"


def webhook_urls(settings: Settings) -> dict[str, str]:
    """Each enabled channel's webhook URL, by the platform's name."""
    enabled = {"Messenger": settings.messenger_enabled, "Telegram": settings.telegram_enabled}
    base = public_base(settings)
    return {name: base + path for name, path in PATHS.items() if enabled[name]}


def channel_lines(settings: Settings) -> str:
    """The lines `csbot run` prints about the messaging channels (empty when none is on)."""
    urls = webhook_urls(settings)
    lines = [f"  {name} webhook:{' ' * (10 - len(name))}{url}" for name, url in urls.items()]
    if urls and not settings.public_url:
        lines.append("  (set CSBOT_PUBLIC_URL to the https:// address the platforms reach)")
    return "\n".join(lines) + ("\n" if lines else "")
