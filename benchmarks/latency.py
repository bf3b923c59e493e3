"""Latency of one FAQ question (encode + search) and index build throughput.

python -m benchmarks.latency [--queries 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from knowledge.embeddings import MiniLMEncoder
from knowledge.faq import load_faqs
from knowledge.retrieval import KnowledgeBase
from knowledge.sources import ANSWERS, Sources, build_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    encoder = MiniLMEncoder()
    encoder.encode(["warm up the model"])
    root = Path(tempfile.mkdtemp(prefix="csbot-bench-"))
    start = time.perf_counter()
    manifests = build_all(root, encoder, Sources(), force=True)
    build_s = time.perf_counter() - start
    items = sum(m.count for m in manifests.values() if m)
    kb = KnowledgeBase(root, encoder)
    questions = [t for f in load_faqs() for t in f.heldout][: args.queries]
    kb.search(ANSWERS, questions[0])
    timings = {"encode": [], "search": [], "total": []}
    collection = kb.collection(ANSWERS)
    for question in questions:
        t0 = time.perf_counter()
        vector = encoder.encode([question])[0]
        t1 = time.perf_counter()
        collection.search(vector, 10)
        t2 = time.perf_counter()
        timings["encode"].append((t1 - t0) * 1000)
        timings["search"].append((t2 - t1) * 1000)
        timings["total"].append((t2 - t0) * 1000)
    print(f"\nOne question, {len(questions)} held-out FAQ phrasings, CPU, one at a time:\n")
    print("| step | p50 ms | p95 ms |")
    print("|---|---|---|")
    for step, values in timings.items():
        print(f"| {step} | {np.percentile(values, 50):.2f} | {np.percentile(values, 95):.2f} |")
    print(
        f"\nIndex build (validate sources, encode, add): {items} texts in {build_s:.1f} s "
        f"= {items / build_s:.0f} items/s"
    )


if __name__ == "__main__":
    main()
