"""The vector index, chosen by size: exact below `APPROX_FROM` passages, approximate above.

- exact: ``IndexIDMap2(IndexFlatIP)``, every passage compared with the query. Results are exact.
- approximate: ``IndexIVFFlat`` (inner product) with a hash-table direct map. The passages are
  grouped around `nlist` k-means centroids; a search compares the query with the passages of the
  `nprobe` nearest groups only. Scores of the passages it returns are exact cosines (the vectors
  are stored uncompressed); only the candidate set is approximate. IVF was chosen over HNSW
  because it can delete and replace vectors in place (`remove_ids`), which incremental ingest
  does for every changed document; HNSW cannot delete, so every update would mean a full rebuild.
  bench/scale.py measures both.

Filters never reconstruct vectors: they are FAISS ID selectors passed as search parameters, so
FAISS skips other passages while it scans (a bitmap over passage ids: one bit test each). Under a
filter allowing a share s of the passages the approximate index probes 1/sqrt(s) times as many
groups (the allowed nearest neighbours lie further out), up to all of them: an exact scan.

The writer calls `fit` before every commit: it converts the index when it crosses the threshold,
and re-trains the centroids when the index has grown `RETRAIN_GROWTH`-fold since they were trained.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

APPROX_FROM = 150_000  # passages; below this every search is exact (exact flat: ~0.12 ms per 1,000)
EXACT_AGAIN_BELOW = APPROX_FROM // 2  # an approximate index shrunk below this goes back to exact
RETRAIN_GROWTH = 4  # re-train the centroids once the index is this many times larger than when trained
TRAIN_PER_LIST = 40  # training sample: this many vectors per centroid (at most all of them)
NPROBE_SHARE = 1 / 32  # groups probed per query, as a share of all groups (recall@10 >= 0.95: bench/scale.py)
THREADS_ENV = "SCAN_FAISS_THREADS"  # threads FAISS may use; default 1 (faster for one query, bench/scale.py)


def set_threads() -> None:
    """FAISS threads: SCAN_FAISS_THREADS, default 1. One query at a time gains nothing from more
    threads on a small machine, and OpenMP's waiting threads cost time when the cores are busy."""
    import faiss

    value = os.environ.get(THREADS_ENV, "").strip()
    faiss.omp_set_num_threads(int(value) if value.isdigit() and int(value) > 0 else 1)


def nlist_for(n: int) -> int:
    """Number of IVF groups for n vectors: about 2·sqrt(n), a power of two."""
    return 1 << max(4, round(math.log2(2 * math.sqrt(max(n, 1)))))


def nprobe_for(nlist: int) -> int:
    return max(1, math.ceil(nlist * NPROBE_SHARE))


def new_exact(dimension: int):
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def is_approximate(index) -> bool:
    import faiss

    return isinstance(index, faiss.IndexIVF)


def describe(index, trained_on: int | None = None) -> dict[str, Any]:
    """What the manifest records about the vector index."""
    if is_approximate(index):
        return {
            "type": "IVFFlat",
            "metric": "inner_product",
            "nlist": int(index.nlist),
            "nprobe": nprobe_for(int(index.nlist)),
            "trained_on": trained_on,
            "approximate_from": APPROX_FROM,
        }
    return {"type": "Flat", "metric": "inner_product", "approximate_from": APPROX_FROM}


def _all_vectors(index) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, ids) of every passage in the index, in storage order."""
    import faiss

    n = int(index.ntotal)
    if is_approximate(index):
        invlists = index.invlists
        vectors, ids = [], []
        for lst in range(index.nlist):
            size = invlists.list_size(lst)
            if size:
                codes = faiss.rev_swig_ptr(invlists.get_codes(lst), size * index.code_size)
                vectors.append(np.frombuffer(bytes(codes), dtype=np.float32).reshape(size, index.d))
                ids.append(faiss.rev_swig_ptr(invlists.get_ids(lst), size).copy())
        if not vectors:
            return np.zeros((0, index.d), dtype=np.float32), np.zeros(0, dtype=np.int64)
        return np.vstack(vectors), np.concatenate(ids)
    flat = faiss.downcast_index(index.index)
    vectors = faiss.rev_swig_ptr(flat.get_xb(), n * index.d).reshape(n, index.d).copy()
    return vectors, faiss.vector_to_array(index.id_map).astype(np.int64)


def build_approximate(vectors: np.ndarray, ids: np.ndarray, nlist: int | None = None, seed: int = 0):
    """An IVFFlat index over the given vectors (k-means trained on a sample of them)."""
    import faiss

    n, d = vectors.shape
    nlist = nlist or min(nlist_for(n), max(1, n // TRAIN_PER_LIST))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = vectors
    if n > TRAIN_PER_LIST * nlist:
        rows = np.random.default_rng(seed).choice(n, TRAIN_PER_LIST * nlist, replace=False)
        sample = vectors[np.sort(rows)]
    index.cp.seed = seed
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    for lo in range(0, n, 100_000):
        index.add_with_ids(
            np.ascontiguousarray(vectors[lo : lo + 100_000], dtype=np.float32),
            np.ascontiguousarray(ids[lo : lo + 100_000], dtype=np.int64),
        )
    index.nprobe = nprobe_for(nlist)
    return index


def fit(index, trained_on: int | None = None) -> tuple[Any, int | None]:
    """(index, trained_on): the index the writer should save for its current size (the same one or
    a converted one), and the size its centroids were trained at (None for an exact index).

    `trained_on` is what the manifest recorded for the index as it was read."""
    n = int(index.ntotal)
    if is_approximate(index):
        if n < EXACT_AGAIN_BELOW:
            vectors, ids = _all_vectors(index)
            exact = new_exact(index.d)
            if n:
                exact.add_with_ids(vectors, ids)
            return exact, None
        if not trained_on or n >= RETRAIN_GROWTH * trained_on:
            return build_approximate(*_all_vectors(index)), n
        return index, trained_on
    if n >= APPROX_FROM:
        return build_approximate(*_all_vectors(index)), n
    return index, None


def search(index, query: np.ndarray, k: int, allowed: list[int] | np.ndarray | None = None) -> list[tuple[int, float]]:
    """(passage id, cosine) of the k nearest passages, among `allowed` (a list or array of ids) if given."""
    import faiss

    n = int(index.ntotal)
    if n == 0 or (allowed is not None and len(allowed) == 0):
        return []
    x = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    selector, bitmap = None, None
    if allowed is not None:
        ids = np.asarray(allowed, dtype=np.int64)
        if ids.min() >= 0:  # a bitmap over passage ids: one bit test per passage scanned
            bits = np.zeros(int(ids.max()) + 1, dtype=bool)
            bits[ids] = True
            bitmap = np.packbits(bits, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))
        else:
            selector = faiss.IDSelectorBatch(ids)
        k = min(k, len(allowed))
    k = min(k, n)
    if is_approximate(index):
        nprobe = nprobe_for(index.nlist)
        if allowed is not None:  # the allowed neighbours lie further out: probe more groups
            nprobe = min(index.nlist, math.ceil(nprobe / math.sqrt(max(1, len(allowed)) / n)))
        params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe) if selector else None
        params = params or faiss.SearchParametersIVF(nprobe=nprobe)
        scores, ids = index.search(x, k, params=params)
    elif selector is not None:
        scores, ids = index.search(x, k, params=faiss.SearchParameters(sel=selector))
    else:
        scores, ids = index.search(x, k)
    del bitmap  # (kept alive until FAISS has finished with it)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
