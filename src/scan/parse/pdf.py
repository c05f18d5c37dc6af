"""PDF through pypdf, page by page, cleaned so that it can be quoted and cited.

Clean-up (offsets, passages and quotes all refer to the cleaned text):
- ligatures (ﬁ, ﬂ …), soft hyphens, non-breaking and zero-width spaces normalised;
- running headers and footers (a line that stands at the top or bottom of many pages, numbers
  aside) and bare page numbers removed;
- words hyphenated across a line break re-joined ("kommun-" + "ens" -> "kommunens"), while real
  hyphens stay: before a conjunction ("vård- och omsorg") and after a short prefix or an
  abbreviation ("e-tjänster", "IT-stöd");
- lines joined into paragraphs; a short line ending a sentence ends its paragraph.

Pages: a citation shows the printed page: the PDF's page labels where it has them, else the
number printed at the top or bottom of the pages where that agrees from page to page, else the
physical page. The physical page is kept too. Where the PDF has an outline (bookmarks), its
titles give the passages their heading path.

An extraction report per document lists pages with no text (scanned), little text, or text that
looks broken (words glued together), and what the clean-up did.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from pathlib import Path

from scan.errors import ScanError
from scan.parse import pdftitle
from scan.parse.bookmarks import without_note_mark
from scan.parse.common import DocumentBuilder

logger = logging.getLogger(__name__)

_MIN_CHARS = 20  # fewer extracted characters than this in the whole file: no text layer
_LITTLE_TEXT = 200  # a page with fewer characters than this, in a document whose pages have more
_REPLACE = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u00ad": "",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
}
_PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:sida|sid\.|s\.|page|p\.)\s*)?(\d{1,4})(?:\s*(?:\(\s*\d+\s*\)|av\s+\d+|/\s*\d+))?\s*$", re.IGNORECASE
)
_KEEP_HYPHEN_BEFORE = {"och", "o", "eller", "samt", "som", "till", "resp", "respektive", "and", "or", "to"}
_SENTENCE_END = re.compile(r"[.!?:]['\"”’)]?$")
_TOC_LINE = re.compile(r"\.{5,}\s*\d{1,4}\s*$")  # "3.2 Sveriges miljömål ........ 9": a table of contents


def _normalise(text: str) -> str:
    for a, b in _REPLACE.items():
        text = text.replace(a, b)
    return text


def _shape(line: str) -> str:
    """A line with its digits blanked, to recognise running headers like 'Sida 3 av 24'."""
    return re.sub(r"\d+", "#", " ".join(line.split()).casefold())


def _edge(lines: list[str]) -> list[str]:
    """Where running headers and footers stand: the first and last two lines of a page (one on a
    short page), and only lines short enough to be one."""
    n = 2 if len(lines) > 6 else 1
    return [line for line in lines[:n] + lines[-n:] if len(line) <= 100]


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of lines that stand at the edge of at least half the pages (three at least)."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_shape(line) for line in _edge(lines) if line.strip()})
    return {shape for shape, n in counts.items() if n >= max(3, len(pages) // 2) and shape.strip("# ")}


def _printed_numbers(pages: list[list[str]]) -> dict[int, int]:
    """Physical page index -> the page number printed at its top or bottom."""
    found = {}
    for i, lines in enumerate(pages):
        for line in _edge(lines):
            m = _PAGE_NUMBER.match(line)
            if m:
                found[i] = int(m.group(1))
                break
    return found


def _join_lines(lines: list[str], stats: Counter) -> list[str]:
    """Lines of one page -> paragraphs, re-joining hyphenated words."""
    widths = [len(line) for line in lines if line.strip()]
    typical = statistics.median(widths) if widths else 0
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        line = " ".join(line.split())
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current.endswith("-") and len(current) > 1 and current[-2].isalpha() and line[:1].islower():
            word_before = re.search(r"(\w+)-$", current)
            next_word = re.match(r"\w+", line)
            fragment = word_before.group(1) if word_before else ""
            following = next_word.group(0).lower() if next_word else ""
            if following in _KEEP_HYPHEN_BEFORE:
                current += " " + line  # "vård- och omsorg"
            elif len(fragment) <= 2 or fragment.isupper():
                current += line  # "e-tjänster", "IT-stöd": a real hyphen at the line end
                stats["hyphens kept"] += 1
            else:
                current = current[:-1] + line  # "kommun-" + "ens"
                stats["hyphenations joined"] += 1
        else:
            current = f"{current} {line}" if current else line
        if _SENTENCE_END.search(line) and typical and len(line) < 0.7 * typical:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _glued(text: str) -> bool:
    """Text whose words look glued together (missing spaces): over a third of its letters stand in
    'words' of 25 letters or more (Swedish compounds rarely reach that)."""
    words = re.findall(r"[^\W\d_]+", text)
    letters = sum(len(w) for w in words)
    return letters >= 100 and sum(len(w) for w in words if len(w) >= 25) / letters > 0.33


def _positioned_chunks(page, seen: list | None = None) -> tuple[str, list[tuple[float, float, float, str]]]:
    """pypdf's text of the page, and (x, y, estimated width, text) of each piece it shows (one pass).
    `seen`, if given, gets each piece as pypdf showed it (text, matrices, font size), for
    scan.parse.pdftitle, which would otherwise extract the first pages a second time."""
    chunks = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            if seen is not None:
                seen.append((text, tuple(cm), tuple(tm), size))
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = abs(tm[0] * cm[0]) or 1.0
            chunks.append((x, y, len(text.strip()) * (size or 10) * scale * 0.5, text.strip()))

    text = page.extract_text(visitor_text=visit) or ""
    return text, chunks


def _gutters(chunks, width: float) -> list[float]:
    """x positions of vertical strips (in the middle 80 % of the page) that no text crosses."""
    step = width / 200
    covered = [0] * 201
    for x, _, w, _ in chunks:
        for i in range(max(0, int(x / step)), min(200, int((x + w) / step)) + 1):
            covered[i] += 1
    gutters, run = [], []
    for i in range(20, 181):
        if covered[i] == 0:
            run.append(i)
        elif run:
            if len(run) >= 2:
                gutters.append((run[0] + run[-1]) / 2 * step)
            run = []
    return gutters


def _page_text(page, seen: list | None = None) -> tuple[str, bool]:
    """The page's text, and whether it was re-ordered column by column (see `reading_order`)."""
    text, chunks = _positioned_chunks(page, seen)
    try:
        columns = reading_order(chunks, float(page.mediabox.width))
    except Exception:  # positions are a bonus; the plain extraction stands
        columns = None
    return (columns, True) if columns is not None else (text, False)


