"""The one place that chains parse -> split -> embed -> store. Incremental by content hash:
unchanged documents are not embedded again, removed ones are dropped."""

from __future__ import annotations

import hashlib
import logging
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scan.embed import Encoder
from scan.errors import ScanError
from scan.parse import read_document, supported
from scan.split import SplitSettings, split_document
from scan.store import IndexWriter

logger = logging.getLogger(__name__)

METADATA_FILE = "sources.toml"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    passages: int = 0  # passages embedded in this run
    generation: str = ""


def _collect(paths: Iterable[Path]) -> list[tuple[Path, str, Path]]:
    """(file, doc_id, root) for every supported file; a missing path is an error."""
    found: list[tuple[Path, str, Path]] = []
    for path in paths:
        if not path.exists():
            raise ScanError(f"{path}: no such file or folder", "check the path")
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and supported(f) and not any(part.startswith(".") for part in f.relative_to(path).parts):
                    found.append((f, f.relative_to(path).as_posix(), path))
        else:
            found.append((path, path.name, path.parent))
    return found


def load_document_metadata(folder: Path) -> dict[str, dict[str, Any]]:
    """`[documents."file.md"]` tables of a folder's sources.toml: title, publisher, year, kind."""
    path = folder / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScanError(f"{path}: not valid TOML ({exc})", "fix the line it names") from None
    return {str(k): dict(v) for k, v in data.get("documents", {}).items()}


def ingest(
    paths: list[Path],
    index_dir: Path,
    encoder: Encoder,
    split: SplitSettings = SplitSettings(),
    batch_size: int = 32,
    rebuild: bool = False,
    show_progress: bool = False,
) -> IngestReport:
    """Bring the index at `index_dir` up to date with the files under `paths`.

    Documents under the given folders that the index holds but that are gone from disk are
    removed; documents elsewhere in the index are left alone.

    >>> report = ingest([Path("corpus")], Path("index"), load_encoder())  # doctest: +SKIP
    >>> report.added
    ['omvarldsanalys-alingsas-2023-2026.md']
    """
    from tqdm import tqdm

    files = _collect(paths)
    metadata: dict[Path, dict[str, dict[str, Any]]] = {}
    settings = {"split": asdict(split), "batch_size": batch_size}
    report = IngestReport()
    with IndexWriter(index_dir, encoder.name, encoder.dimension, settings, rebuild=rebuild) as writer:
        stored = writer.stored_hashes()
        todo = []
        seen: set[str] = set()
        for file, doc_id, root in files:
            seen.add(doc_id)
            try:
                raw_hash = hashlib.sha256(file.read_bytes()).hexdigest()
            except OSError as exc:
                report.skipped.append((str(file), exc.strerror or str(exc)))
                continue
            if doc_id in stored and stored[doc_id][0] == raw_hash:
                report.unchanged.append(doc_id)
                continue
            todo.append((file, doc_id, root))
        roots = {str(p.resolve()) for p in paths if p.is_dir()}
        files_given = {str(p.resolve()) for p in paths if p.is_file()}
        for doc_id, (_, stored_path) in stored.items():
            resolved = str(Path(stored_path).resolve())
            under = any(resolved.startswith(r.rstrip("/") + "/") for r in roots) or resolved in files_given
            if doc_id not in seen and under and not Path(stored_path).exists():
                writer.remove(doc_id)
                report.removed.append(doc_id)

        if not todo and not report.removed:
            report.generation = writer.live_name()
            return report  # nothing changed: the live generation stays as it is
        bar = tqdm(total=len(todo), desc="Reading", unit="doc", disable=not show_progress, leave=False)
        parsed = []
        for file, doc_id, root in todo:
            bar.set_postfix_str(file.name[:40])
            if root not in metadata:
                metadata[root] = load_document_metadata(root)
            try:
                doc = read_document(file, doc_id, metadata[root].get(doc_id))
            except ScanError as exc:
                report.skipped.append((str(file), str(exc).removeprefix(f"{file}: ")))
                bar.update(1)
                continue
            parsed.append((doc, split_document(doc, split)))
            bar.update(1)
        bar.close()

        total = sum(len(ps) for _, ps in parsed)
        bar = tqdm(total=total, desc="Embedding", unit="passage", disable=not show_progress)
        for doc, passages in parsed:
            vectors = []
            for i in range(0, len(passages), batch_size):
                chunk = passages[i : i + batch_size]
                vectors.append(encoder.encode_passages([p.text for p in chunk], batch_size))
                bar.update(len(chunk))
            import numpy as np

            matrix = np.vstack(vectors) if vectors else np.zeros((0, encoder.dimension), dtype=np.float32)
            (report.updated if doc.doc_id in stored else report.added).append(doc.doc_id)
            writer.add(doc, passages, matrix)
            report.passages += len(passages)
        bar.close()
        report.generation = writer.commit().name
    return report
