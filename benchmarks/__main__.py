"""`python -m benchmarks` (or `make bench`): every benchmark, one after another."""

from benchmarks import ann_scale, faq_retrieval, latency

for module in (faq_retrieval, latency, ann_scale):
    print(f"\n=== {module.__name__} ===", flush=True)
    module.main()
