"""The vectors of one ingest run (passages and quote units), computed while documents are still read.

Reading a document (pypdf, spaCy's sentencizer) is Python that holds the GIL; encoding is numpy
and torch matrix products that release it. So `VectorRun` encodes in a background thread while
ingest reads: each document's passages and quote units are queued with `add`, and as soon as
ROUND passages are waiting the thread encodes them (the model, and torch for bfloat16 batches,
are loaded in that thread at the start, while the first files are read).

Quote units (scan.sentences), each by the first rule that applies:
- a unit that is its whole passage takes the passage's vector (the same text, the same vector);
- with late chunking (`late=True` and an encoder that gives token states: the default model),
  a unit inside its passage is pooled from the passage's own forward pass (scan.latechunk);
- the rest (a unit joined to the previous passage's last sentence, one past the model's
  512 tokens, any unit of another encoder) is encoded on its own, each distinct text once.

With the default model (and late chunking off) a round's passages and its units to encode go to
the workers of one `scan.batchpool.BatchPool` as one job, queued without waiting for the
previous round: the workers stay busy from the first round to the last, and the vectors are
collected in `finish`.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np

from scan.batchpool import BatchPool, Job
from scan.embed import Encoder
from scan.sentences import Unit
from scan.types import Passage

logger = logging.getLogger(__name__)
ROUND = 96  # passages per encoder call: enough tokens for full batches on every worker, an early first round


def import_batch_runtime(encoder: Encoder) -> None:
    """Load spaCy (scan.split's sentencizer) in this, the reading thread, before the encoding thread
    starts importing torch for bfloat16 batches. Two threads importing torch at once (the reading
    thread through spaCy's thinc, which imports torch when it is installed and not yet hidden, the
    encoding thread for its batches) crashed about one ingest in two (a segmentation fault or "Only
    a single TORCH_LIBRARY can be used to register the namespace triton"). spaCy loaded first, with
    torch hidden, leaves torch to the encoding thread alone, which imports it (about 1.8 s of CPU)
    while the first files are read instead of before."""
    precision = getattr(encoder, "batch_precision", None)
    if precision is not None and precision() == "bf16" and "torch" not in sys.modules:
        from scan.split import sentencizer

        sentencizer()


class VectorRun:
    """`run = VectorRun(encoder); run.add(passages, units) ...; vectors = run.finish()`; `close()` always."""

    def __init__(self, encoder: Encoder, batch_size: int = 32, late: bool | None = None, warm: bool = True) -> None:
        self.encoder = encoder
        self.batch_size = batch_size
        self.warm = warm  # load the model's batch runtime at once (torch), before any text arrives
        if late is None:
            late = os.environ.get("SCAN_LATE_CHUNKING", "0") == "1"
        self.late = late and hasattr(encoder, "encode_passages_with_units")
        self.counts: Counter[str] = Counter()  # how quote units got their vectors
        self.started = time.monotonic()
        self._docs: list[tuple[Sequence[Passage], Sequence[Unit]]] = []
        self._out: list[tuple[np.ndarray, np.ndarray] | None] = []
        self._encoded: dict[str, np.ndarray] = {}  # units encoded on their own, by text
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._done = 0  # passages with vectors
        self._bar = None
        self._error: BaseException | None = None
        self._stop = False
        self._pool: BatchPool | None = None  # set in the thread (the default model, no late chunking)
        self._jobs: list[tuple[list[int], dict[int, int], Job, list, list]] = []  # rounds queued on the pool
        self._queued: dict[str, tuple[Job, int]] = {}  # unit texts queued on the pool: (job, row)
        if warm:
            import_batch_runtime(encoder)
        self._thread = threading.Thread(target=self._work, name="scan-ingest-encode", daemon=True)
        self._thread.start()

    def add(self, passages: Sequence[Passage], units: Sequence[Unit]) -> None:
        """Queue one document's passages and quote units (its vectors come back in `finish`, in order)."""
        self._queue.put((passages, units))

    def finish(self, bar=None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Wait for every vector: for each document added, (passage vectors, unit vectors). `bar`
        (a scan.progress.Progress over the passages) is advanced from the run's start."""
        with self._lock:
            if bar is not None:
                bar.start = self.started
                bar.update(self._done)
            self._bar = bar
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        for docs, first, job, whole, alone in self._jobs:  # a worker's error is raised here
            self._collect(docs, first, job, whole, alone)
        if self.counts:
            logger.info("quote units: %s", ", ".join(f"{v} {k}" for k, v in sorted(self.counts.items())))
        return [v for v in self._out if v is not None]

    def close(self) -> None:
        """Stop the thread (after an error while reading); nothing is kept."""
        self._stop = True
        self._queue.put(None)
        self._thread.join(timeout=5)  # a daemon: a round in flight ends on its own
        if self._pool is not None:
            self._pool.close()

    def _advance(self, n: int) -> None:
        with self._lock:
            self._done += n
            if self._bar is not None:
                self._bar.update(n)

    def _work(self) -> None:
        try:
            prepare = getattr(self.encoder, "batch_forward", None)
            if prepare is not None and self.warm:
                prepare()  # import torch and convert the model while the first files are read
            if not self.late:
                self._pool = BatchPool.for_encoder(self.encoder)
            waiting: list[int] = []
            while not self._stop:
                item = self._queue.get()
                if item is None:
                    break
                self._docs.append(item)
                self._out.append(None)
                waiting.append(len(self._docs) - 1)
                if sum(len(self._docs[d][0]) for d in waiting) >= ROUND:
                    self._round(waiting)
                    waiting = []
            if waiting and not self._stop:
                self._round(waiting)
        except BaseException as exc:  # re-raised in the reading thread by finish()
            self._error = exc

    def _round(self, docs: list[int]) -> None:
        passages = [p for d in docs for p in self._docs[d][0]]
        first, at = {}, 0  # document -> index of its first passage in `passages`
        for d in docs:
            first[d] = at
            at += len(self._docs[d][0])
        unit_vectors = {d: np.full((len(self._docs[d][1]), self.encoder.dimension), np.nan, np.float32) for d in docs}
        inside: list[list[tuple[int, int]]] = [[] for _ in passages]  # late-chunking spans per passage
        slots: list[tuple[int, int, int]] = []  # (document, unit, passage in this round) for each span
        whole: list[tuple[int, int, int]] = []
        alone: list[tuple[int, int]] = []
        for d in docs:
            doc_passages, units = self._docs[d]
            for i, u in enumerate(units):
                p = doc_passages[u.passage]
                if (u.start, u.end) == (p.start, p.end):
                    whole.append((d, i, first[d] + u.passage))
                elif self.late and p.start <= u.start and u.end <= p.end:
                    inside[first[d] + u.passage].append((u.start - p.start, u.end - p.start))
                    slots.append((d, i, first[d] + u.passage))
                else:
                    alone.append((d, i))
        texts = [p.text for p in passages]
        if self._pool is not None:
            self._submit(docs, first, texts, whole, alone)
            return
        pooled = self.encoder.encode_passages_with_units(texts, inside) if slots else None  # type: ignore[attr-defined]
        if pooled is None:
            vectors = (
                self.encoder.encode_passages(texts, self.batch_size)
                if texts
                else np.zeros((0, self.encoder.dimension), np.float32)
            )
            alone.extend((d, i) for d, i, _ in slots)
        else:
            vectors, per_passage = pooled
            taken = [iter(v) for v in per_passage]
            for d, i, at in slots:
                vector = next(taken[at])
                if vector is None:
                    alone.append((d, i))
                else:
                    unit_vectors[d][i] = vector
                    self.counts["pooled from their passage (late chunking)"] += 1
        for d, i, at in whole:
            unit_vectors[d][i] = vectors[at]
            self.counts["whole passages (the passage's vector)"] += 1
        self._encode_alone(alone, unit_vectors)
        for d in docs:
            self._out[d] = (vectors[first[d] : first[d] + len(self._docs[d][0])], unit_vectors[d])
        self._advance(len(passages))

    def _encode_alone(self, alone: list[tuple[int, int]], unit_vectors: dict[int, np.ndarray]) -> None:
        """Units encoded on their own; a text already encoded in this run is not encoded again."""
        new = list(dict.fromkeys(t for d, i in alone if (t := self._docs[d][1][i].text) not in self._encoded))
        if new:
            for text, vector in zip(new, self.encoder.encode_passages(new, self.batch_size)):
                self._encoded[text] = vector
        self.counts["encoded on their own"] += len(new)
        self.counts["same text as another unit"] += len(alone) - len(new)
        for d, i in alone:
            unit_vectors[d][i] = self._encoded[self._docs[d][1][i].text]

    def _submit(self, docs: list[int], first: dict[int, int], texts: list[str], whole: list, alone: list) -> None:
        """Queue a round on the pool: its passages and its units' texts not queued before, one job."""
        new = list(dict.fromkeys(t for d, i in alone if (t := self._docs[d][1][i].text) not in self._queued))
        count = len(texts)
        job = self._pool.submit(texts + new, lambda: self._advance(count))  # type: ignore[union-attr]
        for row, text in enumerate(new, start=len(texts)):
            self._queued[text] = (job, row)
        self.counts["encoded on their own"] += len(new)
        self.counts["same text as another unit"] += len(alone) - len(new)
        self.counts["whole passages (the passage's vector)"] += len(whole)
        self._jobs.append((docs, first, job, whole, alone))

    def _collect(self, docs: list[int], first: dict[int, int], job: Job, whole: list, alone: list) -> None:
        """The vectors of a round queued on the pool, once its job is done."""
        vectors = job.result()
        unit_vectors = {d: np.full((len(self._docs[d][1]), self.encoder.dimension), np.nan, np.float32) for d in docs}
        for d, i, at in whole:
            unit_vectors[d][i] = vectors[at]
        for d, i in alone:
            other, row = self._queued[self._docs[d][1][i].text]
            unit_vectors[d][i] = other.result()[row]
        for d in docs:
            self._out[d] = (vectors[first[d] : first[d] + len(self._docs[d][0])], unit_vectors[d])