def reading_order(chunks, width: float) -> str | None:
    """The page's text column by column, when pypdf's own order interleaves the columns; else None.

    Columns are found as vertical gutters no text crosses. pypdf's order is kept when it already
    reads the columns one after the other (most PDFs, e.g. the Federal Register)."""
    if len(chunks) < 6:
        return None
    gutters = _gutters(chunks, width)
    if not gutters:
        return None
    edges = [0.0, *gutters, width]
    if any(b - a < 0.25 * width for a, b in zip(edges, edges[1:])):
        return None  # narrow columns: a table, whose rows must stay rows
    column = [sum(x > g for g in gutters) for x, _, _, _ in chunks]
    for c in range(len(gutters) + 1):
        texts = [t for (_, _, _, t), col in zip(chunks, column) if col == c]
        if not texts or sum(len(t) for t in texts) / len(texts) < 15:
            return None  # short pieces: table cells or labels, not running text
    switches = sum(a != b for a, b in zip(column, column[1:]))
    if switches <= 2 * len(gutters):
        return None  # already column by column
    lines: list[str] = []
    for c in range(len(gutters) + 1):
        mine = sorted((ch for ch, col in zip(chunks, column) if col == c), key=lambda ch: (-round(ch[1]), ch[0]))
        current_y, current = None, []
        for _x, y, _, text in mine:
            if current_y is not None and abs(y - current_y) > 2:
                lines.append(" ".join(current))
                current = []
            current_y = y
            current.append(text)
        if current:
            lines.append(" ".join(current))
        lines.append("")  # a column ends a paragraph
    return "\n".join(lines)


