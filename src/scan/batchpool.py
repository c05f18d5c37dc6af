"""Batches of the default model encoded by a pool of workers that never waits between calls.

`NumpyBert.encode` splits one call into batches, runs them on its workers and returns when the
last one is done: between two calls, and while the last batch of a call runs, a worker is idle.
Ingest makes many such calls (the passages of a few documents, then their sentences), so on a
2-core machine one core often waited for the other. A `BatchPool` keeps one set of workers for a
whole ingest: `submit(texts)` tokenises, sorts by length, cuts into batches (an even number per
job, about equal in tokens, so the workers finish a job together) and queues them at once;
`Job.result()` waits for that job's batches only. Jobs run in the order submitted.

A job's batches depend only on its texts, so the vectors of an ingest do not depend on timing.
Float32 (`SCAN_PRECISION=fp32`) vectors match a differently batched `encode_passages` to the last
bit or so (on the shipped corpus: all bit-identical); bfloat16 vectors differ from a differently
batched call within bfloat16's rounding (cosine ≥ 0.9999 to float32; tests/test_batchpool.py).

A worker's error is kept in its batch's future and raised by `Job.result()`, in the thread that
asks for the vectors (ingest raises it there, before anything is written).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

TOKENS_PER_BATCH = 4096  # as scan.npbert: large products, bounded memory


def plan(lengths: Sequence[int], workers: int, most: int = TOKENS_PER_BATCH) -> list[list[int]]:
    """Indices of the sequences, sorted by length and cut into batches of about equal tokens (about
    `most` at most: a batch ends past the sequence that crosses its share), their number a multiple
    of `workers` when there are enough sequences.

    >>> plan([5, 1, 3, 2], 2, most=8)
    [[1, 3, 2], [0]]
    >>> plan([4, 4, 4], 1, most=8)
    [[0], [1, 2]]
    """
    order = sorted(range(len(lengths)), key=lambda j: (lengths[j], j))
    total = sum(lengths)
    count = max(1, -(-total // most))
    count = max(1, min(len(order), -(-count // workers) * workers))
    share = total / count
    batches: list[list[int]] = [[] for _ in range(count)]
    done = 0
    for j in order:
        batches[min(count - 1, int((done + lengths[j] / 2) / share))].append(j)  # by the sequence's middle
        done += lengths[j]
    return [b for b in batches if b] or [[]]


class Job:
    """The vectors of one `submit`, in the order of its texts."""

    def __init__(self, count: int, dimension: int, batches: list[list[int]], futures: list[Future]) -> None:
        self.count = count
        self._dimension = dimension
        self._batches = batches
        self._futures = futures
        self._vectors: np.ndarray | None = None

    def done(self) -> bool:
        return all(f.done() for f in self._futures)

    def result(self) -> np.ndarray:
        """Wait for the job's batches; a worker's error is raised here."""
        if self._vectors is None:
            out = np.zeros((self.count, self._dimension), dtype=np.float32)
            for batch, future in zip(self._batches, self._futures):
                out[batch] = future.result()
            self._vectors = out
        return self._vectors


class BatchPool:
    """`pool = BatchPool.for_encoder(encoder)` (None for an encoder it cannot drive: encode those
    the usual way); `job = pool.submit(texts, when_done)`; `job.result()`; `pool.close()`."""

    def __init__(self, model, prefix: str, forward_for: Callable[[int], Callable | None], workers: int) -> None:
        self.model = model
        self.prefix = prefix
        self.forward_for = forward_for  # count -> the forward pass for a call of that many texts (None: float32)
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="scan-encode")
        self._lock = threading.Lock()

    @classmethod
    def for_encoder(cls, encoder, workers: int | None = None) -> BatchPool | None:
        """A pool for the default model (scan.embed.NumpyE5Encoder); None for any other encoder."""
        from scan.embed import NumpyE5Encoder

        if not isinstance(encoder, NumpyE5Encoder):
            return None
        from scan.threads import threads

        return cls(encoder.model, encoder.passage_prefix, encoder.batch_forward, workers or threads())

    def submit(self, texts: Sequence[str], when_done: Callable[[], None] | None = None) -> Job:
        """Queue the passage vectors of `texts` (the passage prefix is added here); `when_done` is
        called (in a worker) once all of the job's batches are done, also after an error."""
        dimension = self.model.hidden
        if not len(texts):
            job = Job(0, dimension, [], [])
            if when_done is not None:
                when_done()
            return job
        seqs = self.model.token_ids([self.prefix + t for t in texts])
        forward = self.forward_for(len(texts)) or self.model.embed_ids
        batches = plan([len(s) for s in seqs], self.workers)
        left = [len(batches)]

        def finished(_: Future) -> None:
            with self._lock:
                left[0] -= 1
                last = left[0] == 0
            if last and when_done is not None:
                when_done()

        futures = []
        for batch in batches:
            future = self._pool.submit(forward, [seqs[b] for b in batch])
            future.add_done_callback(finished)
            futures.append(future)
        return Job(len(texts), dimension, batches, futures)

    def close(self) -> None:
        """Drop the batches not yet started (after an error); the ones running end on their own."""
        self._pool.shutdown(wait=False, cancel_futures=True)
