"""A stored document laid out for reading: headings, page markers and paragraphs, in text order.

The layout is made from what the index stores (the document's clean text, its sections with their
heading paths and printed pages, and its passages), so it shows exactly the text that passages and
quotes point into. Each passage's start carries an anchor (`p-<seq>`); one stretch of the text (the
passage or quote the reader came from) can be marked. The web's document page and `scan show
--full` both read this layout.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from scan.store import Index


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool = False
    anchors: tuple[int, ...] = ()  # seqs of the passages that start here


@dataclass(frozen=True)
class Block:
    kind: str  # heading, page or paragraph
    text: str = ""  # the heading
    level: int = 0  # heading depth, 1 = top
    page: int | None = None  # printed page (page markers)
    physical_page: int | None = None  # page in the file (page markers of PDFs), if known
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    anchor: str = ""  # page markers: "s-<page>" on the first marker of each page


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def layout(
    index: Index,
    doc_id: str,
    mark: tuple[int, int] | None = None,
    physical: dict[int, int] | None = None,
) -> list[Block]:
    """The document's blocks in order; `mark` = (start, end) offsets of the text to mark."""
    text = index.document_text(doc_id)
    starts: dict[int, list[int]] = {}
    for _, p in index.passages_of(doc_id):
        starts.setdefault(p.start, []).append(p.seq)
    offsets = sorted(starts)
    physical = physical or {}
    blocks: list[Block] = []
    heading: tuple[str, ...] = ()
    page: int | None = None
    seen_pages: set[int] = set()
    pos = 0
    for start, end, section_heading, section_page in index.sections_of(doc_id):
        if start > pos:
            blocks.extend(_paragraphs(text, pos, start, starts, offsets, mark))
        if section_page is not None and section_page != page:
            anchor = "" if section_page in seen_pages else f"s-{section_page}"
            blocks.append(Block("page", page=section_page, physical_page=physical.get(section_page), anchor=anchor))
            seen_pages.add(section_page)
            page = section_page
        if section_heading != heading:
            same = 0
            while same < min(len(heading), len(section_heading)) and heading[same] == section_heading[same]:
                same += 1
            for depth in range(same, len(section_heading)):
                blocks.append(Block("heading", section_heading[depth], level=depth + 1))
            heading = section_heading
        blocks.extend(_paragraphs(text, start, end, starts, offsets, mark))
        pos = max(pos, end)
    if pos < len(text):
        blocks.extend(_paragraphs(text, pos, len(text), starts, offsets, mark))
    return blocks


def _paragraphs(
    text: str,
    lo: int,
    hi: int,
    starts: dict[int, list[int]],
    offsets: list[int],
    mark: tuple[int, int] | None,
) -> Iterator[Block]:
    """Paragraph blocks for text[lo:hi] (split at blank lines), cut at passage starts and the mark."""
    a = lo
    for m in [*_PARAGRAPH_BREAK.finditer(text, lo, hi), None]:
        b = m.start() if m else hi
        if text[a:b].strip():
            yield Block("paragraph", segments=tuple(_segments(text, a, b, starts, offsets, mark)))
        if m is None:
            break
        a = m.end()


def _segments(
    text: str, a: int, b: int, starts: dict[int, list[int]], offsets: list[int], mark: tuple[int, int] | None
) -> Iterator[Segment]:
    cuts = set(offsets[bisect.bisect_left(offsets, a) : bisect.bisect_left(offsets, b)])
    if mark is not None:
        cuts |= {x for x in mark if a < x < b}
    points = sorted(cuts | {a, b})
    for x, y in zip(points, points[1:]):
        marked = mark is not None and mark[0] <= x and y <= mark[1] and mark[0] < mark[1]
        yield Segment(text[x:y], marked, tuple(starts.get(x, ())))


def as_text(blocks: list[Block]) -> str:
    """The layout as plain text: '## heading', '[s. 4]' markers and paragraphs (for the terminal)."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            out.append("#" * min(block.level + 1, 6) + " " + block.text)
        elif block.kind == "page":
            out.append(f"[s. {block.page}]")
        else:
            out.append("".join(s.text for s in block.segments).strip())
    return "\n\n".join(x for x in out if x) + "\n"
