"""The review workbench's reads: conversations by outcome, intent, channel, agent, tag, last
activity and words; one conversation's timeline with the bot's and the humans' halves side
by side; tags; and the rows of an export.

`ReviewService` (in `bot.services.Services` as `review`) is the way in; its results are
frozen dataclasses with a `to_json()` where the console sends them as JSON.

- `filters`: `ReviewFilter`, the `Outcome`s, and each filter as SQL.
- `listing`: a page of the list (`ReviewPage` of `ReviewRow`s) and the drop-downs (`Facets`).
- `timeline`: one conversation's `Timeline`. `tags`: reviewers' tags. `export`: the export.
"""

from bot.conversations.review.export import EXPORT_FIELDS, ExportedConversation, csv_rows
from bot.conversations.review.filters import Outcome, ReviewError, ReviewFilter
from bot.conversations.review.listing import AgentChoice, Facets, ReviewPage, ReviewRow
from bot.conversations.review.service import ReviewService
from bot.conversations.review.tags import TAG_MAX, clean_tag
from bot.conversations.review.timeline import (
    ConversationSummary,
    EntityMention,
    IntentScore,
    Rating,
    TicketHistory,
    TicketStep,
    Timeline,
    TimelineMessage,
)

__all__ = [
    "EXPORT_FIELDS",
    "TAG_MAX",
    "AgentChoice",
    "ConversationSummary",
    "EntityMention",
    "ExportedConversation",
    "Facets",
    "IntentScore",
    "Outcome",
    "Rating",
    "ReviewError",
    "ReviewFilter",
    "ReviewPage",
    "ReviewRow",
    "ReviewService",
    "TicketHistory",
    "TicketStep",
    "Timeline",
    "TimelineMessage",
    "clean_tag",
    "csv_rows",
]
