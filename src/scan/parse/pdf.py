"""PDF through pypdf, page by page: every part of the text knows its page.

Citations use the printed page where the PDF's page labels give a number, else the physical page.
Outline headings and layout clean-up are left to later work (see issue 5).
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from scan.errors import ScanError
from scan.parse.common import DocumentBuilder

logger = logging.getLogger(__name__)

_MIN_CHARS = 20  # fewer extracted characters than this in the whole file: no text layer


def _page_number(label: str, physical: int) -> int:
    return int(label) if label.isdigit() else physical


def read_pdf(path: Path, raw: bytes) -> DocumentBuilder:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (NotImplementedError, ImportError) as exc:
                raise ScanError(
                    f"{path}: encrypted PDF that cannot be opened ({exc})",
                    "decrypt it first, e.g. qpdf --decrypt in.pdf out.pdf",
                ) from None
            if not ok:
                raise ScanError(
                    f"{path}: the PDF is encrypted with a password",
                    "save an unencrypted copy (e.g. qpdf --password=... --decrypt in.pdf out.pdf) and ingest that",
                )
        pages = list(reader.pages)
        labels = list(reader.page_labels) if pages else []
        title = ""
        if reader.metadata and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except ScanError:
        raise
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ScanError(
            f"{path}: not a readable PDF ({exc})", "check that the file is a complete PDF; re-download or re-export it"
        ) from None
    builder = DocumentBuilder(kind="pdf", title=path.stem)
    total = 0
    for i, page in enumerate(pages):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # pypdf raises many types on broken content streams
            logger.warning("%s: page %d could not be read (%s); skipped", path, i + 1, exc)
            continue
        builder.page = _page_number(labels[i] if i < len(labels) else "", i + 1)
        for block in re.split(r"\n\s*\n", text):
            paragraph = " ".join(block.split())
            total += len(paragraph)
            builder.add_paragraph(paragraph)
    # PDF metadata titles are often left from a template ("Föreskriftens namn", "Microsoft Word - x"):
    # trust one only where the first pages say it too
    opening = " ".join(builder.text[:5000].split()).casefold()
    if len(title) > 3 and " ".join(title.split()).casefold() in opening:
        builder.title = title
    if total < _MIN_CHARS:
        raise ScanError(
            f"{path}: no extractable text in {len(pages)} page(s); it is probably scanned images",
            "run OCR first, e.g. ocrmypdf in.pdf out.pdf, and ingest the result",
        )
    return builder
