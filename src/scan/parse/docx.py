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
from scan.parse.pdftitle import is_section_heading

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


MAX_UNPACKED = 200 * 1024 * 1024  # all parts of a Word file, unpacked
MAX_XML = 50 * 1024 * 1024  # its XML parts, unpacked (python-docx holds their parsed tree in memory)
MAX_RATIO = 100  # unpacked / packed, for a part over 1 MB: text XML packs 5–20×, a zip bomb 1000×


def check_unpacked_size(path: Path, raw: bytes) -> None:
    """Refuse a .docx that would unpack to too much (a zip bomb) before anything is unpacked.

    zipfile stops at the size each entry declares (more data fails its CRC check), so the declared
    sizes bound what reading the file can unpack.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ScanError(
            f"{path}: not a readable Word file ({exc})", "open it in Word and save it again as .docx"
        ) from None
    total = sum(i.file_size for i in infos)
    xml = sum(i.file_size for i in infos if i.filename.lower().endswith((".xml", ".rels")))
    worst = max(infos, key=lambda i: i.file_size / max(i.compress_size, 1), default=None)
    mb = 1024 * 1024
    if total > MAX_UNPACKED or xml > MAX_XML:
        raise ScanError(
            f"{path}: unpacks to {total / mb:.0f} MB ({xml / mb:.0f} MB of XML), over the limit of "
            f"{MAX_UNPACKED // mb} MB ({MAX_XML // mb} MB of XML) for a Word file",
            "split the document, or save it as PDF",
        )
    if worst is not None and worst.file_size > mb and worst.file_size > MAX_RATIO * max(worst.compress_size, 1):
        raise ScanError(
            f"{path}: its part {worst.filename} unpacks {worst.file_size // max(worst.compress_size, 1)}× "
            f"(over {MAX_RATIO}×): not a normal Word file (a zip bomb?)",
            "open it in Word and save it again as .docx",
        )


def read_docx(path: Path, raw: bytes) -> DocumentBuilder:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_unpacked_size(path, raw)
    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ScanError(
            f"{path}: not a readable Word file ({exc})", "open it in Word and save it again as .docx"
        ) from None
    title = (document.core_properties.title or "").strip()
    builder = DocumentBuilder(kind="docx", title=title or path.stem)
    first_heading: str | None = None  # the first level-1 heading: the title when there is no title property or Title paragraph
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
            if m.group(1) == "1" and first_heading is None:
                first_heading = "" if is_section_heading(text) else text  # 'Inledning' names no document
        elif _TITLE_STYLE.match(style):
            if not title:
                builder.title, builder.title_source = text, "title style"
        else:
            builder.add_paragraph(text)
    if not title and not builder.title_source and first_heading:  # as a Markdown file's first # heading
        builder.title, builder.title_source = first_heading, "first heading"
    return builder
