"""The one place that chains parse -> split -> embed -> store. Incremental by content hash:
unchanged documents are not embedded again, removed ones are dropped."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scan.embed import Encoder
from scan.errors import ScanError
from scan.ingestvectors import VectorRun
from scan.inputs import collect_files, max_file_bytes, printable, read_input
from scan.kinds import annotate
from scan.metadata import refresh as refresh_metadata
from scan.parse import read_document, supported
from scan.sentences import quote_units
from scan.sourcetree import SourceTree
from scan.split import SplitSettings, split_document
from scan.store import Index, IndexWriter

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[str] = field(default_factory=list)  # one line per document whose extraction has problems
    passages: int = 0  # passages embedded in this run
    metadata_updated: list[tuple[str, list[str]]] = field(default_factory=list)  # (doc_id, fields) not re-embedded
    generation: str = ""


def _collect(paths: Iterable[Path], skipped: list[tuple[str, str]] | None = None) -> list[tuple[Path, str, Path]]:
    """(file, doc_id, root) for every supported file; a missing path is an error (see scan.inputs)."""
    found, left_out = collect_files(paths, supported)
    if skipped is not None:
        skipped.extend(left_out)
    return found


def ingest(
    paths: list[Path],
    index_dir: Path,
    encoder: Encoder,
    split: SplitSettings = SplitSettings(),
    batch_size: int = 32,
    rebuild: bool = False,
    show_progress: bool = False,
    max_file_mb: float | None = None,
) -> IngestReport:
    """Bring the index at `index_dir` up to date with the files under `paths`.

    Documents under the given folders that the index holds but that are gone from disk are
    removed; documents elsewhere in the index are left alone.

    >>> report = ingest([Path("corpus")], Path("index"), load_encoder())  # doctest: +SKIP
    >>> report.added
    ['omvarldsanalys-alingsas-2023-2026.md']
    """
    from scan.progress import Progress

    max_bytes = max_file_bytes(max_file_mb)  # per file; None: $SCAN_MAX_FILE_MB or 200 MB
    report = IngestReport()
    files = _collect(paths, report.skipped)
    if not files and not report.skipped and Index.live_generation(index_dir) is None:
        raise ScanError(  # before a writer makes an empty index folder
            f"found no files to ingest in {', '.join(str(p) for p in paths)}",
            "give Markdown, text, PDF, Word or HTML files, or folders that hold them",
        )
    source_lists: dict[Path, SourceTree] = {  # every sources.toml above the files (scan.sourcetree)
        root: SourceTree(root, [d for _, d, r in files if r == root]) for root in {r for _, _, r in files}
    }
    settings = {"split": asdict(split), "batch_size": batch_size}
    if hasattr(encoder, "batch_precision"):  # the default model: bfloat16 batches where the CPU has them
        settings["precision"] = encoder.batch_precision()
    with IndexWriter(index_dir, encoder.name, encoder.dimension, settings, rebuild=rebuild) as writer:
        stored = writer.stored_hashes()
        todo = []
        same = []  # files unchanged since the last ingest: their sources.toml entry may have changed
        seen: set[str] = set()
        known = _same_files(files, stored)  # a file stored under another id (named alone, then its folder)
        for file, name, root in files:
            doc_id = known.get(name, name)  # `name`, its path from `root`, still finds its sources.toml entry
            seen.add(doc_id)
            try:
                raw_hash = hashlib.sha256(read_input(file, max_bytes)).hexdigest()
            except ScanError as exc:  # not a regular file, too large, unreadable
                report.skipped.append((printable(file), _reason(file, exc)))
                continue
            if doc_id in stored and stored[doc_id][0] == raw_hash:
                report.unchanged.append(doc_id)
                same.append((file, doc_id, source_lists[root].document_metadata(name)))
                continue
            todo.append((file, doc_id, root, name))
        roots = {str(p.resolve()) for p in paths if p.is_dir()}
        files_given = {str(p.resolve()) for p in paths if p.is_file()}
        for doc_id, (_, stored_path) in stored.items():
            resolved = str(Path(stored_path).resolve())
            under = any(resolved.startswith(r.rstrip("/") + "/") for r in roots) or resolved in files_given
            if doc_id not in seen and under and not Path(stored_path).exists():
                writer.remove(doc_id)
                report.removed.append(doc_id)

        relinked = _link_sources(writer, source_lists, stored, report)
        changes = refresh_metadata(writer, same, max_bytes)  # no embedding (scan.metadata)
        report.metadata_updated = [(c.doc_id, c.fields) for c in changes if c.fields]
        if not todo and not report.removed and not relinked and not changes:
            report.generation = writer.live_name()
            return report  # nothing changed: the live generation stays as it is
        bar = Progress(len(todo), "Reading", "documents", enabled=show_progress)
        parsed = []
        run = VectorRun(encoder, batch_size, warm=bool(todo))  # encodes in the background while files are read
        try:
            for file, doc_id, root, name in todo:
                bar.set_postfix_str(printable(file.name)[:40])
                try:
                    doc = read_document(file, doc_id, source_lists[root].document_metadata(name), max_bytes)
                except ScanError as exc:
                    report.skipped.append((printable(file), _reason(file, exc)))
                    bar.update(1)
                    continue
                passages = annotate(split_document(doc, split), doc.text)
                parsed.append((doc, passages, quote_units(doc.text, passages)))  # with sentences for quotes
                run.add(*parsed[-1][1:])
                if problem := extraction_problems(doc.report):
                    report.warnings.append(f"{doc.doc_id}: {problem} (see: scan info --doc {doc.doc_id})")
                bar.update(1)
            bar.close()
            total = sum(len(passages) for _, passages, _ in parsed)
            with Progress(total, "Embedding", "passages", enabled=show_progress) as embedding:
                vectors = run.finish(embedding)
        finally:
            run.close()
        for (doc, passages, doc_units), (passage_vectors, unit_vectors) in zip(parsed, vectors):
            (report.updated if doc.doc_id in stored else report.added).append(doc.doc_id)
            writer.add(doc, passages, passage_vectors, doc_units, unit_vectors if doc_units else None)
            report.passages += len(passages)
        _link_sources(writer, source_lists, {**stored, **{d.doc_id: None for d, *_ in parsed}}, report)
        report.generation = writer.commit().name
    return report


def _same_files(files: list[tuple[Path, str, Path]], stored: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Path from its root -> stored doc_id, for each file the index holds under another id.

    The same file on disk is one document however it is named: `scan ingest bibliotek/pdfs/plan.pdf`
    stores it as `plan.pdf`, and a later `scan ingest bibliotek` finds it there instead of adding
    `pdfs/plan.pdf` beside it (every hit from it was listed twice). An id that another file of
    this run has as its own, or that two files would share, is left alone.
    """
    names = {name for _, name, _ in files}
    at = {}
    for doc_id, (_, path) in stored.items():
        if doc_id not in names:
            at.setdefault(os.path.realpath(path), []).append(doc_id)
    found: dict[str, str] = {}
    for file, name, _ in files:
        ids = at.get(os.path.realpath(file), [])
        if name not in stored and len(ids) == 1 and ids[0] not in found.values():
            found[name] = ids[0]
    return found


