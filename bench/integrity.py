"""Benchmark: what the checksums cost when an index is opened, as a ratio to opening it without them.

    python bench/integrity.py [--size N]

Ingests the shipped corpus with the `hash` encoder at the default encoder's dimension (384, so the
files are the size of the real index), then times `Index.open` + close, with the checksum check
(what every command does) and with it switched off (the baseline), alternating, and the full
`scan info --check`. With --size N, N random passages are added first (a larger index).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from scan import integrity
from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.store import FORMAT, Index, IndexWriter
from scan.types import Document, Passage

ROOT = Path(__file__).resolve().parent.parent


def _grow(idx: Path, n: int, dim: int) -> None:
    rng = np.random.default_rng(0)
    with IndexWriter(idx, f"hash-{dim}", dim, {}) as writer:
        for d in range(0, n, 1000):
            count = min(1000, n - d)
            text = " ".join(f"ord{i}" for i in range(count))
            doc = Document(f"synt-{d}", f"synt-{d}.txt", "synt", text, (), "0", "text")
            passages = [Passage(doc.doc_id, i, f"ord{i}", 0, 1) for i in range(count)]
            vectors = rng.standard_normal((count, dim)).astype(np.float32)
            writer.add(doc, passages, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        writer.commit()


def _time(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=0, help="random passages to add")
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        idx = Path(tmp) / "idx"
        ingest([ROOT / "corpus"], idx, HashEncoder(384))
        if args.size:
            _grow(idx, args.size, 384)
        size = Index.open(idx).size_on_disk()
        real = integrity.check_files

        def open_close() -> None:
            Index.open(idx).close()

        with_check = _time(open_close, args.reps)
        integrity.check_files = lambda *a: None  # the baseline: no checksums
        without = _time(open_close, args.reps)
        integrity.check_files = real
        full = _time(lambda: integrity.full_check(idx, FORMAT), max(3, args.reps // 5))
    print(f"index: {size / 1e6:.1f} MB on disk")
    print(f"Index.open without checksums: {without * 1e3:.2f} ms (baseline)")
    print(f"Index.open with checksums:    {with_check * 1e3:.2f} ms ({with_check / without:.2f}x)")
    print(f"scan info --check (full):     {full * 1e3:.2f} ms ({full / without:.2f}x)")


if __name__ == "__main__":
    main()
