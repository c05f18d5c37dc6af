"""scan deletes only what it made, writes only where an index belongs, and readers never fail
while an ingest commits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from scan.cli import main
from scan.errors import ScanError
from scan.generations import REGISTRY
from scan.ingest import ingest
from scan.store import CURRENT, FORMAT, Index


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def live(idx: Path) -> str:
    return (idx / CURRENT).read_text().strip()


def change(mini: Path, n: int) -> None:
    (mini / "parkering.txt").write_text(f"Version {n}: parkering på torget kostar {n} kronor.", encoding="utf-8")


def test_folders_merely_named_like_generations_survive_every_ingest(mini, tmp_path, encoder):
    idx = tmp_path / "idx"
    ingest([mini], idx, encoder)
    (idx / "gen-ai-rapporter").mkdir()
    (idx / "gen-ai-rapporter" / "rapport.md").write_text("Mina anteckningar.")
    shutil.copytree(idx / live(idx), idx / "gen-000001.bak")  # a hand-made backup
    (idx / "gen-000050").mkdir()  # named exactly like a generation, but not made by scan
    (idx / "gen-000050" / "data.csv").write_text("a,b\n")
    mine = {name: tree(idx / name) for name in ("gen-ai-rapporter", "gen-000001.bak", "gen-000050")}
    for n in range(4):
        change(mini, n)
        ingest([mini], idx, encoder)
    ingest([mini], idx, encoder, rebuild=True)
    for name, files in mine.items():
        assert tree(idx / name) == files, name
    assert live(idx) > "gen-000050"  # a new generation never takes over a name already there
    owned = json.loads((idx / REGISTRY).read_text())["owned"]
    assert set(owned) == {p.name for p in idx.glob("gen-*")} - set(mine)


def test_the_cli_keeps_a_folder_named_like_a_generation(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    idx = tmp_path / "idx"
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(mini), "--index", str(idx)]).exit_code == 0
    (idx / "gen-ai-rapporter").mkdir()
    (idx / "gen-ai-rapporter" / "a.txt").write_text("behåll mig")
    doc = tmp_path / "doc.txt"
    doc.write_text("Ett nytt dokument om bredband på landsbygden.", encoding="utf-8")
    result = runner.invoke(main, ["ingest", str(doc), "--index", str(idx)])
    assert result.exit_code == 0 and "1 added" in result.stderr
    assert (idx / "gen-ai-rapporter" / "a.txt").read_text() == "behåll mig"


@pytest.mark.parametrize("content", ["file", "folder", "gen-folder"])
def test_a_folder_holding_other_files_is_refused_and_left_as_it_was(mini, tmp_path, encoder, content):
    target = tmp_path / "mina-dokument"
    target.mkdir()
    if content == "file":
        (target / "budget.xlsx").write_bytes(b"PK\x03\x04 not really")
    elif content == "folder":
        (target / "bilder").mkdir()
        (target / "bilder" / "a.png").write_bytes(b"\x89PNG")
    else:
        (target / "gen-ai-rapporter").mkdir()
        (target / "gen-ai-rapporter" / "r.md").write_text("# Rapport")
    before = tree(target)
    names = sorted(p.name for p in target.iterdir())
    with pytest.raises(ScanError, match="is not a scan index and holds other files") as err:
        ingest([mini], target, encoder)
    assert "choose a new folder" in err.value.hint
    assert tree(target) == before and sorted(p.name for p in target.iterdir()) == names
    with pytest.raises(ScanError, match="is not a scan index"):
        ingest([mini], target, encoder, rebuild=True)
    assert tree(target) == before


def test_the_cli_refuses_a_folder_of_other_files_with_one_error_and_the_fix(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "brev.txt").write_text("hej")
    result = CliRunner().invoke(main, ["ingest", str(mini), "--index", str(tmp_path / "docs")])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ") and str(tmp_path / "docs") in lines[0]
    assert lines[1].strip().startswith("Fix: ") and len(lines) == 2
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["brev.txt"]


def test_an_empty_or_new_folder_is_fine(mini, tmp_path, encoder):
    (tmp_path / "empty").mkdir()
    assert ingest([mini], tmp_path / "empty", encoder).added
    assert ingest([mini], tmp_path / "new" / "deeper", encoder).added


def test_partial_generations_of_a_killed_ingest_are_removed_by_the_next(mini, tmp_path, encoder):
    idx = tmp_path / "idx"
    ingest([mini], idx, encoder)
    before = tree(idx / live(idx))
    # an ingest that dies (SIGKILL) after creating its generation and before committing it
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from scan.store import IndexWriter\n"
        "w = IndexWriter(Path(sys.argv[1]), 'hash-256', 256, {}).__enter__()\n"
        "print(w.work.name, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = os.environ | {"PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    partials = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code, str(idx)], capture_output=True, text=True, env=env)
        assert out.returncode == -9, out.stderr
        partials.append(out.stdout.strip())
        assert (idx / partials[-1]).is_dir()
    assert tree(idx / live(idx)) == before and len(Index.open(idx)) > 0
    change(mini, 1)
    ingest([mini], idx, encoder)
    assert not any((idx / p).exists() for p in partials)
    assert sorted(p.name for p in idx.glob("gen-*")) == ["gen-000001", live(idx)]


def test_readers_never_fail_while_ingests_commit(mini, tmp_path, encoder):
    idx = tmp_path / "idx"
    ingest([mini], idx, encoder)
    errors: list[str] = []
    seen: set[str] = set()
    opens = 0
    done = threading.Event()

    def reader() -> None:
        nonlocal opens
        while not done.is_set():
            try:
                index = Index.open(idx)
                index.keyword("parkering", 3)
                len(index.documents())
                seen.add(index.generation.name)
                index.close()
                opens += 1
            except Exception as exc:  # noqa: BLE001 - every failure is what this test counts
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for n in range(25):
            change(mini, n)
            ingest([mini], idx, encoder)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert errors == []
    assert opens > 25 and len(seen) > 5  # the readers really ran across many commits


def test_an_index_of_format_2_is_refused_then_rebuilt_and_its_generation_removed_later(mini, tmp_path, encoder):
    idx = tmp_path / "idx"
    (idx / "gen-000004").mkdir(parents=True)  # what scan wrote before generations.json existed
    (idx / "gen-000004" / "manifest.json").write_text(json.dumps({"format": 2}))
    (idx / "gen-000004" / "vectors.faiss").write_bytes(b"old")
    (idx / CURRENT).write_text("gen-000004\n")
    with pytest.raises(ScanError, match=f"has format 2; this scan reads format {FORMAT}") as err:
        ingest([mini], idx, encoder)
    assert "--rebuild" in err.value.hint and (idx / "gen-000004" / "vectors.faiss").exists()
    ingest([mini], idx, encoder, rebuild=True)
    assert live(idx) == "gen-000005" and (idx / "gen-000004").exists()  # kept for readers until the next commit
    change(mini, 1)
    ingest([mini], idx, encoder)
    assert sorted(p.name for p in idx.glob("gen-*")) == ["gen-000005", "gen-000006"]