def _reason(file: Path, exc: ScanError) -> str:
    """The reason of a file's ScanError without the file name it starts with, and the fix; printable."""
    reason = exc.message.removeprefix(f"{printable(file)}: ").removeprefix(f"{file}: ")
    return printable(f"{reason} ({exc.hint})" if exc.hint else reason)


def extraction_problems(report: dict) -> str:
    """One line on what went wrong in a document's extraction, or '' if nothing did."""
    parts = []
    for key, what in (
        ("no_text", "no text (scanned?)"),
        ("little_text", "little text"),
        ("broken", "broken text (glued words)"),
        ("unreadable", "unreadable"),
    ):
        pages = report.get(key) or []
        if pages:
            listed = ", ".join(map(str, pages[:8])) + (" …" if len(pages) > 8 else "")
            parts.append(f"{what} on page{'s' if len(pages) > 1 else ''} {listed}")
    return "; ".join(parts)


def _link_sources(writer: IndexWriter, source_lists: dict[Path, SourceTree], present, report: IngestReport) -> bool:
    """Link each folder's analysis to its reference list; True if any link changed."""
    changed = False
    for tree in source_lists.values():
        for doc_id, sources in tree.analyses():
            if doc_id in present and doc_id not in report.removed:
                changed |= writer.link_sources(doc_id, sources)
    return changed
