"""Search latency on an existing index, beside a baseline measured in the same run.

The baseline is what bench/run.py uses: encode the query, then a plain numpy matrix product over
every stored vector and the top 5 read from the store. The search figures of bench/run.py on a
library of any size, without re-ingesting it:

    python bench/search_latency.py --index /tmp/mixed-idx
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from run import QUERIES, percentiles  # noqa: E402

from scan.search import search  # noqa: E402
from scan.session import open_index  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    index, encoder = open_index(args.index)
    ids = [r[0] for r in index.db.execute("SELECT id FROM passages ORDER BY id")]
    matrix = np.vstack([index.vectors.reconstruct(i) for i in ids])
    search(index, encoder, "uppvärmning")  # warm up (reads the vectors once)
    lat: dict[str, list[float]] = {m: [] for m in ("hybrid", "dense", "keyword", "numpy brute force (baseline)")}
    for _ in range(args.rounds):
        for q in QUERIES:
            for mode in ("hybrid", "dense", "keyword"):
                start = time.perf_counter()
                search(index, encoder, q, k=5, mode=mode)
                lat[mode].append(time.perf_counter() - start)
            start = time.perf_counter()
            v = encoder.encode_queries([q])[0]
            top = np.argsort(-(matrix @ v))[:5]
            index.passages([ids[i] for i in top])
            lat["numpy brute force (baseline)"].append(time.perf_counter() - start)
    out = {m: percentiles(s) for m, s in lat.items()}
    base = out["numpy brute force (baseline)"]["p50_ms"]
    for mode in ("hybrid", "dense", "keyword"):
        out[mode]["p50_ratio_to_baseline"] = round(out[mode]["p50_ms"] / base, 2)
    print(json.dumps({"index": str(args.index), "passages": len(ids), "search": out}, indent=2))


if __name__ == "__main__":
    main()
