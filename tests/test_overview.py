"""The library overview (scan.overview, `scan overview`, /oversikt, /api/overview) and bulk
classification (`scan classify` of folders, side by side), on small indexes with the hash encoder."""

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES
from openpyxl import load_workbook

from scan import integrity
from scan.classify import classify_document
from scan.cli import main
from scan.errors import ScanError
from scan.ingest import ingest
from scan.overview import cache_path, evidence, library_overview
from scan.parse import read_document
from scan.store import FORMAT, Index
from scan.taxonomy import load_taxonomy
from scan.trends import load_or_train

TAXONOMY = FIXTURES / "mini-trends.toml"
BACKGROUND = [
    "Koka pastan i saltat vatten och servera med riven ost.",
    "Hemmalaget vann matchen med två mål.",
    "Biblioteket har nya öppettider i sommar.",
    "Morgondagen blir solig med svag vind.",
]
REPORT = (
    "# Rapport om personal\n\nKommunen måste rekrytera fler undersköterskor och lärare till äldreomsorgen.\n\n"
    "Tilliten mellan människor minskar och segregationen ökar bland unga.\n"
)


@pytest.fixture
def library(mini):
    """The mini corpus plus a report from the same year and publisher as the parking notice."""
    (mini / "rapport.md").write_text(REPORT, encoding="utf-8")
    sources = (mini / "sources.toml").read_text(encoding="utf-8")
    sources = sources.replace(
        "[[source]]",
        '[documents."rapport.md"]\ntitle = "Personalrapport"\npublisher = "Testby gatukontor"\nyear = 2023\n\n[[source]]',
        1,
    )
    (mini / "sources.toml").write_text(sources, encoding="utf-8")
    return mini


@pytest.fixture
def setup(library, tmp_path, encoder):
    ingest([library], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    taxonomy = load_taxonomy(TAXONOMY)
    model = load_or_train(index, encoder, taxonomy, BACKGROUND)
    yield index, taxonomy, model
    index.close()


def test_an_indexed_document_scores_as_scan_classify_scores_its_file(setup, library, encoder):
    index, taxonomy, model = setup
    overview = library_overview(index, model, taxonomy)
    rows = {d.doc_id: d for d in overview.documents}
    assert set(rows) == {"analys.md", "parkering.txt", "rapport.md"}
    for doc_id in rows:
        direct = classify_document(read_document(library / doc_id), model, encoder, taxonomy)
        assert rows[doc_id].scores == pytest.approx(direct.scores, abs=1e-5)
        assert rows[doc_id].none == pytest.approx(direct.none, abs=1e-5)
        assert rows[doc_id].label == direct.label and rows[doc_id].passages == direct.n_passages
        assert rows[doc_id].several == direct.several
    assert rows["rapport.md"].title == "Personalrapport" and rows["rapport.md"].year == 2023


def test_groups_are_weighted_by_passage_count(setup):
    index, taxonomy, model = setup
    overview = library_overview(index, model, taxonomy)
    docs_2023 = [d for d in overview.documents if d.year == 2023]
    assert len(docs_2023) == 2
    (year_2023,) = [g for g in overview.by("year") if g.key == 2023]
    weights = sum(d.passages for d in docs_2023)
    for t in overview.trend_ids:
        expected = sum(d.passages * d.scores[t] for d in docs_2023) / weights
        assert year_2023.scores[t] == pytest.approx(expected)
    assert year_2023.documents == 2 and year_2023.passages == weights
    shares = [*year_2023.scores.values(), year_2023.none]
    assert sum(shares) == pytest.approx(1.0)
    assert [g.key for g in overview.by("year")] == [2023, 2024]
    assert [g.key for g in overview.by("publisher")] == ["Testby gatukontor", "Testby kommun"]


def test_unchanged_documents_are_not_classified_again(setup, library, encoder, tmp_path):
    index, taxonomy, model = setup
    first = library_overview(index, model, taxonomy)
    assert (first.classified, first.cached) == (3, 0)
    assert [p.name for p in index.root.glob("overview-*.json")] == [cache_path(index, model).name]
    again = library_overview(index, model, taxonomy)
    assert (again.classified, again.cached) == (0, 3)
    assert [d.to_json() for d in again.documents] == [d.to_json() for d in first.documents]
    # one document changes: only it is classified on the next overview
    (library / "parkering.txt").write_text("Kommunen måste rekrytera fler lärare och undersköterskor.\n", "utf-8")
    ingest([library], tmp_path / "idx", encoder)
    newer = Index.open(tmp_path / "idx")
    try:
        changed = library_overview(newer, model, taxonomy)
        assert (changed.classified, changed.cached) == (1, 2)
        assert changed.generation != first.generation
        row = {d.doc_id: d for d in changed.documents}["parkering.txt"]
        assert row.scores != {d.doc_id: d for d in first.documents}["parkering.txt"].scores
    finally:
        newer.close()
    # the cache is beside the generations, never inside one: the index checks still pass
    name, checks = integrity.full_check(tmp_path / "idx", FORMAT)
    assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_a_new_trend_model_starts_a_new_cache(setup, encoder, tmp_path):
    index, taxonomy, model = setup
    library_overview(index, model, taxonomy)
    changed = tmp_path / "changed.toml"
    changed.write_text(TAXONOMY.read_text(encoding="utf-8").replace("minskar", "sjunker"), encoding="utf-8")
    other_taxonomy = load_taxonomy(changed)
    other = load_or_train(index, encoder, other_taxonomy, BACKGROUND)
    assert other.key != model.key
    result = library_overview(index, other, other_taxonomy)
    assert result.classified == 3
    assert [p.name for p in index.root.glob("overview-*.json")] == [cache_path(index, other).name]


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"version": 1, "model": "x", "documents": {}}', b"\xff\xfe"])
def test_a_damaged_cache_is_recomputed(setup, content):
    index, taxonomy, model = setup
    expected = library_overview(index, model, taxonomy)
    cache_path(index, model).write_bytes(content)
    result = library_overview(index, model, taxonomy)
    assert result.classified == 3 and [d.to_json() for d in result.documents] == [
        d.to_json() for d in expected.documents
    ]
    assert json.loads(cache_path(index, model).read_text(encoding="utf-8"))["model"] == model.key


