"""Markdown, as municipal reports look after conversion from PDF.

- Headings (`#`..`######`) become a heading path. Where the document has a table of contents
  ("Innehåll" / "Contents" with dot leaders and page numbers), headings listed there are chapters
  (level 1) and their printed page is known; other headings nest below the current chapter.
- Footnote markers `<sup>N</sup>` are removed from the text and kept as references; footnote
  definitions (`<sup>N</sup> text`, usually after a `---` line) are kept apart from the body.
- A block of footnote definitions marks the end of a printed page. Pages are counted from the
  table of contents' anchors, plus one at each such block.
- The table of contents and the reference list ("Källor", "Referenser", "References") are not
  body text.
"""

from __future__ import annotations

import re
from pathlib import Path

from scan.parse.common import DocumentBuilder, decode_utf8

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_FOOTNOTE_DEF = re.compile(r"^\s*<sup>\s*(\d+)\s*</sup>\s*(.*)$")
_FOOTNOTE_REF = re.compile(r"<sup>\s*(\d+)\s*</sup>")
_TOC_LINE = re.compile(r"^(.*?)\s*\.{2,}\s*(?:<b>)?\s*(\d+)\s*(?:</b>)?\s*$")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_IMAGE_LINE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")
_CAPTION_HEADING = re.compile(r"^\*(?!\*)(.+?)(?<!\*)\*$")  # "#### *Figure caption*"
_BOLD_LINE = re.compile(r"^\s*\*\*(?!\*)(.+?)\*\*\s*$")  # "**- Sub-heading**" on a line of its own
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")

TOC_TITLES = {"innehåll", "innehållsförteckning", "contents", "table of contents"}
REFERENCE_TITLES = {"källor", "källförteckning", "referenser", "references", "litteratur"}


def clean_inline(text: str) -> str:
    """Markdown/HTML inline markup -> plain text (footnote markers must be handled first)."""
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    text = text.replace("\\", "")
    return " ".join(text.split())


def clean_heading(text: str) -> str:
    title = clean_inline(_FOOTNOTE_REF.sub("", text))
    title = re.sub(r"^[-–•]\s*", "", title).strip()
    return title.strip("*_ ").strip()


def _key(title: str) -> str:
    return " ".join(title.casefold().replace(".", " ").split())


_MARK = "\ue000"  # a private-use character standing in for a footnote marker while cleaning


