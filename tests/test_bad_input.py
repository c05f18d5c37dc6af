"""The bad-input matrix: every hostile or broken input gives one clear line naming the file and the
fix (exit 1), or, inside an ingest, a skip line while the rest is ingested; never a traceback, a
hang, or a changed index. Pipes and devices run in a subprocess with a timeout, so a regression
that reads them cannot hang the test run."""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfgen import make_pdf

from scan.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SRC = Path(__file__).resolve().parent.parent / "src"
GOOD = "Kommunen behöver fler undersköterskor. Rekryteringen är svår och konkurrensen om personal ökar."


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A .docx-named zip whose document part unpacks 1000× (20 MB of one byte)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<" + b"a" * (20 * 1024 * 1024) + b"/>")
    return buffer.getvalue()


# name -> (file name, bytes); each is a broken file that must be refused with a clear reason
BAD_FILES: dict[str, tuple[str, bytes]] = {
    "random-html": ("noise.html", random.Random(1).randbytes(60_000)),
    "random-pdf": ("noise.pdf", b"%PDF-1.7\n" + random.Random(2).randbytes(60_000)),
    "random-docx": ("noise.docx", b"PK\x03\x04" + random.Random(3).randbytes(60_000)),
    "empty-txt": ("empty.txt", b""),
    "blank-md": ("blank.md", b"   \n\n\t\n"),
    "latin1-txt": ("latin1.txt", "Välfärden i kommunen måste stärkas.".encode("latin-1")),
    "script-only-html": ("script.html", b"<html><body><script>var a = 1;</script></body></html>"),
    "zip-bomb-docx": ("bomb.docx", b""),  # made lazily: 20 MB in memory
    "truncated-docx": ("cut.docx", b""),
    "truncated-pdf": ("cut.pdf", b""),
    "unsupported": ("program.exe", b"MZ\x90\x00"),
}


def _bytes_of(case: str) -> bytes:
    name, data = BAD_FILES[case]
    if case == "zip-bomb-docx":
        return _zip_bomb()
    if case == "truncated-docx":
        whole = _docx([GOOD] * 20)
        return whole[: len(whole) // 2]
    if case == "truncated-pdf":
        whole = make_pdf([[GOOD * 5], [GOOD * 5]])
        return whole[: len(whole) // 3]
    return data


@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> Path:
    """The mini corpus ingested with the hash encoder, built once and copied by each test."""
    from scan.embed import HashEncoder
    from scan.ingest import ingest

    root = tmp_path_factory.mktemp("base")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    return root / "idx"


@pytest.fixture
def idx(base_index, tmp_path) -> Path:
    target = tmp_path / "idx"
    shutil.copytree(base_index, target)
    return target


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args])

    return invoke


