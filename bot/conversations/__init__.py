"""The conversation log and what is read from it.

- `log`: every Rasa event stored once and in order, projected into messages; `broker`: the
  Rasa event broker that feeds it (Rasa-only, import it by path).
- `transcripts`: live message feeds and paged transcript review.
- `metrics` and `report`: agent and bot evaluation over a date range.
- `unanswered`: questions the knowledge base could not answer, for review.
"""

from bot.conversations.log import BufferedWriter, ConversationLog
from bot.conversations.metrics import AgentMetrics, BotMetrics, agent_metrics, bot_metrics
from bot.conversations.unanswered import UnansweredLog

__all__ = [
    "AgentMetrics",
    "BotMetrics",
    "BufferedWriter",
    "ConversationLog",
    "UnansweredLog",
    "agent_metrics",
    "bot_metrics",
]
