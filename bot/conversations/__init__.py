"""The conversation log and what is read from it.

- `log`: every Rasa event stored once and in order, projected into messages; `projection`:
  keeps it caught up with Rasa's tracker store (`tracker_events`), after a durable `cursor`,
  each event stored or dead-lettered by `intake`; `health`: its backlog, lag and dead
  letters; `tracker_store`: the Rasa tracker store on csbot's database that hosts it
  (Rasa-only, import it by path).
- `transcripts`: the live message feeds (`TranscriptService`).
- `review`: the review workbench's reads (`ReviewService`: list, timeline, tags, export).
- `metrics` and `report`: agent and bot evaluation over a date range; `analytics` and
  `faq_use`: rates per day or week and rankings; `AnalyticsService` reads them all.
- `unanswered`: questions the knowledge base could not answer, for review.
"""

from bot.conversations.analytics import AnalyticsService
from bot.conversations.health import LogHealth, log_health
from bot.conversations.log import ConversationLog
from bot.conversations.metrics import AgentMetrics, BotMetrics
from bot.conversations.projection import LogProjector
from bot.conversations.unanswered import UnansweredLog

__all__ = [
    "AgentMetrics",
    "AnalyticsService",
    "BotMetrics",
    "ConversationLog",
    "LogHealth",
    "LogProjector",
    "UnansweredLog",
    "log_health",
]
