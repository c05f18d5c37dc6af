import json
import shutil

import numpy as np
import pytest

from scan.embed import HashEncoder
from scan.errors import ScanError
from scan.ingest import ingest
from scan.search import search
from scan.store import CURRENT, FORMAT, Index, IndexWriter


class CountingEncoder(HashEncoder):
    """The hash encoder, counting how many passages it was asked to embed."""

    def __init__(self):
        super().__init__(256)
        self.embedded = 0

    def encode_passages(self, texts, batch_size=32):
        self.embedded += len(texts)
        return super().encode_passages(texts)


def snapshot(index_dir):
    index = Index.open(index_dir)
    try:
        return {
            "docs": {d.doc_id: d.sha256 for d in index.documents()},
            "n": len(index),
            "hits": [h.passage.text for h in search(index, HashEncoder(256), "rekrytera undersköterskor", k=3)],
        }
    finally:
        index.close()


def test_ingest_then_search_finds_the_passage_with_its_citation(mini, tmp_path, encoder):
    report = ingest([mini], tmp_path / "idx", encoder)
    assert sorted(report.added) == ["analys.md", "parkering.txt"] and report.passages > 0
    index = Index.open(tmp_path / "idx")
    hits = search(index, encoder, "parkera på torget avgift", k=2)
    assert hits[0].doc_id == "parkering.txt" and "tjugo kronor" in hits[0].passage.text
    hit = search(index, encoder, "rekrytera undersköterskor", k=1)[0]
    assert hit.title == "Omvärldsanalys för Testby"  # from sources.toml
    assert [c.short() for c in hit.cites] == ["SKR, Rekryteringsrapport 2020"]  # its footnote 1
    assert hit.passage.page == 4 and hit.passage.heading == ("Kompetensförsörjning",)
    assert index.document_text("analys.md")[hit.passage.start : hit.passage.end] == hit.passage.text


