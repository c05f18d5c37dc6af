"""English queries to a Swedish analysis: the glossary's keyword weight and pseudo-relevance feedback,
measured on the mixed-library evaluation (issue 9, item 2; README "Mixed library", "An English
question, Swedish keywords").

Each index is one that `scan eval mixed` built and kept (--index DIR); this script only searches it,
with the queries' vectors computed once per run and reused by every variant:

    python bench/glossary_bridge.py --index MIXED --index CORPUS_PDFS --index CORPUS_ALONE

A variant is `base` (no glossary bonus, no feedback), `g:W` (the glossary's Swedish words as a
keyword bonus of weight W for English queries, scan.glossary.WEIGHT), `f:BETA:M` (the English query
moved towards the centred mean of its M best Swedish passages by BETA, scan.crosslingual's
FEEDBACK_*; measured, not shipped), or both joined by `+`. Only the dev half is printed unless
`--split test` is given (the test half is looked at once, at the end). `--latency` times English
queries with and without the shipped glossary bonus instead (vectors computed beforehand,
alternating rounds, median; the ratio is what to quote).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from scan import crosslingual, evalmixed, glossary, relevance
from scan.search import search
from scan.session import open_index

VARIANTS = ("base", "g:0.02", "g:0.03", "g:0.05", "g:0.07", "g:0.1", "f:0.25:3", "f:0.5:3", "g:0.05+f:0.25:3")


class CachedEncoder:
    """The index's encoder, each query encoded once per run."""

    def __init__(self, encoder) -> None:
        self.encoder, self.name, self.dimension = encoder, encoder.name, encoder.dimension
        self.cache: dict[str, np.ndarray] = {}

    def encode_queries(self, texts):
        return np.vstack([self.cache.setdefault(t, self.encoder.encode_queries([t])[0]) for t in texts])


def _set(variant: str) -> None:
    glossary.WEIGHT, crosslingual.FEEDBACK_BETA = 0.0, 0.0
    for part in variant.split("+"):
        bits = part.split(":")
        if bits[0] == "g":
            glossary.WEIGHT = float(bits[1])
        elif bits[0] == "f":
            crosslingual.FEEDBACK_BETA, crosslingual.FEEDBACK_M = float(bits[1]), int(bits[2])
        elif bits[0] != "base":
            raise SystemExit(f"unknown variant {variant!r}")


def figures(index_dir: Path, variants: list[str], split: str) -> None:
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    needs, off = evalmixed.load_mixed(evalmixed.default_mixed_file())
    needs = [n for n in needs if n.split == split]
    off = [o for o in off if o.split == split]
    shipped = glossary.WEIGHT, crosslingual.FEEDBACK_BETA, crosslingual.FEEDBACK_M
    for variant in variants:
        _set(variant)
        r = evalmixed.evaluate_mixed(
            index, lambda q: search(index, cached, q, k=5), needs, off, relevance.FLOOR, relevance.GAP
        )
        for lang in ("sv", "en"):
            m = r["languages"][lang][split]
            o = m["offtopic_queries"]
            print(
                f"{index_dir.name:8s} {split} {variant:16s} {lang} off@5 {100 * m['offtopic@5']:5.1f}"
                f" offans {100 * (m['offtopic_answers'] or 0):4.1f} ch1 {100 * m['chapter@1']:5.1f}"
                f" ch5 {100 * m['chapter@5']:5.1f} doc5 {100 * (m['doc@5'] or 0):5.1f}"
                f" answered {100 * m['above_floor']:5.1f} refused {100 * o['no_hits']:5.1f}",
                flush=True,
            )
    glossary.WEIGHT, crosslingual.FEEDBACK_BETA, crosslingual.FEEDBACK_M = shipped
    index.close()


def latency(index_dir: Path, rounds: int) -> None:
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    queries = [n.en for n in needs if n.split == "dev"][:8]
    shipped = glossary.WEIGHT
    for q in queries:
        search(index, cached, q)  # encode once, read the vectors once
    times: dict[float, list[float]] = {0.0: [], shipped: []}
    for _ in range(rounds):
        for weight in (0.0, shipped):
            glossary.WEIGHT = weight
            start = time.perf_counter()
            for q in queries:
                search(index, cached, q)
            times[weight].append((time.perf_counter() - start) / len(queries) * 1000)
    glossary.WEIGHT = shipped
    before, after = statistics.median(times[0.0]), statistics.median(times[shipped])
    print(
        f"{index_dir.name}: {len(queries)} English queries, vectors computed beforehand, median of {rounds} rounds:"
        f" {before:.1f} ms without the glossary bonus, {after:.1f} ms with it (ratio {after / before:.2f})"
    )
    index.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, action="append", required=True)
    parser.add_argument("--variant", action="append", help=f"default: {' '.join(VARIANTS)}")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for index_dir in args.index:
        if args.latency:
            latency(index_dir, args.rounds)
        else:
            figures(index_dir, args.variant or list(VARIANTS), args.split)


if __name__ == "__main__":
    main()