def _paragraph_with_refs(lines: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join lines, strip markup, and return the text with (offset, footnote number) refs.

    The markers are replaced by a placeholder and the paragraph is cleaned once (cleaning the text
    before each marker again was quadratic in a long paragraph with many notes); where markup
    swallowed a placeholder (a marker inside a link's URL), each prefix is cleaned as before.
    """
    raw = " ".join(line.strip() for line in lines)
    numbers = [int(m.group(1)) for m in _FOOTNOTE_REF.finditer(raw)]
    if not numbers:
        return clean_inline(raw), []
    if _MARK not in raw:
        cleaned = clean_inline(_FOOTNOTE_REF.sub(_MARK, raw))
        parts = cleaned.split(_MARK)
        if len(parts) == len(numbers) + 1:
            return _unmark(parts, numbers)
    return _paragraph_with_refs_slow(raw)


def _unmark(parts: list[str], numbers: list[int]) -> tuple[str, list[tuple[int, int]]]:
    """Join the cleaned parts between placeholders with single spaces; refs at the end of the text before."""
    pieces: list[str] = []
    refs: list[tuple[int, int]] = []
    length, space_last = 0, False
    for i, part in enumerate(parts):
        if i:
            refs.append((length - (1 if space_last else 0), numbers[i - 1]))
        if (space_last or not length) and part.startswith(" "):
            part = part[1:]
        if part:
            pieces.append(part)
            length += len(part)
            space_last = part.endswith(" ")
    out = "".join(pieces).rstrip(" ")
    return out, [(min(off, len(out)), n) for off, n in refs]


def _paragraph_with_refs_slow(raw: str) -> tuple[str, list[tuple[int, int]]]:
    pieces: list[str] = []
    refs: list[tuple[int, int]] = []
    pos = 0
    out = ""
    for m in _FOOTNOTE_REF.finditer(raw):
        pieces.append(raw[pos : m.start()])
        out = clean_inline("".join(pieces))
        refs.append((len(out), int(m.group(1))))
        pos = m.end()
    pieces.append(raw[pos:])
    out = clean_inline("".join(pieces))
    return out, [(min(off, len(out)), n) for off, n in refs]


def _table_of_contents(lines: list[str]) -> dict[str, int]:
    toc: dict[str, int] = {}
    for line in lines:
        m = _TOC_LINE.match(line.strip())
        if m:
            toc[_key(clean_heading(m.group(1)))] = int(m.group(2))
    return toc


def _toc_page(toc: dict[str, int], title: str) -> int | None:
    key = _key(title)
    if key in toc:
        return toc[key]
    for entry, page in toc.items():  # entries cut short in the TOC
        if len(entry) >= 20 and key.startswith(entry):
            return page
    return None


def read_markdown(path: Path, raw: bytes) -> DocumentBuilder:
    lines = decode_utf8(path, raw).replace("\r\n", "\n").split("\n")

    # First pass: the table of contents (lines under a heading named like one).
    toc: dict[str, int] = {}
    toc_block: list[str] = []
    in_toc = False
    for line in lines:
        m = _HEADING.match(line)
        if m:
            in_toc = _key(clean_heading(m.group(2))) in TOC_TITLES
            continue
        if in_toc:
            toc_block.append(line)
    toc = _table_of_contents(toc_block)
    has_footnotes = any(_FOOTNOTE_DEF.match(line) for line in lines)

    title = next(
        (clean_heading(m.group(2)) for line in lines if (m := _HEADING.match(line)) and len(m.group(1)) == 1),
        path.stem,
    )
    builder = DocumentBuilder(kind="markdown", title=title)
    builder.page = 1 if (toc or has_footnotes) else None
    stack: list[tuple[int, str]] = []
    chapter_md_level: int | None = None
    skipping = False  # inside a TOC or reference list
    page_end_pending = False
    paragraph: list[str] = []
    footnote: tuple[int, list[str]] | None = None

    def flush() -> None:
        nonlocal paragraph, footnote, page_end_pending
        if footnote is not None:
            n, parts = footnote
            builder.footnotes[n] = clean_inline(" ".join(parts))
            footnote = None
        if paragraph:
            if page_end_pending and builder.page is not None:
                builder.page += 1
            page_end_pending = False
            if not skipping:
                text, refs = _paragraph_with_refs(paragraph)
                builder.add_paragraph(text, refs)
            paragraph = []

    last_level = 2

    for line in lines:
        bold = _BOLD_LINE.match(line)
        if bold and not paragraph and len(bold.group(1)) < 200 and not bold.group(1).rstrip().endswith("."):
            # a bold line standing alone is a sub-heading, at the level of the last one
            line = "#" * last_level + " " + bold.group(1)
        heading = _HEADING.match(line)
        if heading and _CAPTION_HEADING.match(heading.group(2).strip()):
            flush()  # an italic "heading" is a figure caption: keep it as a paragraph
            paragraph.append(heading.group(2))
            flush()
            continue
        if heading:
            flush()
            if page_end_pending and builder.page is not None:
                builder.page += 1
            page_end_pending = False
            level, title_text = len(heading.group(1)), clean_heading(heading.group(2))
            last_level = level
            if not title_text:
                continue
            key = _key(title_text)
            page = _toc_page(toc, title_text) if toc else None
            if page is not None:
                effective, chapter_md_level = 1, level
                builder.page = page
            elif chapter_md_level is not None:
                effective = 1 + max(1, level - chapter_md_level)
            else:
                effective = level
            while stack and stack[-1][0] >= effective:
                stack.pop()
            stack.append((effective, title_text))
            builder.heading = tuple(t for _, t in stack)
            skipping = key in TOC_TITLES or key in REFERENCE_TITLES
            continue
        if _RULE.match(line):
            flush()
            page_end_pending = has_footnotes or page_end_pending
            continue
        fn = _FOOTNOTE_DEF.match(line)
        if fn and not paragraph:
            flush()
            footnote = (int(fn.group(1)), [fn.group(2)])
            page_end_pending = True
            continue
        if not line.strip():
            flush()
            continue
        if footnote is not None:
            footnote[1].append(line)
            continue
        if _IMAGE_LINE.match(line):
            continue
        if _BULLET.match(line) and paragraph:
            flush()
        paragraph.append(_BULLET.sub("", line) if _BULLET.match(line) else line)
    flush()
    return builder