def _outline(reader) -> dict[int, list[tuple[int, str]]]:
    """Physical page index -> [(level, title)] of outline entries that start on it."""
    out: dict[int, list[tuple[int, str]]] = {}

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # a bookmark pointing nowhere: leave it out
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if title and page is not None and page >= 0:
                out.setdefault(page, []).append((level, title))

    try:
        walk(reader.outline, 1)
    except Exception as exc:  # a broken outline must not stop the text
        logger.warning("outline could not be read (%s); no headings from it", exc)
    return out


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
        has_labels = "/PageLabels" in reader.trailer["/Root"]
        labels = list(reader.page_labels) if pages else []
        title = str(reader.metadata.title).strip() if reader.metadata and reader.metadata.title else ""
        outline = _outline(reader)
    except ScanError:
        raise
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ScanError(
            f"{path}: not a readable PDF ({exc})",
            "check that the file is a complete PDF; re-download or re-export it",
        ) from None

    texts, unreadable = [], []
    reordered = []
    shown: list[list | None] = []  # the pieces of the first pages, for the title (one extraction per page)
    for i, page in enumerate(pages):
        seen: list | None = [] if i < pdftitle.BODY_PAGES else None
        try:
            text, was_reordered = _page_text(page, seen)
            if was_reordered:
                reordered.append(i + 1)
            texts.append(_normalise(text))
        except Exception as exc:  # pypdf raises many types on broken content streams
            logger.warning("%s: page %d could not be read (%s); skipped", path, i + 1, exc)
            texts.append("")
            unreadable.append(i + 1)
            seen = None  # pdftitle tries the page itself
        if i < pdftitle.BODY_PAGES:
            shown.append(seen)
    raw_lines = [[line for line in text.split("\n")] for text in texts]
    running = _running_lines([[line for line in lines if line.strip()] for lines in raw_lines])
    printed = _printed_numbers([[line for line in lines if line.strip()] for lines in raw_lines])
    offsets = Counter(n - i for i, n in printed.items())
    offset, agreeing = offsets.most_common(1)[0] if offsets else (0, 0)
    use_printed = not has_labels and agreeing >= max(3, len(pages) // 2)

    builder = DocumentBuilder(kind="pdf", title=path.stem)
    stats: Counter = Counter()
    report = {"pages": len(pages), "no_text": [], "little_text": [], "broken": [], "unreadable": unreadable}
    chars_per_page = []
    for i, lines in enumerate(raw_lines):
        kept = []
        edge = {id(line) for line in _edge([ln for ln in lines if ln.strip()])}
        for line in lines:
            if id(line) in edge and (_shape(line) in running or _PAGE_NUMBER.match(line)):
                stats["header or footer lines removed"] += 1
                continue
            if _TOC_LINE.search(line):
                stats["table of contents lines removed"] += 1
                continue
            kept.append(line)
        if has_labels and i < len(labels):
            page_no = int(labels[i]) if labels[i].isdigit() else i + 1
        elif use_printed:
            page_no = i + offset  # offset = printed number - 0-based index
        else:
            page_no = i + 1
        builder.page = page_no
        builder.physical_page = i + 1
        paragraphs = _join_lines(kept, stats)
        page_text = " ".join(paragraphs)
        chars_per_page.append(len(page_text))
        if len(page_text.strip()) < _MIN_CHARS:
            report["no_text"].append(i + 1)
        elif _glued(page_text):
            report["broken"].append(i + 1)
        headings, notes = [], {}
        for level, title in outline.get(i, []):
            clean, notes[clean] = without_note_mark(title, texts[i])
            headings.append((level, clean))
        # a bookmark whose title is not in the page's text applies from the top of its page
        while headings and not any(_starts_heading(p, headings[0][1]) for p in paragraphs):
            builder.push_heading(*headings.pop(0))
        for paragraph in paragraphs:
            while headings and _starts_heading(paragraph, headings[0][1]):
                level, heading = headings.pop(0)
                builder.push_heading(level, heading)
                paragraph = (
                    paragraph[len(heading) :].strip()
                    if paragraph.casefold().startswith(heading.casefold())
                    else paragraph
                )
                if notes.get(heading) and re.match(rf"{notes[heading]}\b", paragraph):  # the heading's note mark
                    paragraph = paragraph[len(notes[heading]) :].strip()
            builder.add_paragraph(paragraph)
        for level, heading in headings:  # titles found out of order: from the end of the page on
            builder.push_heading(level, heading)
    total = sum(chars_per_page)
    if total < _MIN_CHARS:
        raise ScanError(
            f"{path}: no extractable text in {len(pages)} page(s); it is probably scanned images",
            "run OCR first, e.g. ocrmypdf in.pdf out.pdf, and ingest the result",
        )
    typical = statistics.median(chars_per_page) if chars_per_page else 0
    report["little_text"] = [
        i + 1 for i, n in enumerate(chars_per_page) if _MIN_CHARS <= n < _LITTLE_TEXT and typical >= 2 * _LITTLE_TEXT
    ]
    report["page_numbers"] = "page labels" if has_labels else ("printed numbers" if use_printed else "physical pages")
    report.update({k.replace(" ", "_"): v for k, v in stats.items()})
    report["outline_headings"] = sum(len(v) for v in outline.values())
    report["columns_reordered"] = reordered
    builder.report = report
    # the title: the metadata's where the first pages say it too, else the first large heading (scan.parse.pdftitle)
    first = [s for s in builder.sections if (s.physical_page or 0) <= pdftitle.TITLE_PAGES]
    opening = builder.text[: first[-1].end][:5000] if first else ""
    edges = [_edge([line for line in lines if line.strip()]) for lines in raw_lines]
    heading = pdftitle.heading_title(pages, texts, edges, shown) if pages else ""
    builder.title, builder.title_source = pdftitle.choose_title(title, heading, opening, path.stem)
    return builder


def _starts_heading(paragraph: str, heading: str) -> bool:
    return " ".join(paragraph.split()).casefold().startswith(" ".join(heading.split()).casefold()[:60])
