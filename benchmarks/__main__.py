"""`python -m benchmarks` (or `make bench`): every benchmark, one after another."""

from benchmarks import ann_scale, faq_retrieval, gap_mining, latency

for module in (faq_retrieval, latency, ann_scale, gap_mining):
    print(f"\n=== {module.__name__} ===", flush=True)
    module.main()
