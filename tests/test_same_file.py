"""The same file on disk is one document, however it is named to `scan ingest`: by itself
(`scan ingest bibliotek/pdfs/plan.pdf`), in its folder (`scan ingest bibliotek/pdfs`) or in the
folder above (`scan ingest bibliotek`). Before, each way gave it another doc_id, so every hit
from it was listed twice and the overview counted it twice."""

import shutil

from conftest import FIXTURES

from scan.ingest import ingest
from scan.store import Index


def library(tmp_path):
    root = tmp_path / "bibliotek"
    shutil.copytree(FIXTURES / "mini", root / "analys")
    (root / "rapporter").mkdir()
    (root / "rapporter" / "plan.md").write_text(
        "# Plan för äldreomsorgen\n\nVi behöver fler undersköterskor i hemtjänsten.\n", encoding="utf-8"
    )
    return root


def doc_ids(path):
    index = Index.open(path)
    try:
        return sorted(d.doc_id for d in index.documents())
    finally:
        index.close()


def test_a_file_named_alone_then_its_folder_above_is_one_document(tmp_path, encoder):
    root = library(tmp_path)
    ingest([root / "rapporter" / "plan.md"], tmp_path / "idx", encoder)
    report = ingest([root], tmp_path / "idx", encoder)
    assert "plan.md" in report.unchanged and "rapporter/plan.md" not in report.added
    assert doc_ids(tmp_path / "idx") == ["analys/analys.md", "analys/parkering.txt", "plan.md"]


def test_a_folder_then_the_folder_above_it_adds_no_second_copy(tmp_path, encoder):
    root = library(tmp_path)
    ingest([root / "analys"], tmp_path / "idx", encoder)
    report = ingest([root], tmp_path / "idx", encoder)
    assert report.added == ["rapporter/plan.md"] and sorted(report.unchanged) == ["analys.md", "parkering.txt"]
    assert doc_ids(tmp_path / "idx") == ["analys.md", "parkering.txt", "rapporter/plan.md"]


def test_a_changed_file_is_updated_under_the_id_it_has(tmp_path, encoder):
    root = library(tmp_path)
    ingest([root / "rapporter" / "plan.md"], tmp_path / "idx", encoder)
    (root / "rapporter" / "plan.md").write_text("# Plan\n\nFler sjuksköterskor behövs.\n", encoding="utf-8")
    report = ingest([root], tmp_path / "idx", encoder)
    assert report.updated == ["plan.md"]
    index = Index.open(tmp_path / "idx")
    try:
        assert "sjuksköterskor" in index.document_text("plan.md")
    finally:
        index.close()


def test_its_sources_toml_entry_is_still_read_by_the_path_from_the_folder_given(tmp_path, encoder):
    root = library(tmp_path)
    ingest([root / "rapporter" / "plan.md"], tmp_path / "idx", encoder)
    (root / "sources.toml").write_text('[documents."rapporter/plan.md"]\npublisher = "Ås kommun"\n', encoding="utf-8")
    report = ingest([root], tmp_path / "idx", encoder)
    assert ("plan.md", ["publisher"]) in report.metadata_updated
    index = Index.open(tmp_path / "idx")
    try:
        assert {d.doc_id: d.metadata for d in index.documents()}["plan.md"]["publisher"] == "Ås kommun"
    finally:
        index.close()


def test_a_copy_elsewhere_is_another_document(tmp_path, encoder):
    root = library(tmp_path)
    shutil.copy(root / "rapporter" / "plan.md", root / "plan-kopia.md")
    ingest([root], tmp_path / "idx", encoder)
    assert {"plan-kopia.md", "rapporter/plan.md"} <= set(doc_ids(tmp_path / "idx"))
