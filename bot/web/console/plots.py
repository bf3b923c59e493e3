"""The console's PNGs: the metrics page's intent confidence and mean CSAT per agent, and the
analytics page's rates over time and rankings.

Built on matplotlib's object API (no pyplot global state), so it is safe in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, DayLocator
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.conversations.analytics import Rates
from bot.conversations.metrics import AgentMetrics, BotMetrics

NO_DATA = "No data in this window"
RATE_LINES = (
    ("containment_rate", "Containment", "#087e8b"),
    ("handoff_rate", "Handoff", "#c81d25"),
    ("fallback_rate", "Fallback", "#ff9f1c"),
    ("faq_answer_rate", "Given an FAQ answer", "#0b3954"),
)


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def metrics_png(bot: BotMetrics, agents: list[AgentMetrics]) -> bytes:
    figure = _figure(10, 3.5)
    left, right = figure.subplots(1, 2)
    histogram = bot.confidence_histogram
    left.bar(list(histogram), list(histogram.values()), color="#087e8b")
    left.set_title("Intent confidence of customer messages")
    right.bar([a.agent for a in agents], [a.mean_csat or 0 for a in agents], color="#0b3954")
    right.set_ylim(0, 5)
    right.set_title("Mean CSAT per agent")
    return _png(figure)


def _no_data(axes: Axes) -> None:
    axes.text(0.5, 0.5, NO_DATA, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def rates_png(rows: list[Rates], period: str) -> bytes:
    """One line per rate, a point per day (or week) that had conversations."""
    figure = _figure(10, 3.8)
    axes = figure.subplots()
    axes.set_title(f"Rates per {period}")
    if not rows:
        _no_data(axes)
        return _png(figure)
    days = [r.first for r in rows]
    for field, label, color in RATE_LINES:
        values = [getattr(r, field) for r in rows]
        axes.plot(days, [v * 100 for v in values], marker="o", label=label, color=color)
    pad = timedelta(days=1 if period == "day" else 4)  # one point alone still reads as a date
    axes.set_xlim(days[0] - pad, days[-1] + pad)
    span = (days[-1] - days[0] + 2 * pad).days
    axes.xaxis.set_major_locator(DayLocator(interval=max(1, span // 8)))  # whole days only
    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of conversations (fallback: of messages)")
    axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    return _png(figure)


def _bars(axes: Axes, title: str, labels: Sequence[str], values: Sequence[float], color: str):
    axes.set_title(title)
    if not labels:
        _no_data(axes)
        return
    axes.barh(list(labels)[::-1], list(values)[::-1], color=color)  # the first at the top
    axes.tick_params(axis="y", labelsize="small")
    if all(isinstance(v, int) for v in values):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.25 ticks


def rankings_png(
    left: tuple[str, Sequence[str], Sequence[float]],
    right: tuple[str, Sequence[str], Sequence[float]],
) -> bytes:
    """Two horizontal bar charts side by side, each (title, labels, values), first at the top."""
    figure = _figure(11, 4)
    axes = figure.subplots(1, 2)
    _bars(axes[0], *left, color="#087e8b")
    _bars(axes[1], *right, color="#c81d25")
    return _png(figure)