def assert_one_clear_error(result, *names: str) -> None:
    """Exit 1, 'Error: …' naming the file, 'Fix: …', nothing else on stderr, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("Error: ") and lines[1].strip().startswith("Fix: "), result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_classify_refuses_a_bad_file_with_one_line(case, run, idx, tmp_path):
    name, _ = BAD_FILES[case]
    bad = tmp_path / name
    bad.write_bytes(_bytes_of(case))
    before = snapshot(idx)
    result = run("classify", bad, "--index", idx)
    assert_one_clear_error(result, name)
    assert snapshot(idx) == before


@pytest.mark.parametrize("case", sorted(set(BAD_FILES) - {"unsupported"}))
def test_ingest_skips_a_bad_file_and_ingests_the_rest(case, run, idx, tmp_path):
    name, _ = BAD_FILES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "god.txt").write_text(GOOD, encoding="utf-8")
    (folder / name).write_bytes(_bytes_of(case))
    result = run("ingest", folder, "--index", idx)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    skips = [line for line in result.stderr.splitlines() if line.startswith("Skipped ")]
    assert len(skips) == 1 and name in skips[0] and len(skips[0].split(": ", 1)[1]) > 10, result.stderr
    assert "1 added" in result.stderr and "1 skipped" in result.stderr


def test_a_reader_failing_in_an_unforeseen_way_is_one_clear_error(tmp_path, monkeypatch):
    from scan import parse
    from scan.errors import ScanError

    def broken(path, raw):
        raise AssertionError("internal parser state")

    monkeypatch.setitem(parse.READERS, ".html", broken)
    page = tmp_path / "sida.html"
    page.write_text("<p>Text</p>", encoding="utf-8")
    with pytest.raises(ScanError, match="sida.html: could not be read as .html \\(AssertionError: internal parser"):
        parse.read_document(page)


def test_zip_bomb_reason_names_the_ratio(run, tmp_path):
    from scan.errors import ScanError
    from scan.parse import read_document

    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_zip_bomb())
    with pytest.raises(ScanError, match=r"unpacks \d+× \(over 100×\)"):
        read_document(bomb)


def test_a_word_file_over_the_unpacked_limit_is_refused_before_unpacking(tmp_path, monkeypatch):
    from scan.errors import ScanError
    from scan.parse import docx as docx_reader
    from scan.parse import read_document

    word = tmp_path / "big.docx"
    word.write_bytes(_docx([GOOD] * 200))
    assert read_document(word).text.startswith("Kommunen")
    monkeypatch.setattr(docx_reader, "MAX_XML", 10_000)
    with pytest.raises(ScanError, match="over the limit of .* for a Word file"):
        read_document(word)


def test_a_file_over_the_size_limit_is_skipped(run, idx, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "god.txt").write_text(GOOD, encoding="utf-8")
    (folder / "stor.txt").write_text(GOOD * 100, encoding="utf-8")
    result = run("ingest", folder, "--index", idx, "--max-file-mb", "0.005")
    assert result.exit_code == 0 and "Skipped" in result.stderr and "stor.txt" in result.stderr
    assert "over the limit of 5,242 bytes per file" in result.stderr and "--max-file-mb" in result.stderr
    assert "1 added" in result.stderr
    monkeypatch.setenv("SCAN_MAX_FILE_MB", "0.005")
    assert_one_clear_error(run("classify", folder / "stor.txt", "--index", idx), "stor.txt")
    assert_one_clear_error(run("classify", folder / "stor.txt", "--index", idx, "--max-file-mb", "0"))


# ---- pipes and devices: in a subprocess with a timeout --------------------------------------
def _scan(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCAN_MODEL": "hash", "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "scan", *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env
    )


def _special_files(folder: Path) -> dict[str, Path]:
    made = {}
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    made["fifo"] = fifo
    zero = folder / "zero.md"
    zero.symlink_to("/dev/zero")
    made["dev-zero"] = zero
    return made


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs POSIX")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_classify_never_reads_a_pipe_or_device(kind, idx, tmp_path):
    path = _special_files(tmp_path)[kind]
    before = snapshot(idx)
    result = _scan("classify", path, "--index", idx)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Error: {path}: not a regular file" in result.stderr and "Fix:" in result.stderr
    assert snapshot(idx) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs POSIX")
def test_ingest_skips_pipes_and_devices_named_or_found(idx, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "god.txt").write_text(GOOD, encoding="utf-8")
    special = _special_files(folder)
    result = _scan("ingest", folder, special["fifo"], special["dev-zero"], "--index", idx)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("Skipped")]
    assert len(skipped) == 4 and all("not a regular file" in line for line in skipped), result.stderr
    assert "1 added" in result.stderr


# ---- odd names and deep trees ---------------------------------------------------------------
def test_a_file_name_with_a_newline_is_ingested_and_printed_on_one_line(run, idx, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "rad\nbrytning.txt").write_text(GOOD, encoding="utf-8")
    (folder / "tom\nfil.txt").write_text("", encoding="utf-8")
    result = run("ingest", folder, "--index", idx)
    assert result.exit_code == 0 and "1 added" in result.stderr, result.output
    assert "Skipped " in result.stderr and "tom\\nfil.txt: the file is empty" in result.stderr
    result = run("classify", folder / "tom\nfil.txt", "--index", idx)
    assert_one_clear_error(result, "tom\\nfil.txt")


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses undecodable file names")
def test_a_file_name_with_undecodable_bytes_is_skipped_with_its_reason(run, idx, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "god.txt").write_text(GOOD, encoding="utf-8")
    odd = os.fsdecode(b"rapport-\xff\xfe.txt")
    (folder / odd).write_text(GOOD, encoding="utf-8")
    before = snapshot(idx)
    result = run("ingest", folder, "--index", idx)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "Skipped " in result.stderr and "rapport-\\xff\\xfe.txt: the file name is not valid UTF-8" in result.stderr
    assert "1 added" in result.stderr
    result = run("ingest", folder / odd, "--index", idx)
    assert result.exit_code == 0 and "rapport-\\xff\\xfe.txt" in result.stderr
    result = run("classify", folder / odd, "--index", idx, "--trends", FIXTURES / "mini-trends.toml", "--json")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output  # readable: classified
    assert '"label": 1' in result.stdout
    assert snapshot(idx) != before


def test_a_folder_tree_thousands_of_levels_deep(run, idx, tmp_path):
    root = tmp_path / "djup"
    fd = os.open(tmp_path, os.O_RDONLY)
    try:  # make the tree with dir fds: its full path is longer than the system allows
        os.mkdir("djup", dir_fd=fd)
        current = os.open("djup", os.O_RDONLY, dir_fd=fd)
        with open(os.open("a.txt", os.O_WRONLY | os.O_CREAT, dir_fd=current), "w", encoding="utf-8") as fh:
            fh.write(GOOD)
        for _ in range(3000):
            os.mkdir("d", dir_fd=current)
            nxt = os.open("d", os.O_RDONLY, dir_fd=current)
            os.close(current)
            current = nxt
        with open(os.open("z.txt", os.O_WRONLY | os.O_CREAT, dir_fd=current), "w", encoding="utf-8") as fh:
            fh.write(GOOD)
        os.close(current)
    finally:
        os.close(fd)
    result = run("ingest", root, "--index", idx)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output[-2000:]
    assert "1 added" in result.stderr and "the path is too long" in result.stderr
    subprocess.run(["rm", "-rf", str(root)], check=False, timeout=60)


# ---- big texts ------------------------------------------------------------------------------
def test_a_5_mb_line_without_spaces_and_a_huge_paragraph_are_ingested(run, idx, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "en-rad.txt").write_text("a" * 5_000_000, encoding="utf-8")
    words = ("kommunen", "regionen", "välfärden", "och", "att", "som", "behöver", "personal")
    (folder / "stycke.txt").write_text(" ".join(words[i % 8] for i in range(150_000)) + ".", encoding="utf-8")
    result = run("ingest", folder, "--index", idx)
    assert result.exit_code == 0 and "2 added" in result.stderr, result.output
    from scan.store import Index

    index = Index.open(idx)
    try:
        docs = {d.doc_id: d.passages for d in index.documents()}
    finally:
        index.close()
    assert docs["en-rad.txt"] == 5_000_000 // 700 + 1 and docs["stycke.txt"] > 1_000


# ---- sources.toml ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "toml, line, message",
    [
        ('[documents."parkering.txt"]\ntitle = "P"\nyear = "abc"\n', 3, 'year in [documents."parkering.txt"] must'),
        ('[documents."parkering.txt"]\ntitle = 123\n', 2, 'title in [documents."parkering.txt"] must be text'),
        ("documents = 5\n", 1, "documents in sources.toml must be a table"),
        ('[documents."parkering.txt"]\nyaer = 2023\n', 2, "unknown key 'yaer'"),
        ('[[source]]\nid = "a"\ntitle = "A"\nfootnotes = ["1"]\n', 4, "footnotes must be whole numbers"),
        ('[[source]]\nid = "a"\ntitle = "A"\nyear = 2020.5\n', 4, "year in the [[source]] there must be a whole"),
        ("analysis = 7\n", 1, "analysis in sources.toml must be text"),
        ('[documents."parkering.txt"]\nyear = true\n', 2, 'year in [documents."parkering.txt"] must be a whole'),
    ],
)
def test_wrong_metadata_in_sources_toml_is_refused_with_its_line(toml, line, message, run, idx, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES / "mini", folder)
    (folder / "sources.toml").write_text(toml, encoding="utf-8")
    (folder / "parkering.txt").write_text(GOOD + " Ändrad.", encoding="utf-8")  # a change to ingest
    before = snapshot(idx)
    result = run("ingest", folder, "--index", idx)
    assert_one_clear_error(result, f"sources.toml, line {line}: {message}")
    assert snapshot(idx) == before


def test_sources_toml_that_is_not_utf8_is_refused(run, idx, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES / "mini", folder)
    (folder / "sources.toml").write_bytes('[documents."analys.md"]\ntitle = "Välfärd"\n'.encode("latin-1"))
    before = snapshot(idx)
    assert_one_clear_error(run("ingest", folder, "--index", idx), "sources.toml")
    assert snapshot(idx) == before


# ---- options: -k and --trends ---------------------------------------------------------------
@pytest.mark.parametrize("command", ["search", "quotes"])
def test_a_huge_k_is_clamped_and_a_small_one_refused(command, run, idx):
    result = run(command, "rekrytering av personal", "--index", idx, "-k", "99999999999999999999", "--json")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert len(result.stdout.splitlines()) >= 1
    for k in ("0", "-3"):
        assert_one_clear_error(
            run(command, "rekrytering av personal", "--index", idx, "-k", k), "-k must be at least 1"
        )


@pytest.mark.parametrize(
    "content", [b"\xff\xfe\x00b\x00i\x00n\x00", '[[trend]]\nname = "Välfärd"\n'.encode("latin-1"), bytes(range(256))]
)
def test_a_trends_file_that_is_not_utf8_text_gives_one_line(content, run, idx, tmp_path):
    trends = tmp_path / "trender.toml"
    trends.write_bytes(content)
    doc = tmp_path / "doc.txt"
    doc.write_text(GOOD, encoding="utf-8")
    result = run("classify", doc, "--trends", trends, "--index", idx)
    assert_one_clear_error(result, "trender.toml")
    assert "UTF-8" in result.stderr or "TOML" in result.stderr
    assert_one_clear_error(run("quotes", "--trend", "1", "--trends", trends, "--index", idx), "trender.toml")


# ---- found by a new user's probe -------------------------------------------------------------
def test_ingest_of_a_folder_with_nothing_readable_is_an_error_not_a_success(run, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.xyz").write_text("not a format scan reads")
    result = run("ingest", empty, "--index", tmp_path / "idx")
    assert_one_clear_error(result, str(empty))
    assert "Markdown" in result.stderr and not (tmp_path / "idx").exists()


def test_pypdf_log_lines_do_not_leak_before_scans_own_message(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"\x1b\x9ea\xbcj" + os.urandom(2000))
    good = tmp_path / "a.md"
    good.write_text("# Rubrik\n\nEn mening om tillit i kommunen.\n")
    proc = _scan("ingest", tmp_path, "--index", tmp_path / "idx", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "Skipped" in proc.stderr and "x.pdf" in proc.stderr
    assert "WARNING" not in proc.stderr and "pypdf._reader" not in proc.stderr, proc.stderr


def test_serve_on_a_port_in_use_is_one_clear_error(run, idx):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run("serve", "--port", port, "--index", idx)
    assert_one_clear_error(result, str(port))
    assert f"--port {port + 1}" in result.stderr
