"""The metrics page's PNG: intent confidence and mean CSAT per agent.

Built on matplotlib's object API (no pyplot global state), so it is safe in a worker thread.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.conversations.metrics import AgentMetrics, BotMetrics


def metrics_png(bot: BotMetrics, agents: list[AgentMetrics]) -> bytes:
    figure = Figure(figsize=(10, 3.5))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    histogram = bot.confidence_histogram
    left.bar(list(histogram), list(histogram.values()), color="#087e8b")
    left.set_title("Intent confidence of customer messages")
    right.bar([a.agent for a in agents], [a.mean_csat or 0 for a in agents], color="#0b3954")
    right.set_ylim(0, 5)
    right.set_title("Mean CSAT per agent")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
