"""Quote-unit vectors at ingest (scan.ingestvectors, scan.latechunk): token offsets, late chunking,
the fallbacks, reuse of passage vectors, one encoding per distinct text, errors from the encoding
thread, and a deterministic result."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from scan.embed import HashEncoder
from scan.ingestvectors import VectorRun
from scan.latechunk import token_ranges
from scan.sentences import Unit
from scan.types import Passage

ROOT = Path(__file__).resolve().parent.parent


def _passage(text: str, seq: int = 0, start: int = 0) -> Passage:
    return Passage(doc_id="d", seq=seq, text=text, start=start, end=start + len(text), heading=("H",))


def _unit(passage: int, p: Passage, sentence: str) -> Unit:
    at = p.text.index(sentence)
    return Unit(passage, p.start + at, p.start + at + len(sentence), sentence)


class Counting(HashEncoder):
    """The hash encoder, remembering every text it encoded."""

    def __init__(self) -> None:
        super().__init__(64)
        self.seen: list[str] = []

    def encode_passages(self, texts, batch_size: int = 32):
        self.seen.extend(texts)
        return super().encode_passages(texts, batch_size)


def test_token_ranges_take_the_tokens_that_overlap_and_refuse_what_the_model_does_not_read():
    spans = [(0, 0), (0, 4), (4, 9), (9, 14), (14, 14)]
    assert token_ranges(spans, [(0, 4), (5, 9), (3, 6), (0, 14)]) == [(1, 2), (2, 3), (1, 3), (1, 4)]
    assert token_ranges(spans, [(14, 20), (2, 2)]) == [None, None]  # past the last token read; empty


def test_a_unit_that_is_its_whole_passage_takes_the_passage_vector_and_duplicates_are_encoded_once():
    encoder = Counting()
    first = _passage("Tilliten minskar i hela landet.")
    second = _passage("Fler arbetar hemifrån. Tilliten minskar i hela landet.", seq=1, start=40)
    third = _passage("Fler arbetar hemifrån. Annat.")
    run = VectorRun(encoder, late=False, warm=False)
    try:
        run.add([first, second], [_unit(0, first, first.text), _unit(1, second, "Fler arbetar hemifrån.")])
        run.add([third], [_unit(0, third, "Fler arbetar hemifrån.")])
        (passages, units), (_, others) = run.finish()
    finally:
        run.close()
    assert encoder.seen.count("Tilliten minskar i hela landet.") == 1  # as a passage only
    assert encoder.seen.count("Fler arbetar hemifrån.") == 1  # once for the two documents
    np.testing.assert_array_equal(units[0], passages[0])
    np.testing.assert_allclose(units[1], encoder.encode_passages(["Fler arbetar hemifrån."])[0])
    np.testing.assert_array_equal(others[0], units[1])
    assert run.counts == {
        "whole passages (the passage's vector)": 1,
        "encoded on their own": 1,
        "same text as another unit": 1,
    }


def test_an_encoder_without_token_states_encodes_every_unit_on_its_own():
    encoder = Counting()
    p = _passage("Det regnar. Det blåser mycket i dag och i morgon.")
    run = VectorRun(encoder, late=True, warm=False)  # the hash encoder has no token states
    try:
        run.add([p], [_unit(0, p, "Det regnar."), _unit(0, p, "Det blåser mycket i dag och i morgon.")])
        [(_, units)] = run.finish()
    finally:
        run.close()
    np.testing.assert_allclose(units, encoder.encode_passages(["Det regnar.", "Det blåser mycket i dag och i morgon."]))
    assert run.counts["encoded on their own"] == 2


def test_an_error_in_the_encoding_thread_reaches_the_ingest_and_leaves_the_index_alone(mini, tmp_path):
    from scan.errors import ScanError
    from scan.ingest import ingest
    from scan.store import Index

    ingest([mini], tmp_path / "idx", HashEncoder(64))
    before = Index.live_generation(tmp_path / "idx")

    class Broken(HashEncoder):
        def encode_passages(self, texts, batch_size: int = 32):
            raise ScanError("the encoder broke", "fix it")

    (mini / "new.md").write_text("# Ny\n\nEn helt ny text om tillit och arbete i kommunen.\n", encoding="utf-8")
    with pytest.raises(ScanError, match="the encoder broke"):
        ingest([mini], tmp_path / "idx", Broken(64))
    assert Index.live_generation(tmp_path / "idx") == before


def test_ingest_twice_gives_the_same_vectors(mini, tmp_path):
    from scan.ingest import ingest
    from scan.store import Index

    def vectors(path):
        ingest([mini], path, HashEncoder(64))
        index = Index.open(path)
        try:
            passages = [p for d in index.documents() for _, p in index.passages_of(d.doc_id)]
            return [(s, e, t, v.tobytes()) for _, s, e, t, v in index.sentences(passages)]
        finally:
            index.close()

    first, second = vectors(tmp_path / "a"), vectors(tmp_path / "b")
    assert first and first == second


# ---- the real default encoder --------------------------------------------------------------------


def _tokens_match_their_text(tokenizer, text: str) -> None:
    ids, spans = tokenizer.encode(text), tokenizer.token_spans(text)
    assert spans is not None and len(spans) == len(ids)
    pieces = tokenizer._pieces()
    for i, (a, b) in zip(ids[1:-1], spans[1:-1]):
        if i == tokenizer.unk:
            continue
        original = re.sub(" {2,}", " ", unicodedata.normalize("NFKC", text[a:b])).replace(" ", "▁")
        assert pieces[i] in (original, "▁" + original), (pieces[i], text[a:b])


@pytest.mark.model
def test_token_spans_cover_each_token_in_the_original_text(e5):
    tokenizer = e5.model.tokenizer
    texts = [
        "passage: Åtgärder för ökad tillit i Älvsjö och Örebro.",
        "passage: A\u030atga\u0308rder i o\u0308stra  delen ﬁnns\u00a0här.\n\nNästa stycke ½ ´é",
        "passage: " + "ord " * 600,
    ]
    for text in texts:
        _tokens_match_their_text(tokenizer, text)
    spans = tokenizer.token_spans(texts[0])
    assert spans[1][0] == 0 and spans[-1] == (len(texts[0]), len(texts[0]))


@pytest.mark.model
def test_late_chunked_units_are_pooled_from_their_own_tokens(e5):
    from scan.latechunk import encode_with_units

    text = "Tilliten minskar i Älvsjö. Fler arbetar hemifrån än förut i Örebro."
    units = [(0, 26), (27, len(text))]
    vectors, [pooled] = encode_with_units(e5.model, [text], [units], "passage: ")
    full = "passage: " + text
    spans = e5.model.tokenizer.token_spans(full)
    ranges = token_ranges(spans, [(a + 9, b + 9) for a, b in units])
    pieces = e5.model.tokenizer._pieces()
    ids = e5.model.tokenizer.encode(full)
    taken = ["".join(pieces[i] for i in ids[a:b]).replace("▁", " ").strip() for a, b in ranges]
    assert taken == ["Tilliten minskar i Älvsjö.", "Fler arbetar hemifrån än förut i Örebro."]
    states, _, _ = e5.model.hidden_states(e5.model.token_ids([full]))
    for (a, b), vector in zip(ranges, pooled):
        mean = states[a:b].mean(axis=0)
        np.testing.assert_allclose(vector, mean / np.linalg.norm(mean), atol=1e-5)
    np.testing.assert_allclose(vectors[0], e5.encode_passages([text])[0], atol=1e-5)


@pytest.mark.model
def test_late_chunking_falls_back_for_units_it_cannot_pool(e5):
    long_text = "Inledning. " + "Ord och fler ord i en lång rad. " * 120 + "Sista meningen här."
    p = _passage(long_text)
    first = _passage("Kort.", seq=0, start=0)
    second = _passage("Tilliten minskar. Den ökar inte.", seq=1, start=6)
    spanning = Unit(1, 0, 6 + len("Tilliten minskar."), "Kort. Tilliten minskar.")
    run = VectorRun(e5, late=True, warm=False)
    try:
        run.add([p], [_unit(0, p, "Inledning."), _unit(0, p, "Sista meningen här.")])
        run.add([first, second], [spanning, _unit(1, second, "Den ökar inte.")])
        (_, units), (_, others) = run.finish()
    finally:
        run.close()
    alone = e5.encode_passages(["Sista meningen här.", "Kort. Tilliten minskar."])
    np.testing.assert_allclose(units[1], alone[0], atol=1e-5)  # past the 512 tokens the model reads
    np.testing.assert_allclose(others[0], alone[1], atol=1e-5)  # joined across two passages
    assert run.counts["pooled from their passage (late chunking)"] == 2  # "Inledning.", "Den ökar inte."
    assert run.counts["encoded on their own"] == 2


def test_spacy_is_loaded_before_the_encoding_thread_imports_torch():
    """spaCy's thinc imports torch when it is loaded while torch is visible; the encoding thread
    imports torch for bfloat16 batches: both at once crashed ingest about one time in two. So the
    run loads spaCy first, in the thread that constructs it, with torch hidden (thinc without
    torch), and only then starts the encoding thread, which imports torch while files are read
    (checked in a fresh process, where neither is loaded yet)."""
    pytest.importorskip("torch")
    pytest.importorskip("spacy")
    code = textwrap.dedent(
        """
        import sys
        import threading
        from scan.ingestvectors import VectorRun

        seen = []

        class Batches:
            def batch_precision(self):
                return "bf16"

            def batch_forward(self, count=8):
                seen.append(("spacy" in sys.modules, "torch" in sys.modules, threading.current_thread().name))
                import torch  # noqa: F401  (as scan.bf16bert does)

        assert "torch" not in sys.modules and "spacy" not in sys.modules
        run = VectorRun(Batches())
        run.finish()
        import thinc.compat

        print(seen, thinc.compat.has_torch, "torch" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[(True, False, 'scan-ingest-encode')] False True"
