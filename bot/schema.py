"""Every table csbot owns, gathered from the parts' model modules (`bot.shop.models`,
`bot.support.models`, `bot.conversations.models`, `bot.privacy.models`,
`bot.channels.models`): what the migrations build and the privacy holdings must cover."""

from __future__ import annotations

from sqlalchemy import MetaData

from bot.models_base import Base


def metadata() -> MetaData:
    """The metadata with every part's tables registered. The model modules are imported
    here, when asked, not at this module's import: a part's package (`bot.privacy`) may itself
    need this function while it loads."""
    import bot.channels.models  # noqa: F401
    import bot.conversations.models  # noqa: F401
    import bot.privacy.models  # noqa: F401
    import bot.shop.models  # noqa: F401
    import bot.support.models  # noqa: F401

    return Base.metadata
