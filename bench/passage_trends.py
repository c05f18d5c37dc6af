"""What facets and the trend filter cost, beside a plain search measured in the same run.

On an existing index (default: index/, built with the default encoder):
- plain search (k=10, hybrid): the baseline;
- search with facets (the pool of 50 and every hit's trend, labels cached): scan search --facets;
- search with a trend filter (scan search --trend ID, labels cached);
- the per-passage trends: computed (once per index generation and trend model), read from their
  file (once per process), looked up in memory (every later query);
and the computation on a synthetic library of --synthetic passages (random vectors, the same code).

    python bench/passage_trends.py --index index --synthetic 100000
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from run import QUERIES  # noqa: E402

from scan import passagetrends  # noqa: E402
from scan.facets import faceted_search  # noqa: E402
from scan.search import search  # noqa: E402
from scan.session import open_index  # noqa: E402
from scan.taxonomy import load_taxonomy  # noqa: E402
from scan.trends import load_or_train  # noqa: E402


def p50(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def synthetic(n: int, model, taxonomy) -> float:
    """ms to label n passages (random unit vectors of the model's dimension, ids 1..n)."""
    import faiss

    rng = np.random.default_rng(0)
    d = model.weights.shape[1]
    vectors = rng.standard_normal((n, d)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(d))
    ids = np.arange(1, n + 1, dtype=np.int64)
    flat.add_with_ids(vectors, ids)
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute("CREATE TABLE passages (id INTEGER PRIMARY KEY, doc_id TEXT, seq INTEGER, heading TEXT)")
    db.executemany("INSERT INTO passages VALUES (?, ?, ?, '[]')", [(int(i), f"d{i // 300}", int(i % 300)) for i in ids])
    fake = SimpleNamespace(db=db, vectors=flat)
    return p50(lambda: passagetrends.compute(fake, model, taxonomy), 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=100_000)
    args = parser.parse_args()
    index, encoder = open_index(args.index)
    taxonomy = load_taxonomy()
    model = load_or_train(index, encoder, taxonomy)  # trained once beforehand: not what is measured
    search(index, encoder, "uppvärmning")  # warm up
    passagetrends.passage_trends(index, model, taxonomy)
    trend = taxonomy.trends[0].id
    rounds = args.rounds

    def each(fn):
        return lambda: [fn(q) for q in QUERIES]

    n = len(QUERIES)
    out = {
        "plain search (baseline)": p50(each(lambda q: search(index, encoder, q, k=10)), rounds) / n,
        "search with facets": p50(each(lambda q: faceted_search(index, encoder, q, 10, taxonomy=taxonomy)), rounds) / n,
        "search with a trend filter": p50(
            each(
                lambda q: faceted_search(
                    index, encoder, q, 10, taxonomy=taxonomy, in_trends=(trend,), with_facets=False
                )
            ),
            rounds,
        )
        / n,
        "passage trends: computed": p50(lambda: passagetrends.compute(index, model, taxonomy), rounds),
        "passage trends: read from their file": p50(
            lambda: (passagetrends._MEMORY.clear(), passagetrends.passage_trends(index, model, taxonomy)), rounds
        ),
        "passage trends: in memory": p50(lambda: passagetrends.passage_trends(index, model, taxonomy), rounds),
    }
    base = out["plain search (baseline)"]
    report = {
        "index": str(args.index),
        "passages": len(index),
        "ms_p50": {k: round(v, 3) for k, v in out.items()},
        "ratio_to_plain_search": {k: round(v / base, 3) for k, v in out.items()},
    }
    if args.synthetic:
        ms = synthetic(args.synthetic, model, taxonomy)
        report["synthetic"] = {
            "passages": args.synthetic,
            "compute_ms": round(ms, 1),
            "ratio_to_plain_search": round(ms / base, 1),
        }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
