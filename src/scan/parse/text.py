"""Plain text: paragraphs separated by blank lines, no headings, no pages."""

from __future__ import annotations

from pathlib import Path

from scan.parse.common import DocumentBuilder, decode_utf8


def read_text(path: Path, raw: bytes) -> DocumentBuilder:
    text = decode_utf8(path, raw)
    builder = DocumentBuilder(kind="text", title=path.stem)
    for paragraph in text.replace("\r\n", "\n").split("\n\n"):
        builder.add_paragraph(" ".join(paragraph.split()))
    return builder
