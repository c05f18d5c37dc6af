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
            # a text saved on Windows is Windows-1252: Latin-1 would turn its ” – € into control codes
            f"convert it first, e.g. iconv -f windows-1252 -t utf-8 '{path}' > "
            f"'{path.with_name(path.stem + '.utf8' + path.suffix)}', and remove the original",
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
    title_source: str = ""  # where the title came from: "first heading", "pdf metadata" … ("" = the reader's kind)
    sections: list[Section] = field(default_factory=list)
    footnote_refs: list[tuple[int, int]] = field(default_factory=list)
    footnotes: dict[int, str] = field(default_factory=dict)
    heading: tuple[str, ...] = ()
    page: int | None = None
    physical_page: int | None = None
    report: dict = field(default_factory=dict)
    _last_heading: tuple[str, ...] | None = None
    _stack: list[tuple[int, str]] = field(default_factory=list)
    _parts: list[str] = field(default_factory=list)  # the text in pieces: appending stays linear
    _length: int = 0
    _ends_sentence: bool = False  # the text so far ends with closing punctuation

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def push_heading(self, level: int, title: str) -> None:
        """Enter a heading of the given level (1 = top): the heading path is the open headings."""
        title = " ".join(title.split())
        if not title:
            return
        stack = [h for h in self._stack if h[0] < level]
        stack.append((level, title))
        self._stack = stack
        self.heading = tuple(t for _, t in stack)

    def add_paragraph(self, paragraph: str, refs: list[tuple[int, int]] = ()) -> None:
        """Append a paragraph (already one line); `refs` are (offset in paragraph, note number)."""
        if not paragraph.strip():
            return
        joined = (
            self.sections
            and self._last_heading == self.heading
            and self.sections[-1].end == self._length
            and not self._ends_sentence
            and paragraph[0].islower()
        )
        sep = " " if joined else ("\n\n" if self._length else "")
        start = self._length + len(sep)
        self._parts.extend((sep, paragraph))
        self._length += len(sep) + len(paragraph)
        # only the paragraph's tail can hold the closing punctuation (searching all text was quadratic)
        self._ends_sentence = bool(_SENTENCE_END.search(paragraph[-200:]))
        self.footnote_refs.extend((start + off, n) for off, n in refs)
        last = self.sections[-1] if self.sections else None
        same_place = last and (last.heading, last.page, last.physical_page) == (
            self.heading,
            self.page,
            self.physical_page,
        )
        if last and last.end == start - len(sep) and same_place:
            self.sections[-1] = Section(last.start, self._length, last.heading, last.page, last.physical_page)
        else:  # a new heading or page (a paragraph continued on a new page too: no paragraph break)
            self.sections.append(Section(start, self._length, self.heading, self.page, self.physical_page))
        self._last_heading = self.heading
