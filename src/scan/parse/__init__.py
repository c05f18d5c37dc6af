"""Files on disk -> Document. One reader per format, chosen by file suffix."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scan.errors import ScanError
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


def read_document(path: Path, doc_id: str | None = None, metadata: dict[str, Any] | None = None) -> Document:
    """Read one file into a Document; raises ScanError naming the file and the fix.

    >>> doc = read_document(Path("corpus/omvarldsanalys-alingsas-2023-2026.md"))  # doctest: +SKIP
    >>> doc.title
    'Omvärldsanalys för Alingsås kommun'
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ScanError(f"{path}: unsupported file type '{path.suffix}'", f"supported: {', '.join(sorted(READERS))}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScanError(f"{path}: no such file", "check the path") from None
    except IsADirectoryError:
        raise ScanError(f"{path}: is a directory", "pass the folder to 'scan ingest' instead") from None
    except OSError as exc:
        raise ScanError(f"{path}: cannot be read ({exc.strerror})", "check its permissions") from None
    if not raw.strip():
        raise ScanError(f"{path}: the file is empty", "remove it or add text")
    built = reader(path, raw)
    if not built.sections:
        raise ScanError(f"{path}: no text found", "check that the file holds body text")
    meta = dict(metadata or {})
    return Document(
        doc_id=doc_id or path.name,
        path=str(path),
        title=str(meta.pop("title", None) or built.title),
        text=built.text,
        sections=tuple(built.sections),
        sha256=hashlib.sha256(raw).hexdigest(),
        kind=built.kind,
        metadata=meta,
        footnotes=dict(built.footnotes),
        footnote_refs=tuple(built.footnote_refs),
        report=dict(built.report),
    )
