"""The plain-text report of `csbot report`: the same figures as the admin metrics page."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversations.metrics import AgentMetrics, BotMetrics


def format_report(
    agents: list[AgentMetrics], bot: BotMetrics, start: datetime, end: datetime
) -> str:
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.0%}"

    def secs(v: float | None) -> str:
        return "-" if v is None else f"{v / 60:.1f} min"

    last_day = end - timedelta(microseconds=1)  # `end` is exclusive
    lines = [f"csbot report {start:%Y-%m-%d} .. {last_day:%Y-%m-%d}", "", "Bot"]
    lines += [
        f"  conversations            {bot.conversations}",
        f"  customer messages        {bot.customer_messages}",
        f"  containment rate         {pct(bot.containment_rate)}",
        f"  handoff rate             {pct(bot.handoff_rate)}",
        f"  fallback rate            {pct(bot.fallback_rate)}",
        f"  given an FAQ answer      {pct(bot.faq_answer_rate)}",
        f"  FAQ answers / accepted   {bot.faq_answers} / {pct(bot.faq_acceptance)}",
        "  mean intent confidence   "
        + ("-" if bot.mean_confidence is None else f"{bot.mean_confidence:.2f}"),
        "  confidence histogram     "
        + ", ".join(f"{k}: {v}" for k, v in bot.confidence_histogram.items()),
        "",
        "Agents",
        f"  {'agent':<18}{'handled':>8}{'1st resp':>11}{'handling':>11}{'resolved':>10}"
        f"{'reopened':>10}{'CSAT':>10}",
    ]
    for a in agents:
        csat = "-" if a.mean_csat is None else f"{a.mean_csat:.1f} ({a.ratings})"
        lines.append(
            f"  {a.agent:<18}{a.tickets_handled:>8}{secs(a.first_response_s):>11}"
            f"{secs(a.handling_s):>11}{pct(a.resolution_rate):>10}{pct(a.reopen_rate):>10}"
            f"{csat:>10}"
        )
    return "\n".join(lines)
