"""Files on disk -> Document. One reader per format, chosen by file suffix."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scan.errors import ScanError
from scan.inputs import as_text, printable, read_input
from scan.metadata import ORIGIN, reader_title_source, resolve
from scan.parse.common import DocumentBuilder
from scan.parse.docx import read_docx
from scan.parse.html import read_html
from scan.parse.markdown import read_markdown
from scan.parse.pdf import read_pdf
from scan.parse.text import read_text
from scan.types import Document

READERS: dict[str, Callable[[Path, bytes], DocumentBuilder]] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".text": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_document(
    path: Path,
    doc_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    max_bytes: int | None = None,
) -> Document:
    """Read one file into a Document; raises ScanError naming the file and the fix.

    Only a regular file of at most `max_bytes` (default: $SCAN_MAX_FILE_MB or 200 MB) is read.
    A file that makes its reader fail in an unforeseen way is reported as unreadable, not as a crash.

    >>> doc = read_document(Path("corpus/omvarldsanalys-alingsas-2023-2026.md"))  # doctest: +SKIP
    >>> doc.title
    'Omvärldsanalys för Alingsås kommun'
    """
    reader = READERS.get(path.suffix.lower())
    name = printable(path)
    if reader is None:
        raise ScanError(
            f"{name}: unsupported file type '{printable(path.suffix)}'", f"supported: {', '.join(sorted(READERS))}"
        )
    raw = read_input(path, max_bytes)
    if not raw.strip():
        raise ScanError(f"{name}: the file is empty", "remove it or add text")
    try:
        built = reader(path, raw)
    except ScanError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise ScanError(
            f"{name}: too large or too deeply nested to read ({type(exc).__name__})", "split the file or simplify it"
        ) from None
    except Exception as exc:  # a parser library failing on a damaged file: skip it, never crash the run
        raise ScanError(
            f"{name}: could not be read as {path.suffix.lower()} ({type(exc).__name__}: {printable(exc)[:200]})",
            "check that the file opens in its usual program and is what its name says",
        ) from None
    if not built.sections:
        raise ScanError(f"{name}: no text found", "check that the file holds body text")
    own_title = as_text(built.title)
    said = reader_title_source(built.kind, own_title, as_text(path.stem), built.title_source)
    resolved = resolve(own_title, said, dict(metadata or {}))  # sources.toml first (scan.metadata)
    return Document(
        doc_id=doc_id or as_text(path.name),
        path=as_text(path),
        title=resolved.title,
        text=built.text,
        sections=tuple(built.sections),
        sha256=hashlib.sha256(raw).hexdigest(),
        kind=built.kind,
        metadata=resolved.metadata,
        footnotes=dict(built.footnotes),
        footnote_refs=tuple(built.footnote_refs),
        report={**built.report, ORIGIN: resolved.origin_record()},
    )
