"""The ingest's encoding workers (scan.batchpool, scan.ingestvectors): the batch plan, the same
vectors as the single-thread path, a deterministic result, errors in a worker, and no quote units
for passages that quotes never show."""

from __future__ import annotations

import threading
import zlib

import numpy as np
import pytest
from test_bf16bert import _tiny

from scan.batchpool import BatchPool, plan
from scan.embed import NumpyE5Encoder
from scan.ingestvectors import VectorRun
from scan.kinds import annotate
from scan.npbert import NumpyBert
from scan.sentences import quote_units
from scan.types import Passage

TEXTS = [
    "Tilliten minskar i hela landet.",
    "Fler arbetar hemifrån, och kommunen behöver fler undersköterskor de kommande åren.",
    "Kort.",
    "Andelen äldre ökar snabbt " * 6,
    "Klimatet förändras och det påverkar planeringen av vatten och avlopp i kommunen.",
    "Ny teknik ger nya möjligheter.",
    "Segregationen ökar.",
    "Det regnar mer än förr, och skyfallen blir fler.",
    "En mening till om arbetsmarknaden.",
]


class _Model:
    """A tiny random BERT (tests/test_npbert.py) with a word-hash tokenizer: NumpyBert's interface."""

    def __init__(self, bert: NumpyBert) -> None:
        self.bert = bert
        self.hidden = bert.hidden
        self.embed_ids = bert.embed_ids

    def token_ids(self, texts):
        return [
            np.array([0] + [2 + zlib.crc32(w.encode()) % 95 for w in t.split()][:40] + [1], dtype=np.int64)
            for t in texts
        ]

    def encode(self, texts, workers=None, progress=None, forward=None, spans=None):
        return (forward or self.embed_ids)(self.token_ids(texts))  # one batch, one thread


class _TinyE5(NumpyE5Encoder):
    """The default encoder's class around the tiny model (float32), optionally with a broken forward pass."""

    def __init__(self, model: _Model, broken: bool = False) -> None:
        self.model = model  # type: ignore[assignment]
        self.name, self.dimension = "tiny-e5", model.hidden
        self.query_prefix, self.passage_prefix = "query: ", "passage: "
        self._batch_forward = None
        self.broken = broken

    def batch_precision(self) -> str:
        return "fp32"

    def batch_forward(self, count: int = 8):
        if not self.broken:
            return None

        def fail(seqs):
            raise RuntimeError("worker out of memory")

        return fail


@pytest.fixture
def tiny(tmp_path) -> _Model:
    return _Model(_tiny(tmp_path))


def test_the_plan_takes_every_sequence_once_by_length_in_a_multiple_of_the_workers():
    rng = np.random.default_rng(7)
    for _ in range(200):
        lengths = [int(n) for n in rng.integers(1, 300, int(rng.integers(1, 80)))]
        workers = int(rng.integers(1, 4))
        batches = plan(lengths, workers, most=1000)
        assert sorted(j for b in batches for j in b) == list(range(len(lengths)))
        flat = [lengths[j] for b in batches for j in b]
        assert flat == sorted(flat)  # sorted by length: little padding in a batch
        assert all(sum(lengths[j] for j in b) <= 1000 + max(lengths) for b in batches)
        if len(lengths) >= 2 * workers and max(lengths) * 2 < sum(lengths) / len(batches):
            assert len(batches) % workers == 0, (lengths, workers, batches)
    assert plan([], 2) == [[]]