def test_a_cache_that_cannot_be_written_is_kept_in_memory(setup, monkeypatch):
    index, taxonomy, model = setup

    def refuse(*args):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("scan.overview.os.replace", refuse)
    result = library_overview(index, model, taxonomy)
    assert len(result.documents) == 3 and not list(index.root.glob("overview-*.json"))
    assert not list(index.root.glob(".overview-*"))  # no temporary file left behind


def test_evidence_is_the_documents_passages_that_speak_to_the_trend(setup):
    index, taxonomy, model = setup
    doc = {d.doc_id: d for d in index.documents()}["analys.md"]
    found = evidence(index, doc, 1, model, taxonomy)
    assert found and all(p.doc_id == "analys.md" for p, _ in found)
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.2
    assert any("undersköterskor" in p.text for p, _ in found)
    with pytest.raises(ScanError, match="no trend 9"):
        evidence(index, doc, 9, model, taxonomy)


# ---- CLI -------------------------------------------------------------------------------------
def _cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result


@pytest.fixture
def cli_index(library, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    idx = tmp_path / "idx"
    assert _cli("ingest", library, "--index", idx).exit_code == 0
    return idx


def test_cli_overview_table_json_csv_and_xlsx(cli_index, tmp_path):
    base = ("overview", "--trends", TAXONOMY, "--index", cli_index)
    data = json.loads(_cli(*base, "--json").stdout)
    assert {"trends", "documents", "by_year", "by_publisher", "weighting", "model"} <= set(data)
    assert [t["id"] for t in data["trends"]] == [1, 2] and len(data["documents"]) == 3
    table = _cli(*base).stdout
    for d in data["documents"]:
        assert d["title"] in table
    by_year = _cli(*base, "--by", "year").stdout
    assert re.search(r"^2023\s+2\s", by_year, re.M) and re.search(r"^2024\s+1\s", by_year, re.M)
    out_csv, out_xlsx = tmp_path / "o.csv", tmp_path / "o.xlsx"
    result = _cli(*base, "--by", "publisher", "--csv", out_csv, "--xlsx", out_xlsx)
    assert result.exit_code == 0 and result.stdout == ""  # files asked for: no table on stdout
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert [r["Utgivare"] for r in rows] == [g["publisher"] for g in data["by_publisher"]]
    assert float(rows[0]["1. Kompetensförsörjning"]) == pytest.approx(data["by_publisher"][0]["scores"]["1"], abs=1e-4)
    book = load_workbook(out_xlsx)
    assert book.sheetnames == ["Dokument", "År", "Utgivare"]
    sheet = book["Dokument"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["doc_id", "Titel", "Utgivare", "År", "Textavsnitt"]
    col = header.index("2. Tillit och segregation")
    by_id = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    for d in data["documents"]:
        cell = by_id[d["doc_id"]][col]
        assert cell.value == pytest.approx(d["scores"]["2"], abs=1e-4) and cell.number_format == "0%"
    assert [r[0].value for r in book["År"].iter_rows(min_row=2)] == [2023, 2024]


def test_cli_overview_uses_the_cache_and_reports_errors(cli_index, tmp_path):
    base = ("overview", "--trends", TAXONOMY, "--index", cli_index)
    assert "Classified 3 documents" in _cli(*base).stderr
    assert "Classified" not in _cli(*base).stderr  # all from the cache
    missing = _cli("overview", "--index", tmp_path / "nowhere")
    assert missing.exit_code == 1 and "Error: no index at" in missing.stderr and "Fix:" in missing.stderr
    unwritable = _cli(*base, "--xlsx", tmp_path / "no" / "such" / "folder.xlsx")
    assert unwritable.exit_code == 1 and "Error: cannot write" in unwritable.stderr


def test_cli_classify_reads_folders_and_compares_side_by_side(cli_index, tmp_path):
    batch = tmp_path / "batch"
    (batch / "del").mkdir(parents=True)
    (batch / "personal.md").write_text(REPORT, encoding="utf-8")
    shutil.copy(FIXTURES / "mini" / "parkering.txt", batch / "del" / "parkering.txt")
    (batch / "tom.txt").write_text("", encoding="utf-8")
    (batch / "bild.png").write_bytes(b"\x89PNG")  # not a type scan reads: left out silently, like ingest
    (batch / ".dold.md").write_text(REPORT, encoding="utf-8")
    base = ("classify", "--trends", TAXONOMY, "--index", cli_index)
    lines = _cli(*base, batch, "--json").stdout.splitlines()
    docs = [json.loads(line) for line in lines]
    assert [Path(d["path"]).name for d in docs] == ["parkering.txt", "personal.md"]  # sorted by path, recursively
    result = _cli(
        *base, batch, FIXTURES / "mini" / "analys.md", "--csv", tmp_path / "c.csv", "--xlsx", tmp_path / "c.xlsx"
    )
    assert result.exit_code == 0
    assert "Skipped" in result.stderr and "tom.txt: the file is empty" in result.stderr
    assert "unsupported file type" not in result.stderr + result.stdout
    out = result.stdout
    assert re.search(r"^Trend\s+D1\s+D2\s+D3$", out, re.M)
    assert re.search(r"^D3: .* \(.*analys\.md, \d+ textavsnitt\)$", out, re.M)
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["Trend", "Namn"] and len(rows[0]) == 5  # trends as rows, three documents as columns
    assert [r[1] for r in rows[1:3]] == ["Kompetensförsörjning", "Tillit och segregation"]
    for column, d in zip(rows[0][2:4], docs):
        got = [float(r[rows[0].index(column)]) for r in rows[1:3]]
        assert got == pytest.approx([d["scores"]["1"], d["scores"]["2"]], abs=1e-4)
    book = load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["Jämförelse", "Belägg"]
    compare = book["Jämförelse"]
    assert [c.value for c in compare[1]][2:] == rows[0][2:]
    assert compare.cell(row=2, column=3).number_format == "0%"
    evidence_rows = list(book["Belägg"].iter_rows(min_row=2, values_only=True))
    assert evidence_rows and all(r[4] >= 0.2 for r in evidence_rows)


def test_cli_classify_folder_errors(cli_index, tmp_path):
    empty = tmp_path / "tomt"
    empty.mkdir()
    (empty / "bild.png").write_bytes(b"\x89PNG")
    result = _cli("classify", "--trends", TAXONOMY, "--index", cli_index, empty)
    assert result.exit_code == 1 and "Error: no readable document in" in result.stderr and "Fix:" in result.stderr
    named = tmp_path / "tom.txt"
    named.write_text("")
    result = _cli("classify", "--trends", TAXONOMY, "--index", cli_index, named, FIXTURES / "mini")
    assert result.exit_code == 1 and "tom.txt: the file is empty" in result.stderr  # a named file must be readable


def test_report_of_several_documents_has_the_comparison(cli_index, tmp_path):
    out = tmp_path / "r.html"
    result = _cli("classify", "--trends", TAXONOMY, "--index", cli_index, FIXTURES / "mini", "--report", out)
    assert result.exit_code == 0
    html = out.read_text(encoding="utf-8")
    compare = html[html.index("<h2>Jämförelse</h2>") : html.index('<section id="dokument-1">')]
    assert compare.count('href="#dokument-') == 2 and "Tillit och segregation" in compare
    assert "Nya parkeringsavgifter" in compare  # the title from the folder's sources.toml
    assert 'id="dokument-2"' in html


# ---- web -------------------------------------------------------------------------------------
def test_web_overview_evidence_and_api(setup, monkeypatch):
    from fastapi.testclient import TestClient

    from scan.web import Scanner, create_app
    from scan.webjobs import Jobs

    index, _, _ = setup
    root = index.root
    monkeypatch.setenv("SCAN_MODEL", "hash")
    app = create_app(root, TAXONOMY, scanner=Scanner(root, TAXONOMY), jobs=Jobs(root, TAXONOMY))
    client = TestClient(app)
    page = client.get("/oversikt")
    assert page.status_code == 200 and 'href="/oversikt" aria-current="page"' in page.text
    links = re.findall(r'href="(/oversikt/belagg\?doc=[^"]+)"', page.text)
    assert len(links) == 3 * 2  # a cell per document and trend
    assert "Trender per år" in page.text and "Trender per utgivare" in page.text
    api = client.get("/api/overview").json()
    cli = json.loads(_cli("overview", "--json", "--trends", TAXONOMY, "--index", root).stdout)
    assert {k: v for k, v in api.items() if k not in ("classified", "cached")} == {
        k: v for k, v in cli.items() if k not in ("classified", "cached")
    }
    assert [d["doc_id"] for d in api["documents"]] == ["analys.md", "parkering.txt", "rapport.md"]
    assert [g["year"] for g in api["by_year"]] == [2023, 2024]
    assert "/api/overview" in client.get("/openapi.json").json()["paths"]  # described with the other /api/ routes
    ev = client.get(links[0].replace("&amp;", "&"))
    assert ev.status_code == 200 and "<blockquote>" in ev.text and "Belägg för trend 1" in ev.text
    contexts = re.findall(r'href="(/dokument/analys\.md\?passage=(\d+)#p-\d+)"', ev.text)
    assert contexts and client.get(contexts[0][0]).status_code == 200  # each passage opens in its document
    assert client.get("/oversikt/belagg?doc=finns-inte.md&trend=1").status_code == 404
    bad = client.get("/oversikt/belagg?doc=analys.md&trend=9")
    assert bad.status_code == 400 and "trend 9 finns inte" in bad.text


def test_web_overview_without_the_analysis_says_so_in_swedish(tmp_path, encoder, monkeypatch):
    from fastapi.testclient import TestClient

    from scan.web import Scanner, create_app
    from scan.webjobs import Jobs

    (tmp_path / "annan.txt").write_text("Annan text om bussar och tåg.", encoding="utf-8")
    ingest([tmp_path / "annan.txt"], tmp_path / "idx", encoder)
    monkeypatch.setenv("SCAN_MODEL", "hash")
    root = tmp_path / "idx"
    client = TestClient(create_app(root, TAXONOMY, scanner=Scanner(root, TAXONOMY), jobs=Jobs(root, TAXONOMY)))
    page = client.get("/oversikt")
    assert page.status_code == 400 and "som inte finns i indexet" in page.text and "scan ingest" in page.text
    api = client.get("/api/overview")
    error = api.json()["error"]
    assert api.status_code == 400 and "analys.md" in error["message"] and "scan ingest" in error["hint"]


def test_a_document_without_a_leading_trend_says_so_in_every_view(cli_index):
    """As `scan classify` does: "no single main trend (largest: …)", never the largest as "Huvudtrend"."""
    from fastapi.testclient import TestClient

    from scan.web import Scanner, create_app
    from scan.webjobs import Jobs

    base = ("overview", "--trends", TAXONOMY, "--index", cli_index)
    before = json.loads(_cli(*base, "--json").stdout)
    assert not any(d["several"] for d in before["documents"])
    doc = next(d for d in before["documents"] if d["label"] is not None)
    (path,) = Path(cli_index).glob("overview-*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["documents"].values():
        entry["several"] = entry["several"] or entry["label"] == doc["label"]
    path.write_text(json.dumps(data), encoding="utf-8")  # as if the verdict were: several trends, none leading
    result = _cli(*base, "--json")
    after = {d["doc_id"]: d for d in json.loads(result.stdout)["documents"]}
    assert "Classified" not in result.stderr and after[doc["doc_id"]]["several"] is True
    row = next(line for line in _cli(*base).stdout.splitlines() if line.startswith(doc["title"][:20]))
    assert row.rstrip().endswith(f"flera (störst {doc['label']})")
    client = TestClient(
        create_app(cli_index, TAXONOMY, scanner=Scanner(cli_index, TAXONOMY), jobs=Jobs(cli_index, TAXONOMY))
    )
    assert "<em>ingen enskild</em> (störst: " in client.get("/oversikt").text


def test_an_overview_cache_from_before_the_several_verdict_is_recomputed(setup):
    index, taxonomy, model = setup
    library_overview(index, model, taxonomy)
    path = cache_path(index, model)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["version"] = 1
    for entry in data["documents"].values():
        entry.pop("several")
    path.write_text(json.dumps(data), encoding="utf-8")
    assert library_overview(index, model, taxonomy).classified == 3
    assert all("several" in e for e in json.loads(path.read_text(encoding="utf-8"))["documents"].values())
