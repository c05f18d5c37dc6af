"""Checksums of an index generation: recorded at commit, compared when the index is opened, and a
full check for `scan info --check`.

The manifest records every regular file of its generation (whatever files the generation holds)
in `files`: name -> size, CRC-32 of the whole file, CRC-32 of its first MiB; and the CRC-32 of its
own content in `checksum`. Opening an index compares each file's size and CRC-32: in full for files
up to OPEN_HASH_LIMIT (64 MiB; CRC-32 runs at GB/s, so the corpus index costs well under 1 ms), only
the first MiB of larger ones. `full_check` always reads every byte, and also runs SQLite's
`PRAGMA integrity_check` and compares the vectors with the passage rows.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scan.errors import ScanError
from scan.generations import damaged, live_generation, rebuild_fix

MANIFEST = "manifest.json"
HEAD = 1 << 20  # also the read size
OPEN_HASH_LIMIT = 64 << 20
REQUIRED = ("created", "updated", "encoder", "settings", "versions", "counts", "documents", "files", "checksum")


def _crcs(path: Path, whole: bool = True) -> tuple[int, int]:
    """(CRC-32 of the first MiB, CRC-32 of the whole file, or of the first MiB only if not `whole`)."""
    with open(path, "rb") as fh:
        head = full = zlib.crc32(fh.read(HEAD))
        while whole and (chunk := fh.read(HEAD)):
            full = zlib.crc32(chunk, full)
    return head, full


def _manifest_crc(body: dict[str, Any]) -> str:
    return f"{zlib.crc32(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()):08x}"


def seal(manifest: dict[str, Any], generation: Path) -> str:
    """The manifest's text, with the checksums of every other file of the generation and of itself."""
    files = {}
    for path in sorted(generation.iterdir()):
        if path.is_file() and path.name != MANIFEST:
            head, full = _crcs(path)
            files[path.name] = {"size": path.stat().st_size, "crc32": f"{full:08x}", "head_crc32": f"{head:08x}"}
    body = {k: v for k, v in manifest.items() if k != "checksum"} | {"files": files}
    return json.dumps(body | {"checksum": _manifest_crc(body)}, indent=2, ensure_ascii=False)


def read_manifest(root: Path, generation: Path, expected_format: int) -> dict[str, Any]:
    """The generation's manifest, refused with the fix if it is missing, damaged or of another format."""
    where = f"{generation.name}/{MANIFEST}"
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise damaged(root, f"{where} is missing") from None
    except (OSError, ValueError) as exc:
        raise damaged(root, f"{where} cannot be read ({type(exc).__name__})") from None
    if not isinstance(manifest, dict):
        raise damaged(root, f"{where} is not a manifest")
    if manifest.get("format") != expected_format:
        raise ScanError(
            f"the index at {root} has format {manifest.get('format')}; this scan reads format {expected_format}",
            rebuild_fix(root),
        )
    if "checksum" in manifest and manifest["checksum"] != _manifest_crc(
        {k: v for k, v in manifest.items() if k != "checksum"}
    ):
        raise damaged(root, f"{where} does not match its checksum")
    missing = [key for key in REQUIRED if key not in manifest]
    if missing:
        raise damaged(root, f"{where} lacks the field '{missing[0]}'")
    encoder = manifest["encoder"]
    if not (
        isinstance(encoder, dict) and isinstance(encoder.get("name"), str) and isinstance(encoder.get("dimension"), int)
    ):
        raise damaged(root, f"{where} has no valid encoder name and dimension")
    if not isinstance(manifest["files"], dict) or not all(
        isinstance(r, dict) and "/" not in n and n not in ("", ".", "..") for n, r in manifest["files"].items()
    ):
        raise damaged(root, f"{where} has no valid list of files")
    return manifest


def file_problems(generation: Path, manifest: dict[str, Any], full: bool = False) -> dict[str, str]:
    """File name -> what is wrong with it, for every file the manifest records (empty: all match).

    Files up to OPEN_HASH_LIMIT, or all if `full`, are compared in full; larger ones by size and first MiB."""
    problems = {}
    for name, record in manifest["files"].items():
        path = generation / name
        try:
            if not path.is_file():
                problems[name] = "is missing"
                continue
            size = path.stat().st_size
            if size != record.get("size"):
                problems[name] = f"is {size} bytes, not {record.get('size')} (truncated or changed)"
                continue
            whole = full or size <= OPEN_HASH_LIMIT
            head, crc = _crcs(path, whole)
            if f"{head:08x}" != record.get("head_crc32") or (whole and f"{crc:08x}" != record.get("crc32")):
                problems[name] = "does not match its checksum"
        except OSError as exc:
            problems[name] = f"cannot be read ({exc.strerror})"
    return problems


