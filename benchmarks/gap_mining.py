"""FAQ-gap mining, measured: remove a sample of FAQ entries from the knowledge base, send
their phrasings (typos and filler added) as unanswered traffic, mixed with noise (questions
of entries that stay, and off-topic chatter), and see whether the mined clusters find the
removed entries again.

- purity: over every clustered question, the share that belongs to its cluster's majority
  entry (noise counts as its own label, so a cluster of noise is pure noise, not a gap);
- rediscovered: the share of removed entries that are the majority of at least one cluster;
- false gaps: clusters whose majority is noise or a kept entry.

`python -m benchmarks.gap_mining [--removed 20] [--seed 7]`
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from datetime import datetime, timedelta

from bot.workbench.gaps import DISTANCE_THRESHOLD, Question, mine
from knowledge.embeddings import MiniLMEncoder
from knowledge.faq import load_faqs

NOW = datetime(2026, 12, 1)
FILLERS = ("", "", "hi, ", "quick question: ", "hello, ", "um ", "sorry to bother, ")
OFF_TOPIC = [
    "what's the weather like today",
    "tell me a joke",
    "who won the football last night",
    "are you a robot",
    "lol",
    "asdfgh",
    "can you recommend a good film",
    "what is the meaning of life",
]


def noisy(text: str, rng: random.Random) -> str:
    """A customer's version: filler, lower case, a dropped or swapped letter."""
    text = rng.choice(FILLERS) + (text.lower() if rng.random() < 0.5 else text)
    if len(text) > 8 and rng.random() < 0.6:
        i = rng.randrange(1, len(text) - 2)
        text = (
            text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            if rng.random() < 0.5
            else (text[:i] + text[i + 1 :])
        )
    return text


def traffic(removed_count: int, seed: int):
    rng = random.Random(seed)
    faqs = load_faqs()
    removed = rng.sample(faqs, removed_count)
    removed_ids = {f.id for f in removed}
    kept = [f for f in faqs if f.id not in removed_ids]
    items: list[tuple[str, str]] = []  # (text, true label)
    for faq in removed:
        for text in (*faq.heldout, *faq.phrasings[:4]):
            items.append((noisy(text, rng), faq.id))
    for faq in rng.sample(kept, 15):  # the odd kept question the bot still missed
        items.append((noisy(rng.choice(faq.heldout or faq.phrasings), rng), "kept:" + faq.id))
    items += [(noisy(t, rng), "noise") for t in OFF_TOPIC]
    rng.shuffle(items)
    questions = [Question(text, NOW - timedelta(days=rng.uniform(0, 30))) for text, _ in items]
    return questions, [label for _, label in items], kept, removed_ids


def evaluate(
    removed_count: int = 20, seed: int = 7, threshold: float = DISTANCE_THRESHOLD
) -> dict[str, float]:
    questions, labels, kept, removed_ids = traffic(removed_count, seed)
    gaps = mine(questions, MiniLMEncoder(), kept, now=NOW, threshold=threshold)
    clustered = majority_hits = 0
    found: set[str] = set()
    false_gaps = 0
    for gap in gaps:
        counts = Counter(labels[i] for i in gap.members)
        label, hits = counts.most_common(1)[0]
        clustered += gap.size
        majority_hits += hits
        if label in removed_ids:
            found.add(label)
        else:
            false_gaps += 1
    return {
        "questions": len(questions),
        "removed": len(removed_ids),
        "clusters": len(gaps),
        "clustered_share": clustered / len(questions),
        "purity": majority_hits / clustered if clustered else 0.0,
        "rediscovered": len(found) / len(removed_ids),
        "false_gaps": false_gaps,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--removed", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    parser.add_argument("--threshold", type=float, default=DISTANCE_THRESHOLD)
    args = parser.parse_args(argv)
    header = ("seed", "questions", "removed FAQs", "clusters", "clustered", "purity")
    print("| " + " | ".join((*header, "rediscovered", "false gaps")) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        r = evaluate(args.removed, seed, args.threshold)
        print(
            f"| {seed} | {r['questions']} | {r['removed']} | {r['clusters']} | "
            f"{r['clustered_share']:.0%} | {r['purity']:.3f} | {r['rediscovered']:.0%} | "
            f"{r['false_gaps']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
