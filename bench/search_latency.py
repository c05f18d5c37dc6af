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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import search_latencies  # noqa: E402

from scan.search import search  # noqa: E402
from scan.session import open_index  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    index, encoder = open_index(args.index)
    search(index, encoder, "uppvärmning")  # warm up (reads the vectors once)
    out = search_latencies(index, encoder, args.rounds)
    base = out["numpy brute force (baseline)"]["p50_ms"]
    for mode in ("hybrid", "dense", "keyword"):
        out[mode]["p50_ratio_to_baseline"] = round(out[mode]["p50_ms"] / base, 2)
    print(json.dumps({"index": str(args.index), "passages": len(index), "search": out}, indent=2))


if __name__ == "__main__":
    main()
