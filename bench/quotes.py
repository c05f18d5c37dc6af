"""Benchmark of quotes alone (the quotes rows of bench/run.py, quicker to re-run):

    python bench/quotes.py [--index DIR]     # prints a Markdown table, writes bench/results/quotes.json

- quotes latency: `find_quotes` (k=5) over the corpus index, against a hybrid search in the same
  run (the claim's encoding is most of both);
- ingest cost of the quote units: encoding the stored sentences, against encoding the passages.

Without --index the shipped corpus is ingested into a temporary folder with the default encoder.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import QUERIES, ROOT, percentiles  # noqa: E402


def main() -> None:
    from scan.embed import load_encoder
    from scan.ingest import ingest
    from scan.quotes import find_quotes
    from scan.search import search
    from scan.store import Index

    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    e5 = load_encoder()
    folder = args.index or Path(tempfile.mkdtemp(prefix="scan-bench-quotes-"))
    if args.index is None:
        ingest([ROOT / "corpus"], folder, e5)
    index = Index.open(folder)
    claims = [q for q in QUERIES if len(q.split()) >= 3]
    find_quotes(index, e5, claims[0], k=5)  # warm
    q_lat, s_lat = [], []
    for _ in range(5):
        for claim in claims:
            start = time.perf_counter()
            search(index, e5, claim, k=5, mode="hybrid")
            s_lat.append(time.perf_counter() - start)
            start = time.perf_counter()
            find_quotes(index, e5, claim, k=5)
            q_lat.append(time.perf_counter() - start)
    passages = [r[0] for r in index.db.execute("SELECT text FROM passages ORDER BY id")]
    units = [r[0] for r in index.db.execute("SELECT text FROM sentences ORDER BY id")]
    start = time.perf_counter()
    e5.encode_passages(passages)
    passages_s = time.perf_counter() - start
    start = time.perf_counter()
    e5.encode_passages(units)
    units_s = time.perf_counter() - start
    r = {
        "quotes": percentiles(q_lat),
        "hybrid search (baseline)": percentiles(s_lat),
        "passages": len(passages),
        "quote_units": len(units),
        "units_over_passages_encode_time": round(units_s / passages_s, 2),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "quotes.json").write_text(json.dumps(r, indent=2) + "\n")
    q, h = r["quotes"], r["hybrid search (baseline)"]
    print("| measure | scan | baseline (same run) | ratio |")
    print("|---|---|---|---|")
    print(
        f"| quotes latency, p50 / p95 | {q['p50_ms']} / {q['p95_ms']} ms | {h['p50_ms']} / {h['p95_ms']} ms "
        f"(hybrid search) | {q['p50_ms'] / h['p50_ms']:.2f}× |"
    )
    print(
        f"| ingest: encoding the {len(units)} quote units | {units_s:.1f} s | {passages_s:.1f} s (encoding the "
        f"{len(passages)} passages) | {r['units_over_passages_encode_time']}× |"
    )


if __name__ == "__main__":
    main()
