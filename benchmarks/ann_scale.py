"""Approximate search at scale: recall@10 against exact search, ms per query, memory.

    python -m benchmarks.ann_scale [--sizes 100000 1000000] [--queries 1000]

The vectors are synthetic but shaped like real ones: each is a real MiniLM embedding of the
shop's knowledge (products, FAQs) plus noise, so neighbourhoods are clustered as in practice
rather than uniform. Queries come from the same generator and are not in the index. Latency is
one query at a time on one thread, as the action server issues them.
"""

from __future__ import annotations

import argparse
import time

import faiss
import numpy as np

from knowledge.catalogue import load_products
from knowledge.embeddings import MiniLMEncoder
from knowledge.faq import load_faqs
from knowledge.index import EXACT_LIMIT, HNSW_EF_SEARCH, make_index
from knowledge.sources import product_text

NOISE = 0.6  # cosine to the seed embedding is then about 0.85


def seeds() -> np.ndarray:
    texts = [product_text(p) for p in load_products()]
    texts += [t for f in load_faqs() for t in f.indexed_texts]
    return MiniLMEncoder().encode(texts)


def synthetic(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        picks = base[rng.integers(0, len(base), stop - start)]
        noise = rng.normal(scale=NOISE / np.sqrt(base.shape[1]), size=picks.shape)
        out[start:stop] = picks + noise.astype(np.float32)
    faiss.normalize_L2(out)
    return out


def per_query_ms(index: faiss.Index, queries: np.ndarray) -> tuple[float, float]:
    times = []
    for q in queries:
        start = time.perf_counter()
        index.search(q.reshape(1, -1), 10)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    base = seeds()
    rows = []
    for n in args.sizes:
        vectors = synthetic(base, n, rng)
        queries = synthetic(base, args.queries, rng)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        _, truth = exact.search(queries, 10)
        start = time.perf_counter()
        index = make_index(vectors, exact_limit=min(EXACT_LIMIT, n - 1))
        build_s = time.perf_counter() - start
        memory_mb = faiss.serialize_index(index).nbytes / 2**20
        faiss.omp_set_num_threads(1)
        for ef in sorted({32, 64, HNSW_EF_SEARCH, 128}):
            index.hnsw.efSearch = ef
            _, found = index.search(queries, 10)
            recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
            p50, p95 = per_query_ms(index, queries)
            rows.append((n, ef, recall, p50, p95, memory_mb, build_s))
        exact_p50, _ = per_query_ms(exact, queries[:100])
        rows.append((n, "exact", 1.0, exact_p50, float("nan"), vectors.nbytes / 2**20, 0.0))
        faiss.omp_set_num_threads(0)
        del exact, index, vectors
    print("\n| vectors | efSearch | recall@10 | ms/query p50 | p95 | index MB | build s |")
    print("|---|---|---|---|---|---|---|")
    for n, ef, recall, p50, p95, mb, build in rows:
        print(f"| {n:,} | {ef} | {recall:.3f} | {p50:.3f} | {p95:.3f} | {mb:.0f} | {build:.0f} |")
    print(
        f"\nProduction setting: HNSW (M=32, efConstruction=80) with efSearch={HNSW_EF_SEARCH} "
        f"above {EXACT_LIMIT:,} vectors; exact IndexFlatIP below."
    )


if __name__ == "__main__":
    main()
