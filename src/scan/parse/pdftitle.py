"""A PDF's title from the document itself.

PDF metadata titles are often left over from a template ("Föreskriftens namn") or from the first
heading Word saw ("Bakgrund"), so one is trusted only where the first pages say it too and it is
not a section heading. Otherwise the title is the first large heading: the text set in the
largest font on the first pages, when that font is clearly larger than the body text. A heading
that names a section ("Bakgrund", "Innehåll", "Sammanfattning" …) is never a title.
"""

from __future__ import annotations

import re
from collections import Counter

TITLE_PAGES = 2  # the title stands on the first pages (a cover, then perhaps a title page)
BODY_PAGES = 3  # the body font size is read over this many pages (a cover alone has little body text)
LARGE = 1.2  # a title's font is at least this many times the body font (Klimatkollen: 14.6 pt over 11.7)
MAX_TITLE = 200  # characters

# Headings that name a part of a document, not a document: never a title (Swedish and English),
# and the placeholders document templates leave in the metadata.
SECTION_HEADINGS_TEXT = (
    "bakgrund, inledning, sammanfattning, innehåll, innehållsförteckning, förord, syfte, metod, bilaga, bilagor, "
    "referenser, källor, källförteckning, slutsats, slutsatser, resultat, diskussion, uppföljning, åtgärder, "
    "åtgärdsplan, mål, syfte och mål, arbetsgrupp, omfattning, beskrivning, underlag, ordlista, begrepp, "
    "definitioner, läsanvisning, kontakt, kontaktuppgifter, dokumentnamn, föreskriftens namn, rubrik, titel, "
    "dokumenttitel, background, introduction, summary, contents, table of contents, foreword, preface, purpose, "
    "method, methods, references, sources, conclusion, conclusions, results, discussion, appendix, abstract, "
    "executive summary, overview, scope, title, untitled, untitled document"
)
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+")


def _key(text: str) -> str:
    return " ".join(_NUMBERING.sub("", text).strip(" :.–-").casefold().split()).replace(" ", "_")


SECTION_HEADINGS = frozenset(_key(h) for h in SECTION_HEADINGS_TEXT.split(","))


def is_section_heading(text: str) -> bool:
    """True for a heading that names a section, not a document ('Bakgrund', '1. Inledning:')."""
    return _key(text) in SECTION_HEADINGS


def _chunks(page, seen: list | None = None) -> list[tuple[float, float, str]]:
    """(font size as printed, baseline y, text) of each piece of text on the page, in stream order;
    from `seen` (the pieces scan.parse.pdf recorded while extracting the page) when given."""
    out: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((round(float(size or 0) * scale, 1), float(y), text))

    if seen is not None:
        for text, cm, tm, size in seen:
            visit(text, cm, tm, None, size)
    else:
        page.extract_text(visitor_text=visit)
    return out


def _spaced(pieces: list[str], page_text: str) -> str:
    """The pieces joined as the page's text spaces them (pypdf splits words into pieces: 'Handlin' 'gsplan')."""
    letters = "".join("".join(pieces).split())
    if not letters:
        return ""
    pattern = r"\s*".join(re.escape(c) for c in letters[:MAX_TITLE])
    found = re.search(pattern, page_text)
    text = found.group(0) if found else " ".join(p.strip() for p in pieces)
    return " ".join(text.split())


_PAGE_WORDS = frozenset({"sida", "sid", "page", "av", "of", "s", "p"})  # words of a page number ('Sida 3 av 24')


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()).casefold())


def is_running_header(text: str, edges: list[list[str]]) -> bool:
    """True for text that stands in the running header or footer of most pages beside other words
    (a periodical's section name: 'Proposed Rules' in '47699 Federal Register / Vol. 85 … / Proposed
    Rules') or with a number that changes from page to page ('47699 Federal Register'): not a title.
    `edges` are each page's first and last lines. A document's own title as its running header
    (alone, or beside a page number: 'Handlingsplan för klimat och energi  Sida 3') stays a title."""
    shape, exact = _shape(text), " ".join(text.split()).casefold()
    if not shape.strip("# ") or len(edges) < 3:
        return False
    found = beside = same = 0
    for lines in edges:
        for line in lines:
            if shape in _shape(line):
                found += 1
                rest = set(re.findall(r"[^\W\d_]{2,}", _shape(line).replace(shape, " ", 1))) - _PAGE_WORDS
                beside += bool(rest)
                same += exact in " ".join(line.split()).casefold()
                break
    most = max(3, len(edges) // 2)
    return found >= most and (beside >= most or ("#" in shape and same < found // 2))


def heading_title(
    pages, page_texts: list[str], edges: list[list[str]] | None = None, shown: list[list | None] | None = None
) -> str:
    """The first large heading of the first pages, or '' when none stands out from the body text.

    `pages` are pypdf pages, `page_texts` their extracted (normalised) text, `edges` each page's
    first and last lines: text of a running header is never the title (is_running_header)."""
    per_page = []
    for i, page in enumerate(pages[:BODY_PAGES]):
        try:
            per_page.append(_chunks(page, shown[i] if shown is not None and i < len(shown) else None))
        except Exception:  # positions and sizes are a bonus; the text stands without them
            per_page.append([])
    weight: Counter[float] = Counter()
    for chunks in per_page:
        for size, _, text in chunks:
            weight[size] += len(text.strip())
    if not weight:
        return ""
    body = weight.most_common(1)[0][0]
    for i, chunks in enumerate(per_page[:TITLE_PAGES]):
        while chunks:
            top = max(size for size, _, _ in chunks)
            if top < LARGE * body or top <= 0:
                break
            used: list[int] = []
            last_y: float | None = None
            for j, (size, y, _text) in enumerate(chunks):
                big = size >= 0.95 * top
                if not used:
                    if big:
                        used.append(j)
                        last_y = y
                    continue
                if big or (last_y is not None and abs(y - last_y) < 2):  # the title, or the rest of its line
                    used.append(j)
                    last_y = y if big else last_y
                else:
                    break
            title = _spaced([chunks[j][2] for j in used], page_texts[i] if i < len(page_texts) else "")
            if len(title) > MAX_TITLE:
                title = title[:MAX_TITLE].rsplit(" ", 1)[0] + " …"
            if edges and is_running_header(title, edges):  # a running header in a large font: look further
                chunks = [c for j, c in enumerate(chunks) if j not in used]
                continue
            if sum(c.isalpha() for c in title) >= 3 and not is_section_heading(title):
                return title
            break
    return ""


def choose_title(metadata_title: str, heading: str, opening: str, file_stem: str) -> tuple[str, str]:
    """(title, where it came from): the PDF metadata title where `opening` (the text of the first
    pages) says it too and it is no section heading, else the first large heading, else the file name."""
    clean = " ".join((metadata_title or "").split())
    if len(clean) > 3 and not is_section_heading(clean) and clean.casefold() in " ".join(opening.split()).casefold():
        return clean, "pdf metadata"
    if heading:
        return heading, "first heading"
    return file_stem, "file name"
