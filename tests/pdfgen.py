"""Write small real PDFs for tests: text pages (Helvetica, WinAnsi so å ä ö work), page
labels, an empty (image-like) page, encryption through pypdf."""

from __future__ import annotations

import io
from pathlib import Path


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


IMAGE = "<image>"  # a page given as [IMAGE] holds only a picture (a scanned page)
COLUMNS = "<columns>"  # a page given as [COLUMNS, left lines, right lines] is set in two columns
INTERLEAVED = "<interleaved>"  # the same, but the content stream writes the columns row by row


def _content(lines) -> bytes:
    if lines == [IMAGE]:  # an 8x8 grey inline image over the page: no text layer at all
        return b"q 450 0 0 600 72 120 cm BI /W 8 /H 8 /CS /G /BPC 8 ID " + bytes(range(0, 256, 4)) + b" EI Q"
    if lines and lines[0] == INTERLEAVED:
        parts = []
        for row, (a, b) in enumerate(zip(lines[1], lines[2])):
            y = 760 - 12 * row
            parts.append(b"BT /F1 10 Tf 60 %d Td (" % y + _escape(a) + b") Tj ET")
            parts.append(b"BT /F1 10 Tf 320 %d Td (" % y + _escape(b) + b") Tj ET")
        return b" ".join(parts)
    if lines and lines[0] == COLUMNS:
        left, right = lines[1], lines[2]
        show = lambda ls: b" ".join(b"(" + _escape(line) + b") '" for line in ls)  # noqa: E731
        return (
            b"BT /F1 10 Tf 12 TL 60 760 Td " + show(left) + b" ET BT /F1 10 Tf 12 TL 320 760 Td " + show(right) + b" ET"
        )
    return b"BT /F1 11 Tf 14 TL 72 760 Td " + b" ".join(b"(" + _escape(line) + b") '" for line in lines) + b" ET"


def make_pdf(pages: list, page_labels_start: int | None = None, title: str | None = None) -> bytes:
    """One list of lines per page; an empty list makes a page with no text at all.

    Object ids: 1 font, then a content stream and a page per page, then the page tree, the
    document info and the catalog.
    """
    pages_id = 2 + 2 * len(pages)
    objects = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    for i, lines in enumerate(pages):
        content = _content(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 1 0 R >> >> "
            b"/Contents %d 0 R >>" % (pages_id, 2 + 2 * i)
        )
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(len(pages)))
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages))
    objects.append(b"<< /Title (" + _escape(title or "") + b") >>")
    labels = b" /PageLabels << /Nums [0 << /S /D /St %d >>] >>" % page_labels_start if page_labels_start else b""
    objects.append(b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_id, labels))
    return assemble(objects)


def assemble(objects: list[bytes]) -> bytes:
    """A PDF file of numbered `objects`, the catalog last and the document info just before it."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    trailer = b"<< /Size %d /Root %d 0 R /Info %d 0 R >>" % (len(objects) + 1, len(objects), len(objects) - 1)
    out.write(b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def encrypt(pdf: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_pdf(path: Path, pages: list[list[str]], **kwargs) -> Path:
    path.write_bytes(make_pdf(pages, **kwargs))
    return path


def add_outline(pdf: bytes, entries: list[tuple[str, int, str | None]]) -> bytes:
    """Add bookmarks: (title, physical page index, parent title or None)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    made = {}
    for title, page, parent in entries:
        made[title] = writer.add_outline_item(title=title, page_number=page, parent=made.get(parent))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
