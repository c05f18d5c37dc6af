import json

import pytest


def test_ingest_search_info_round_trip(run, mini, tmp_path):
    idx = tmp_path / "idx"
    result = run("ingest", mini, "--index", idx)
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stderr and "passages embedded" in result.stderr

    result = run("search", "parkering på torget", "--index", idx, "--json", "-k", "2")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2 and lines[0]["doc_id"] == "parkering.txt" and lines[0]["rank"] == 1

    result = run("search", "rekrytera undersköterskor", "--index", idx, "-k", "1")
    assert "Omvärldsanalys för Testby · s. 4 · Kompetensförsörjning" in result.stdout

    info = json.loads(run("info", "--index", idx, "--json").stdout)
    assert info["encoder"]["name"] == "hash-256" and info["passages"] > 0
    assert [d["doc_id"] for d in info["documents"]] == ["analys.md", "parkering.txt"]
    assert "2 documents" in run("info", "--index", idx).stdout


def test_index_comes_from_the_environment(run, mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_INDEX", str(tmp_path / "env-index"))
    assert run("ingest", mini).exit_code == 0
    assert (tmp_path / "env-index" / "CURRENT").exists()
    assert run("search", "tillit", "--json").stdout.strip()


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "tillit", "--index", "{tmp}/none"], "Error: no index at"),
        (["search", "", "--index", "{tmp}/idx"], "Error: the query is empty"),
        (["search", " ", "--index", "{tmp}/idx"], 'e.g. scan search "'),
        (["quotes", "", "--index", "{tmp}/idx"], 'e.g. scan quotes "'),
        (["info", "--index", "{tmp}/none"], "Fix: build one first"),
        (["ingest", "{tmp}/does-not-exist", "--index", "{tmp}/idx"], "no such file or folder"),
    ],
)
def test_errors_are_one_clear_line_without_traceback(run, tmp_path, args, message):
    result = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output


def test_searching_with_another_encoder_is_refused(run, mini, tmp_path):
    run("ingest", mini, "--index", tmp_path / "idx")
    result = run("search", "tillit", "--index", tmp_path / "idx", "--model", "hash-64")
    assert result.exit_code == 1
    assert "built with 'hash-256', not 'hash-64'" in result.stderr and "--rebuild" in result.stderr


def test_ingest_keeps_the_index_encoder_unless_rebuilt(run, mini, tmp_path, monkeypatch):
    run("ingest", mini, "--index", tmp_path / "idx")
    monkeypatch.delenv("SCAN_MODEL")
    result = run("ingest", mini, "--index", tmp_path / "idx")  # no --model: the index's own encoder
    assert result.exit_code == 0 and "2 unchanged" in result.stderr


def test_skipped_files_are_reported(run, mini, tmp_path):
    (mini / "tom.txt").write_text("")
    result = run("ingest", mini, "--index", tmp_path / "idx")
    assert result.exit_code == 0 and "Skipped" in result.stderr and "tom.txt" in result.stderr


def test_eval_reports_recall_and_mrr(run, mini, tmp_path):
    run("ingest", mini, "--index", tmp_path / "idx")
    queries = tmp_path / "q.toml"
    queries.write_text(
        '[[query]]\nq = "parkering torget"\nexpect = "tjugo kronor"\nsplit = "test"\n'
        '[[query]]\nq = "äppelpaj recept"\nexpect = "finns inte i korpusen"\nsplit = "test"\n',
        encoding="utf-8",
    )
    result = run("eval", "--queries", queries, "--index", tmp_path / "idx", "--mode", "keyword", "--json")
    data = json.loads(result.stdout)
    assert data["n"] == 2 and data["recall@1"] == 0.5 and data["mrr"] == 0.5


def test_help_lists_the_commands(run):
    out = run("--help").stdout
    for command in ("ingest", "search", "info", "eval"):
        assert command in out


def test_ingest_warns_about_scanned_pages_and_info_shows_the_report(run, tmp_path):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from pdfgen import write_pdf

    folder = tmp_path / "pdfs"
    folder.mkdir()
    filler = "Kommunen arbetar med klimatfrågan tillsammans med regionen och andra aktörer i hela länet."
    write_pdf(folder / "plan.pdf", [[filler] * 5, [], [filler] * 5])
    result = run("ingest", folder, "--index", tmp_path / "idx")
    assert result.exit_code == 0
    assert "Warning: plan.pdf: no text (scanned?) on page 2 (see: scan info --doc plan.pdf)" in result.stderr
    result = run("info", "--doc", "plan.pdf", "--index", tmp_path / "idx")
    assert "no text (scanned?) on page 2" in result.stdout and "page numbers: physical pages" in result.stdout
    data = json.loads(run("info", "--doc", "plan.pdf", "--index", tmp_path / "idx", "--json").stdout)
    assert data["extraction"]["no_text"] == [2] and data["extraction"]["pages"] == 3
    result = run("info", "--doc", "nope.pdf", "--index", tmp_path / "idx")
    assert result.exit_code == 1 and "documents: plan.pdf" in result.stderr


def test_starting_the_cli_imports_no_heavy_module():
    """`scan search` is used like grep: starting the CLI must not import a model runtime or the classifier."""
    import subprocess
    import sys

    heavy = ("torch", "sentence_transformers", "sklearn", "scipy", "spacy", "scan.classify", "scan.overview")
    code = f"import sys, scan.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
