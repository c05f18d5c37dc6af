"""How many CPU threads scan uses, and how the libraries under it are told.

Two settings, chosen for small shared machines (measured in bench/threads.py):

- Per operation, numpy's BLAS, FAISS and torch run on ONE thread (OMP_NUM_THREADS,
  OPENBLAS_NUM_THREADS and MKL_NUM_THREADS default to 1, set when scan is imported, before
  numpy loads). A query is a handful of small matrix products: splitting each across cores costs
  more in hand-offs than it saves, and on a busy machine OpenBLAS's waiting threads made one
  query encoding 20 times slower. Set those variables yourself to override.
- Batches (ingest, classification) are encoded by several workers in parallel, each on its own
  batch: `--threads N` or $SCAN_THREADS, default the CPUs this process may use (at most 8).
  A sentence-transformers encoder gets the same number as torch's thread count for batches.
"""

from __future__ import annotations

import os

ENV = "SCAN_THREADS"
PER_OPERATION = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
MAX_DEFAULT = 8


def pin_per_operation() -> None:
    """One thread per library operation unless the user chose otherwise (effective before numpy loads)."""
    for var in PER_OPERATION:
        os.environ.setdefault(var, "1")


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def threads() -> int:
    """Workers for batch encoding: $SCAN_THREADS if set to a positive number, else the usable CPUs (at most 8)."""
    value = os.environ.get(ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return max(1, min(cpus(), MAX_DEFAULT))


def check(value: int | None) -> None:
    """Apply a --threads option (None leaves $SCAN_THREADS or the default)."""
    from scan.errors import ScanError

    if value is None:
        return
    if value < 1:
        raise ScanError(
            f"--threads must be at least 1, not {value}",
            "give the number of CPU threads scan may use, e.g. --threads 2",
        )
    os.environ[ENV] = str(value)