def test_pool_vectors_equal_the_single_thread_path_and_do_not_depend_on_timing(tiny):
    texts = TEXTS * 5
    pool = BatchPool(tiny, "passage: ", lambda n: None, workers=2)
    try:
        first = pool.submit(texts).result()
        second = pool.submit(texts).result()
        jobs = [pool.submit(texts[i : i + 7]) for i in range(0, len(texts), 7)]  # queued at once
        parts = np.vstack([j.result() for j in jobs])
    finally:
        pool.close()
    single = tiny.encode(["passage: " + t for t in texts])  # all in one batch, one thread
    np.testing.assert_allclose(first, single, rtol=0, atol=1e-6)  # float32: batching moves the last bit at most
    np.testing.assert_allclose(parts, first, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(second, first)  # the same job twice: the same batches, the same bits


def test_bf16_pool_agrees_with_float32_and_is_deterministic(tiny):
    pytest.importorskip("torch")
    from scan.bf16bert import Bf16Forward

    forward = Bf16Forward(tiny.bert)
    pool = BatchPool(tiny, "passage: ", lambda n: forward, workers=2)
    try:
        a = pool.submit(TEXTS * 4).result()
        b = pool.submit(TEXTS * 4).result()
    finally:
        pool.close()
    exact = tiny.encode(["passage: " + t for t in TEXTS * 4])
    assert (a * exact).sum(axis=1).min() > 0.999
    np.testing.assert_array_equal(a, b)  # same texts, same batches, same vectors


def test_a_worker_error_is_raised_by_result_and_the_job_still_finishes(tiny):
    calls = []

    def broken(seqs):
        if any(len(s) > 10 for s in seqs):
            raise RuntimeError("worker out of memory")
        return tiny.embed_ids(seqs)

    pool = BatchPool(tiny, "passage: ", lambda n: broken, workers=2)
    done = threading.Event()
    try:
        job = pool.submit(TEXTS * 3, lambda: (calls.append(1), done.set()))
        with pytest.raises(RuntimeError, match="worker out of memory"):
            job.result()
        assert done.wait(10) and calls == [1]  # progress is told once, also after an error
    finally:
        pool.close()


def test_vector_run_through_the_pool_gives_the_vectors_of_the_one_call_path(tiny, monkeypatch):
    encoder = _TinyE5(tiny)
    docs = []
    for d in range(4):
        passages = [
            Passage(doc_id=f"d{d}", seq=i, text=t, start=100 * i, end=100 * i + len(t), heading=("H",))
            for i, t in enumerate(TEXTS[d:] + TEXTS[:d])
        ]
        units = quote_units("".join(p.text.ljust(100) for p in passages), passages)
        docs.append((passages, units))

    def run() -> list:
        vr = VectorRun(encoder, warm=False)
        try:
            for passages, units in docs:
                vr.add(passages, units)
            return vr.finish()
        finally:
            vr.close()

    pooled = run()
    monkeypatch.setattr(BatchPool, "for_encoder", classmethod(lambda cls, encoder, workers=None: None))
    plain = run()  # the round-by-round path (encode_passages per round)
    assert len(pooled) == len(plain) == 4
    for (p1, u1), (p2, u2) in zip(pooled, plain):
        np.testing.assert_allclose(p1, p2, rtol=0, atol=1e-6)
        np.testing.assert_allclose(u1, u2, rtol=0, atol=1e-6)
        assert not np.isnan(u1).any()


def test_a_worker_error_fails_the_ingest_and_leaves_the_index_alone(mini, tmp_path, tiny):
    from scan.ingest import ingest
    from scan.store import Index

    ingest([mini], tmp_path / "idx", _TinyE5(tiny))
    before = Index.live_generation(tmp_path / "idx")
    (mini / "new.md").write_text("# Ny\n\nEn helt ny text om tillit och arbete i kommunen.\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="worker out of memory"):
        ingest([mini], tmp_path / "idx", _TinyE5(tiny, broken=True))
    assert Index.live_generation(tmp_path / "idx") == before
    index = Index.open(tmp_path / "idx")
    try:
        assert "new.md" not in {d.doc_id for d in index.documents()}
    finally:
        index.close()


def test_tables_and_boilerplate_get_no_quote_units():
    prose = "Tilliten minskar i hela landet. Fler arbetar hemifrån än för tio år sedan."
    table = "Alingsås 12 345 1 234 0 56 789\nLerum 2 345 123 0 7 89\nBorås 3 456 234 1 8 90"
    notice = "Copyright © 2023 Alingsås kommun. Alla rättigheter förbehållna. Sida 3 av 12"
    text = "\n\n".join((prose, table, notice, prose))
    passages, at = [], 0
    for seq, part in enumerate((prose, table, notice, prose)):
        start = text.index(part, at)
        passages.append(Passage(doc_id="d", seq=seq, text=part, start=start, end=start + len(part), heading=("H",)))
        at = start + len(part)
    passages = annotate(passages, text)
    assert [p.kind for p in passages][:2] == ["prose", "table"]
    units = quote_units(text, passages)
    quoted = {u.passage for u in units}
    assert quoted == {i for i, p in enumerate(passages) if p.kind in ("prose", "list", "heading")}
    assert {0, 3} <= quoted and 1 not in quoted
    for u in units:
        assert text[u.start : u.end] == u.text
