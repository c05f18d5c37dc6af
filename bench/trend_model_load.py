"""How long the stored trend model takes to load, against embedding one short query (same run).

    python bench/trend_model_load.py --index DIR     # an index built with the default encoder

Trains the model once if the index has none (minutes), then times `load_or_train` with the model
file present (hash the inputs, read the arrays), the bare `TrendModel.load`, and one query
embedding, each the median of 30 runs. Writes bench/results/trend_model_load.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn, runs: int = 30) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    from scan.session import open_index
    from scan.taxonomy import load_taxonomy
    from scan.trends import TrendModel, load_or_train

    index, encoder = open_index(args.index, None)
    taxonomy = load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml")
    load_or_train(index, encoder, taxonomy)  # trains once if needed
    path = next(index.root.glob("trends-*.npz"))
    out = {
        "load_or_train_ms": round(median_ms(lambda: load_or_train(index, encoder, taxonomy)), 2),
        "trend_model_load_ms": round(median_ms(lambda: TrendModel.load(path)), 2),
        "embed_one_query_ms": round(median_ms(lambda: encoder.encode_queries(["tillit till kommunen"])), 2),
        "model_file_bytes": path.stat().st_size,
    }
    out["load_or_train_vs_one_query"] = round(out["load_or_train_ms"] / out["embed_one_query_ms"], 3)
    print(json.dumps(out, indent=2))
    (ROOT / "bench" / "results" / "trend_model_load.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
