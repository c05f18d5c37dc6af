"""Quote units (sentences) are cut and embedded at ingest and kept in step with the passages."""

import json

import numpy as np
import pytest

from scan.embed import HashEncoder
from scan.errors import ScanError
from scan.ingest import ingest
from scan.quotes import find_quotes
from scan.store import MANIFEST, Index


def stored_units(index: Index) -> list[tuple[str, int, int, str]]:
    rows = index.db.execute(
        'SELECT p.doc_id, s.start, s."end", s.text FROM sentences s JOIN passages p ON p.id = s.passage_id ORDER BY s.id'
    ).fetchall()
    return [tuple(r) for r in rows]


def test_every_unit_is_verbatim_and_has_its_own_vector(index, encoder):
    units = stored_units(index)
    assert len(units) >= len(index) and index.sentence_vectors.ntotal == len(units)
    for doc_id, start, end, text in units:
        assert index.document_text(doc_id)[start:end] == text
    ids = [r[0] for r in index.db.execute("SELECT id FROM sentences ORDER BY id")]
    texts = [u[3] for u in units]
    stored = np.vstack([index.sentence_vectors.reconstruct(i) for i in ids])
    assert np.allclose(stored, encoder.encode_passages(texts), atol=1e-5)


def test_reingest_keeps_the_sentences_in_step_with_the_documents(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    before = Index.open(tmp_path / "idx")
    kept = [u for u in stored_units(before) if u[0] == "parkering.txt"]
    before.close()
    (mini / "analys.md").unlink()
    (mini / "ny.md").write_text("# Ny\n\nEn rapport om klimatanpassning. Den är ny.\n", encoding="utf-8")
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    units = stored_units(index)
    assert {u[0] for u in units} == {"ny.md", "parkering.txt"}
    assert [u for u in units if u[0] == "parkering.txt"] == kept
    assert ("ny.md", 0, 42, "En rapport om klimatanpassning. Den är ny.") in units  # "Den är ny." needs the one before
    assert index.sentence_vectors.ntotal == len(units) == index.manifest["counts"]["sentences"]
    quotes = find_quotes(index, encoder, "rekrytera undersköterskor till äldreomsorgen", k=10)
    assert not any(q.citation.doc_id == "analys.md" for q in quotes)


def test_quotes_encode_only_the_claim(index):
    class Counting(HashEncoder):
        calls: list[tuple[str, int]] = []

        def encode_queries(self, texts):
            self.calls.append(("query", len(texts)))
            return super().encode_queries(texts)

        def encode_passages(self, texts, batch_size=32):
            self.calls.append(("passage", len(texts)))
            return super().encode_passages(texts)

    enc = Counting(256)
    assert find_quotes(index, enc, "kommunen har svårt att rekrytera undersköterskor", k=3)
    assert enc.calls == [("query", 1)]


def test_an_index_without_sentence_vectors_is_refused_with_the_rebuild_command(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    generation = Index.live_generation(tmp_path / "idx")
    manifest = json.loads((generation / MANIFEST).read_text())
    (generation / MANIFEST).write_text(json.dumps(manifest | {"format": 2}))
    with pytest.raises(ScanError) as err:
        Index.open(tmp_path / "idx")
    assert "--rebuild" in err.value.hint
