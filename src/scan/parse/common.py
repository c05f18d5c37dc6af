"""Shared pieces of the readers: UTF-8 decoding with a clear error, and a builder that
assembles a Document's clean text while recording the heading, page and footnote of each part."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scan.errors import ScanError
from scan.types import Section

_SENTENCE_END = re.compile(r"[.!?:;…\"”)»]\s*$")


def decode_utf8(path: Path, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScanError(
            f"{path}: not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x})",
            f"convert it first, e.g. iconv -f latin1 -t utf-8 '{path}' > '{path.stem}.utf8{path.suffix}'",
        ) from None
    return text


@dataclass
class DocumentBuilder:
    """Collects paragraphs in reading order into one text with sections.

    Paragraph breaks are two newlines. A paragraph that a page break cut in two (the first
    part ends without closing punctuation, the next starts in lower case) is joined again.
    """

    kind: str
    title: str
    text: str = ""
    sections: list[Section] = field(default_factory=list)
    footnote_refs: list[tuple[int, int]] = field(default_factory=list)
    footnotes: dict[int, str] = field(default_factory=dict)
    heading: tuple[str, ...] = ()
    page: int | None = None
    _last_heading: tuple[str, ...] | None = None

    def add_paragraph(self, paragraph: str, refs: list[tuple[int, int]] = ()) -> None:
        """Append a paragraph (already one line); `refs` are (offset in paragraph, note number)."""
        if not paragraph.strip():
            return
        joined = (
            self.sections
            and self._last_heading == self.heading
            and self.sections[-1].end == len(self.text)
            and not _SENTENCE_END.search(self.text)
            and paragraph[0].islower()
        )
        sep = " " if joined else ("\n\n" if self.text else "")
        start = len(self.text) + len(sep)
        self.text += sep + paragraph
        self.footnote_refs.extend((start + off, n) for off, n in refs)
        last = self.sections[-1] if self.sections else None
        if last and last.end == start - len(sep) and last.heading == self.heading and last.page == self.page:
            self.sections[-1] = Section(last.start, len(self.text), last.heading, last.page)
        elif joined and last:
            # continue the same paragraph on a new page: a new section, no paragraph break
            self.sections.append(Section(start, len(self.text), self.heading, self.page))
        else:
            self.sections.append(Section(start, len(self.text), self.heading, self.page))
        self._last_heading = self.heading
