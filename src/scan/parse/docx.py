"""Word documents (.docx) through python-docx: paragraphs in order, headings from the heading
styles (English "Heading 1" or Swedish "Rubrik 1"), table cells as paragraphs. No pages: Word
files do not store where a page ends."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from scan.errors import ScanError
from scan.parse.common import DocumentBuilder

_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|rubrik)$", re.IGNORECASE)


def _blocks(document):
    """Paragraphs and tables in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            yield Table(child, document)


def read_docx(path: Path, raw: bytes) -> DocumentBuilder:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ScanError(
            f"{path}: not a readable Word file ({exc})", "open it in Word and save it again as .docx"
        ) from None
    title = (document.core_properties.title or "").strip()
    builder = DocumentBuilder(kind="docx", title=title or path.stem)
    for block in _blocks(document):
        if hasattr(block, "rows"):  # a table: each cell's text as a paragraph
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if text and text not in cells:  # merged cells repeat their text
                        cells.append(text)
                if cells:
                    builder.add_paragraph(" | ".join(cells))
            continue
        text = " ".join(block.text.split())
        style = block.style.name if block.style is not None else ""
        if not text:
            continue
        if m := _HEADING_STYLE.match(style):
            builder.push_heading(int(m.group(1)), text)
        elif _TITLE_STYLE.match(style):
            if not title:
                builder.title = text
        else:
            builder.add_paragraph(text)
    return builder
