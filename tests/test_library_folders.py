"""A library as a strategist lays it out: one folder given to `scan ingest`, holding the analysis
and the reports in folders of their own, each with its own sources.toml (scan.sourcetree)."""

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from scan.classify_batch import read_inputs
from scan.cli import main
from scan.ingest import ingest
from scan.store import Index
from scan.taxonomy import Taxonomy, load_taxonomy
from scan.trends import training_set

TAXONOMY = FIXTURES / "mini-trends.toml"
BACKGROUND = ["Koka pastan i saltat vatten.", "Laget vann matchen med två mål.", "Biblioteket har nya öppettider."]


@pytest.fixture
def library(tmp_path):
    """bibliotek/analys/ = the mini corpus with its sources.toml; bibliotek/rapporter/ a report with its own."""
    root = tmp_path / "bibliotek"
    shutil.copytree(FIXTURES / "mini", root / "analys")
    reports = root / "rapporter" / "Från Ås"
    reports.mkdir(parents=True)
    (reports / "plan.md").write_text(
        "# Plan för äldreomsorgen\n\nVi behöver fler undersköterskor i hemtjänsten.\n", encoding="utf-8"
    )
    (root / "rapporter" / "sources.toml").write_text(
        '[documents."Från Ås/plan.md"]\ntitle = "Äldreomsorgsplan 2025"\npublisher = "Ås kommun"\nyear = 2025\n',
        encoding="utf-8",
    )
    return root


def ingested(library, tmp_path, encoder):
    ingest([library], tmp_path / "idx", encoder)
    return Index.open(tmp_path / "idx")


def test_every_folder_s_sources_toml_gives_its_documents_metadata(library, tmp_path, encoder):
    index = ingested(library, tmp_path, encoder)
    docs = {d.doc_id: d for d in index.documents()}
    analysis = docs["analys/analys.md"]
    assert analysis.title == "Omvärldsanalys för Testby" and analysis.metadata["publisher"] == "Testby kommun"
    plan = docs["rapporter/Från Ås/plan.md"]
    assert plan.title == "Äldreomsorgsplan 2025" and plan.metadata["year"] == 2025
    index.close()


def test_a_nested_analysis_keeps_its_reference_list(library, tmp_path, encoder):
    index = ingested(library, tmp_path, encoder)
    linked = {
        r[0] for r in index.db.execute("SELECT source_id FROM footnote_sources WHERE doc_id = 'analys/analys.md'")
    }
    assert {"skr-rekrytering", "delmos-segregation"} <= linked
    index.close()


def test_an_entry_at_the_top_still_names_a_file_in_a_subfolder(tmp_path, encoder):
    root = tmp_path / "lib"
    (root / "sv").mkdir(parents=True)
    (root / "sv" / "a.md").write_text("# Egen titel\n\nText om skolan.\n", encoding="utf-8")
    (root / "sources.toml").write_text('[documents."sv/a.md"]\ntitle = "Från toppen"\nyear = 2020\n', encoding="utf-8")
    index = ingested(root, tmp_path, encoder)
    (doc,) = index.documents()
    assert doc.title == "Från toppen" and doc.metadata["year"] == 2020
    index.close()


def test_the_trend_model_finds_the_analysis_ingested_from_a_folder_above_it(library, tmp_path, encoder):
    index = ingested(library, tmp_path, encoder)
    taxonomy = load_taxonomy(TAXONOMY)  # analysis = "analys.md"; in this index it is "analys/analys.md"
    data = training_set(index, encoder, taxonomy, BACKGROUND)
    assert any("rekrytera undersköterskor" in t for t, g in zip(data.texts, data.groups) if g == 0)
    index.close()


def test_analysis_in_takes_its_own_name_first_and_refuses_to_guess():
    taxonomy = Taxonomy("t", (), "a.md")
    assert taxonomy.analysis_in(["a.md", "x/a.md"]) == "a.md"
    assert taxonomy.analysis_in(["x/a.md", "y/b.md"]) == "x/a.md"
    assert taxonomy.analysis_in(["x/a.md", "y/a.md"]) == "a.md"  # two candidates: not in the index
    assert taxonomy.analysis_in(["xa.md"]) == "a.md"


def test_cli_classify_and_search_filters_on_a_library_of_folders(library, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    runner = CliRunner()
    idx = str(tmp_path / "idx")
    result = runner.invoke(main, ["ingest", str(library), "--index", idx])
    assert result.exit_code == 0, result.output
    report = tmp_path / "ny.txt"
    report.write_text("Kommunen måste rekrytera undersköterskor och lärare.\n", encoding="utf-8")
    result = runner.invoke(main, ["classify", str(report), "--trends", str(TAXONOMY), "--index", idx, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["label"] == 1
    result = runner.invoke(main, ["search", "undersköterskor", "--publisher", "Ås kommun", "--index", idx, "--json"])
    assert result.exit_code == 0, result.output
    assert {json.loads(line)["doc_id"] for line in result.stdout.splitlines()} == {"rapporter/Från Ås/plan.md"}


def test_classify_reads_a_folder_of_folders_with_their_metadata(library):
    docs, skipped = read_inputs([library])
    titles = {d.doc_id: d.title for d in docs}
    assert titles["rapporter/Från Ås/plan.md"] == "Äldreomsorgsplan 2025"
    assert titles["analys/analys.md"] == "Omvärldsanalys för Testby" and not skipped


def test_a_malformed_nested_sources_toml_stops_the_ingest_before_anything_is_written(library, tmp_path, encoder):
    from scan.errors import ScanError

    (library / "rapporter" / "sources.toml").write_text('[documents."x.md"]\nyaer = 2020\n', encoding="utf-8")
    with pytest.raises(ScanError, match="rapporter/sources.toml"):
        ingest([library], tmp_path / "idx", encoder)
    assert not (tmp_path / "idx").exists() or not any((tmp_path / "idx").iterdir())