def check_files(root: Path, generation: Path, manifest: dict[str, Any]) -> None:
    """Raise the damaged-index error for the first file that does not match the manifest."""
    for name, problem in file_problems(generation, manifest).items():
        raise damaged(root, f"{generation.name}/{name} {problem}")


def quick_check(root: Path, generation: Path, db: sqlite3.Connection) -> None:
    """SQLite's own quick structural check (cost grows with the database; used where an ingest reads it anyway)."""
    try:
        result = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    if result != "ok":
        raise damaged(root, f"{generation.name}/store.sqlite fails SQLite's check ({result})")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def full_check(root: Path, expected_format: int) -> tuple[str, list[Check]]:
    """Verify the live generation completely: (its name, the checks made, in order).

    Stops at the first check that makes the following ones meaningless (a missing pointer or manifest)."""
    from scan.store import DATABASE, VECTORS

    def detail(exc: ScanError) -> str:
        return exc.message.removeprefix(f"the index at {root} is damaged: ")

    checks: list[Check] = []
    try:
        generation = live_generation(root)
    except ScanError as exc:
        return "", [Check("pointer", False, detail(exc))]
    if generation is None:
        from scan.noindex import no_index

        raise no_index(root)
    checks.append(Check("pointer", True, f"CURRENT names {generation.name}"))
    try:
        manifest = read_manifest(root, generation, expected_format)
    except ScanError as exc:
        return generation.name, [*checks, Check("manifest", False, detail(exc))]
    checks.append(Check("manifest", True, f"format {manifest['format']}, encoder {manifest['encoder']['name']}"))
    problems = file_problems(generation, manifest, full=True)
    sizes = sum(int(r.get("size", 0)) for r in manifest["files"].values())
    checks.append(
        Check("files", False, "; ".join(f"{n} {p}" for n, p in problems.items()))
        if problems
        else Check("files", True, f"{len(manifest['files'])} files, {sizes} bytes, match their CRC-32")
    )
    passage_ids: set[int] | None = None
    if DATABASE not in problems or problems[DATABASE] == "does not match its checksum":
        try:
            db = sqlite3.connect(f"file:{generation / DATABASE}?mode=ro", uri=True)
            try:
                rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
                if rows == ["ok"]:
                    passage_ids = {r[0] for r in db.execute("SELECT id FROM passages")}
                    fts_ids = {r[0] for r in db.execute("SELECT rowid FROM passages_fts")}
                    documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
                    ok = fts_ids == passage_ids and documents == manifest["counts"].get("documents")
                    detail = f"integrity_check ok, {documents} documents, {len(passage_ids)} passages"
                    checks.append(Check("sqlite", ok, detail + ("" if ok else "; keyword index or counts disagree")))
                else:
                    checks.append(Check("sqlite", False, "integrity_check: " + "; ".join(rows[:3])))
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            checks.append(Check("sqlite", False, str(exc)))
    if VECTORS in problems:
        checks.append(Check("vectors", False, f"not read: {VECTORS} {problems[VECTORS]}"))
    elif passage_ids is not None:
        import faiss

        try:
            vectors = faiss.read_index(str(generation / VECTORS))
            ids = set(faiss.vector_to_array(vectors.id_map).tolist()) if hasattr(vectors, "id_map") else None
            ok = vectors.ntotal == len(passage_ids) == manifest["counts"].get("passages")
            ok = ok and (ids is None or ids == passage_ids) and vectors.d == manifest["encoder"]["dimension"]
            detail = f"{vectors.ntotal} vectors of dimension {vectors.d}" + (
                ", one per passage id" if ok else f"; passages: {len(passage_ids)}, ids or dimension disagree"
            )
            checks.append(Check("vectors", ok, detail))
        except RuntimeError as exc:
            checks.append(Check("vectors", False, f"faiss cannot read {VECTORS}: {str(exc).splitlines()[0]}"))
    return generation.name, checks