def test_manifest_records_encoder_settings_versions_and_hashes(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    m = index.manifest
    assert m["encoder"] == {"name": "hash-256", "dimension": 256}
    assert m["settings"]["split"] == {"max_chars": 700, "max_sentences": 5}
    assert {"python", "scan", "faiss-cpu"} <= set(m["versions"])
    assert len(m["documents"]["analys.md"]["sha256"]) == 64
    assert m["counts"]["passages"] == len(index) > 0


def test_reingest_embeds_only_new_or_changed_documents_and_drops_removed_ones(mini, tmp_path):
    enc = CountingEncoder()
    ingest([mini], tmp_path / "idx", enc)
    first = enc.embedded
    report = ingest([mini], tmp_path / "idx", enc)
    assert enc.embedded == first and report.unchanged == ["analys.md", "parkering.txt"]

    (mini / "parkering.txt").write_text("Nya regler för parkering vid stationen.\n", encoding="utf-8")
    (mini / "ny.md").write_text("# Ny\n\nEn helt ny rapport om klimatanpassning.\n", encoding="utf-8")
    (mini / "analys.md").unlink()
    report = ingest([mini], tmp_path / "idx", enc)
    assert report.updated == ["parkering.txt"] and report.added == ["ny.md"] and report.removed == ["analys.md"]
    index = Index.open(tmp_path / "idx")
    assert [d.doc_id for d in index.documents()] == ["ny.md", "parkering.txt"]
    assert len(index) == sum(d.passages for d in index.documents())
    # only the new and changed ones were embedded: their passages and their quote units (a unit that
    # is its whole passage takes the passage's vector)
    passages = [p for d in index.documents() for _, p in index.passages_of(d.doc_id)]
    own = [1 for p, start, end, _, _ in index.sentences(passages) if (start, end) != (p.start, p.end)]
    assert enc.embedded - first == len(index) + len(own)
    assert not any("undersköterskor" in h.passage.text for h in search(index, enc, "undersköterskor", k=5))


def test_ingesting_one_file_keeps_documents_from_elsewhere(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    extra = tmp_path / "extra.txt"
    extra.write_text("Ett fristående dokument om bredband på landsbygden.", encoding="utf-8")
    ingest([extra], tmp_path / "idx", encoder)
    docs = [d.doc_id for d in Index.open(tmp_path / "idx").documents()]
    assert docs == ["analys.md", "extra.txt", "parkering.txt"]


def test_unreadable_files_are_skipped_with_a_reason_not_fatal(mini, tmp_path, encoder):
    (mini / "tom.md").write_text("")
    (mini / "latin.txt").write_bytes("Åtgärder för välfärd".encode("latin-1"))
    report = ingest([mini], tmp_path / "idx", encoder)
    reasons = dict(report.skipped)
    assert "empty" in reasons[str(mini / "tom.md")]
    assert "not UTF-8" in reasons[str(mini / "latin.txt")]
    assert sorted(report.added) == ["analys.md", "parkering.txt"]


def test_missing_path_is_an_error(tmp_path, encoder):
    with pytest.raises(ScanError, match="no such file or folder"):
        ingest([tmp_path / "finns-inte"], tmp_path / "idx", encoder)


def test_crash_while_writing_leaves_the_previous_index_loadable_and_correct(mini, tmp_path, encoder, monkeypatch):
    import faiss

    ingest([mini], tmp_path / "idx", encoder)
    before = snapshot(tmp_path / "idx")
    (mini / "parkering.txt").write_text("Helt ny text om undersköterskor och rekrytering.", encoding="utf-8")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(faiss, "write_index", disk_full)
    with pytest.raises(ScanError, match="No space left on device; the previous index is unchanged"):
        ingest([mini], tmp_path / "idx", encoder)
    assert snapshot(tmp_path / "idx") == before
    assert [p.name for p in (tmp_path / "idx").glob("gen-*")] == [(tmp_path / "idx" / CURRENT).read_text().strip()]


def test_ctrl_c_during_embedding_leaves_the_previous_index(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    before = snapshot(tmp_path / "idx")
    (mini / "parkering.txt").write_text("Ändrad text.", encoding="utf-8")

    class Interrupted(HashEncoder):
        def encode_passages(self, texts, batch_size=32):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest([mini], tmp_path / "idx", Interrupted(256))
    assert snapshot(tmp_path / "idx") == before
    # and the next ingest works, cleaning up whatever was left
    first = (tmp_path / "idx" / CURRENT).read_text().strip()
    ingest([mini], tmp_path / "idx", encoder)
    live = (tmp_path / "idx" / CURRENT).read_text().strip()
    # the partial generation is gone; the previous one stays until the next commit (for readers)
    assert sorted(p.name for p in (tmp_path / "idx").glob("gen-*")) == [first, live]


def test_a_second_ingest_at_once_is_refused_with_a_clear_message(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    with IndexWriter(tmp_path / "idx", encoder.name, encoder.dimension, {}):
        with pytest.raises(ScanError, match="another ingest is writing"):
            ingest([mini], tmp_path / "idx", encoder)
    ingest([mini], tmp_path / "idx", encoder)  # free again afterwards


def test_an_index_built_by_another_encoder_is_not_mixed(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    with pytest.raises(ScanError, match="built with the encoder 'hash-256', not 'hash-64'") as err:
        ingest([mini], tmp_path / "idx", HashEncoder(64))
    assert "--rebuild" in err.value.hint
    report = ingest([mini], tmp_path / "idx", HashEncoder(64), rebuild=True)
    assert len(report.added) == 2 and Index.open(tmp_path / "idx").manifest["encoder"]["dimension"] == 64


def test_missing_old_and_damaged_indexes_are_refused_with_the_fix(mini, tmp_path, encoder):
    with pytest.raises(ScanError, match="no index at") as err:
        Index.open(tmp_path / "none")
    assert "scan ingest" in err.value.hint
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    with pytest.raises(ScanError, match="older format"):
        Index.open(old)
    ingest([mini], tmp_path / "idx", encoder)
    gen = Index.live_generation(tmp_path / "idx")
    manifest = json.loads((gen / "manifest.json").read_text())
    (gen / "manifest.json").write_text(json.dumps(manifest | {"format": 0}))
    with pytest.raises(ScanError, match=f"has format 0; this scan reads format {FORMAT}") as err:
        Index.open(tmp_path / "idx")
    assert "--rebuild" in err.value.hint


def test_index_path_that_is_a_file(tmp_path, mini, encoder):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ScanError, match="cannot write to the index folder|is a file"):
        ingest([mini], tmp_path / "afile", encoder)


def test_read_only_index_folder_is_a_clear_error_and_keeps_the_index(mini, tmp_path, encoder, monkeypatch):
    ingest([mini], tmp_path / "idx", encoder)
    before = snapshot(tmp_path / "idx")
    (mini / "parkering.txt").write_text("Ändrad.", encoding="utf-8")
    real_mkdir = type(tmp_path).mkdir

    def read_only(self, *args, **kwargs):
        if self.name.startswith("gen-"):
            raise PermissionError(13, "Permission denied")
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(type(tmp_path), "mkdir", read_only)
    with pytest.raises(ScanError, match="Permission denied"):
        ingest([mini], tmp_path / "idx", encoder)
    monkeypatch.undo()
    assert snapshot(tmp_path / "idx") == before


def test_vectors_match_passages_one_to_one(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    ids = [r[0] for r in index.db.execute("SELECT id FROM passages")]
    rows = index.passages(ids)
    for pid in ids:
        stored = index.vectors.reconstruct(pid)
        expected = encoder.encode_passages([rows[pid][0].text])[0]
        assert np.allclose(stored, expected)


def test_copy_of_an_index_folder_still_opens(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    shutil.copytree(tmp_path / "idx", tmp_path / "copy")
    assert len(Index.open(tmp_path / "copy")) == len(Index.open(tmp_path / "idx"))


def test_a_failed_faiss_write_is_a_clear_error_and_keeps_the_index(mini, tmp_path, encoder, monkeypatch):
    import faiss

    ingest([mini], tmp_path / "idx", encoder)
    before = snapshot(tmp_path / "idx")
    (mini / "parkering.txt").write_text("Ändrad text om parkering.", encoding="utf-8")

    def cannot_write(*args):  # what faiss raises when it cannot open the file
        raise RuntimeError("Error in faiss::FileIOWriter: could not open vectors.faiss for writing")

    monkeypatch.setattr(faiss, "write_index", cannot_write)
    with pytest.raises(ScanError, match="could not open vectors.faiss for writing; the previous index is unchanged"):
        ingest([mini], tmp_path / "idx", encoder)
    assert snapshot(tmp_path / "idx") == before
