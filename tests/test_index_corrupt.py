"""A damaged index is one clear error naming the index and the fix, from every command that opens
it; nothing is changed; `--rebuild` starts afresh; `scan info --check` finds each damage."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from scan.cli import main
from scan.store import CURRENT, DATABASE, MANIFEST, VECTORS


def live(idx: Path) -> Path:
    return idx / (idx / CURRENT).read_text().strip()


def tree(path: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(path)): p.read_bytes() if p.is_file() else None for p in sorted(path.rglob("*"))}


def overwrite(name: str, offset: int, data: bytes) -> Callable[[Path], None]:
    def damage(idx: Path) -> None:
        path = live(idx) / name
        raw = bytearray(path.read_bytes())
        at = offset if offset >= 0 else len(raw) // 2
        raw[at : at + len(data)] = bytes(b ^ 0xFF for b in raw[at : at + len(data)]) if data == b"flip" else data
        path.write_bytes(bytes(raw))

    return damage


def truncate(name: str) -> Callable[[Path], None]:
    def damage(idx: Path) -> None:
        path = live(idx) / name
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    return damage


def empty(name: str) -> Callable[[Path], None]:
    return lambda idx: (live(idx) / name).write_bytes(b"")


def delete(name: str) -> Callable[[Path], None]:
    return lambda idx: (live(idx) / name).unlink()


def edit_manifest(change: Callable[[dict], None], keep_checksum: bool = False) -> Callable[[Path], None]:
    def damage(idx: Path) -> None:
        path = live(idx) / MANIFEST
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest, indent=2))

    return damage


def current(data: bytes | None) -> Callable[[Path], None]:
    def damage(idx: Path) -> None:
        (idx / CURRENT).unlink()
        if data is None:
            (idx / CURRENT).mkdir()
        else:
            (idx / CURRENT).write_bytes(data)

    return damage


DAMAGE = {
    "faiss-header": overwrite(VECTORS, 0, b"XXXXXXXX"),
    "faiss-truncated": truncate(VECTORS),
    "faiss-empty": empty(VECTORS),
    "faiss-missing": delete(VECTORS),
    "faiss-middle-byte": overwrite(VECTORS, -1, b"flip"),
    "sqlite-header": overwrite(DATABASE, 0, b"SQLite format 9\x00"),
    "sqlite-first-page": overwrite(DATABASE, 100, bytes(range(256)) * 8),
    "sqlite-truncated": truncate(DATABASE),
    "sqlite-missing": delete(DATABASE),
    "sqlite-middle-byte": overwrite(DATABASE, -1, b"flip"),
    "manifest-missing": delete(MANIFEST),
    "manifest-no-encoder": edit_manifest(lambda m: m.pop("encoder")),
    "manifest-no-encoder-nor-checksum": edit_manifest(lambda m: (m.pop("encoder"), m.pop("checksum"))),
    "manifest-not-json": lambda idx: (live(idx) / MANIFEST).write_text('{"format": 3, "enc'),
    "manifest-changed-count": edit_manifest(lambda m: m["counts"].update(passages=m["counts"]["passages"] + 1)),
    "current-binary": current(b"\x00\xff\xfe\x89PNG\r\n\x1a\n"),
    "current-nowhere": current(b"gen-000999\n"),
    "current-folder": current(None),
}

COMMANDS = {
    "search": lambda idx, mini: ["search", "parkering på torget", "--index", idx],
    "search-keyword": lambda idx, mini: ["search", "parkering", "--mode", "keyword", "--index", idx],
    "info": lambda idx, mini: ["info", "--index", idx],
    "info-json": lambda idx, mini: ["info", "--json", "--index", idx],
    "ingest": lambda idx, mini: ["ingest", mini, "--index", idx],
    "quotes": lambda idx, mini: ["quotes", "kommunen har svårt att rekrytera", "--index", idx],
    "classify": lambda idx, mini: ["classify", mini / "parkering.txt", "--index", idx],
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """The mini corpus ingested once (hash encoder), beside a folder of the user's that must survive."""
    from scan.embed import HashEncoder
    from scan.ingest import ingest

    base = tmp_path_factory.mktemp("pristine")
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini", base / "mini")
    ingest([base / "mini"], base / "idx", HashEncoder(256))
    (base / "idx" / "gen-ai-rapporter").mkdir()
    (base / "idx" / "gen-ai-rapporter" / "notes.md").write_text("behåll")
    return base


@pytest.fixture
def damaged_copy(pristine, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")

    def make(case: str) -> tuple[Path, Path]:
        shutil.copytree(pristine, tmp_path / "copy")
        idx = tmp_path / "copy" / "idx"
        DAMAGE[case](idx)
        return idx, tmp_path / "copy" / "mini"

    return make


def invoke(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", DAMAGE)
def test_every_command_refuses_a_damaged_index_with_one_line_and_the_fix(damaged_copy, case, command):
    idx, mini = damaged_copy(case)
    before = tree(idx)
    result = invoke(*COMMANDS[command](idx, mini))
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in result.output, result.stderr
    assert lines[0].startswith(f"Error: the index at {idx} ") and ("damaged" in lines[0] or "format" in lines[0])
    assert lines[1] == f"  Fix: rebuild it from your documents: scan ingest corpus/ --index {idx} --rebuild"
    assert result.stdout == ""
    assert tree(idx) == before  # nothing changed


@pytest.mark.parametrize("case", DAMAGE)
def test_rebuild_starts_afresh_and_deletes_only_scans_generations(damaged_copy, case):
    idx, mini = damaged_copy(case)
    result = invoke("ingest", mini, "--index", idx, "--rebuild")
    assert result.exit_code == 0, result.stderr
    assert "2 added" in result.stderr
    assert (idx / "gen-ai-rapporter" / "notes.md").read_text() == "behåll"
    assert invoke("search", "parkering", "--index", idx, "--json").stdout.count("\n") > 0
    assert invoke("info", "--check", "--index", idx).exit_code == 0


@pytest.mark.parametrize("case", DAMAGE)
def test_info_check_reports_each_damage(damaged_copy, case):
    idx, _ = damaged_copy(case)
    before = tree(idx)
    result = invoke("info", "--check", "--index", idx, "--json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert report["ok"] is False and any(not c["ok"] for c in report["checks"])
    assert result.stderr.startswith(f"Error: the index at {idx} is damaged")
    assert tree(idx) == before


def test_info_check_passes_a_sound_index_and_reads_every_byte(pristine, monkeypatch):
    import scan.integrity

    monkeypatch.setattr(scan.integrity, "OPEN_HASH_LIMIT", 10)  # opening checks only sizes and first MiB now
    result = invoke("info", "--check", "--index", pristine / "idx")
    assert result.exit_code == 0, result.stderr
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [
        ["ok", "pointer"],
        ["ok", "manifest"],
        ["ok", "files"],
        ["ok", "sqlite"],
        ["ok", "vectors"],
    ]
    data = json.loads(invoke("info", "--check", "--json", "--index", pristine / "idx").stdout)
    assert data["ok"] is True and data["generation"] == live(pristine / "idx").name
