"""The shared vocabulary of scan: plain frozen dataclasses, nothing heavy imported.

Data flows one way: files -> Document -> Passage -> vectors -> index -> Hit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """A stretch of a document's text under one heading path, on one printed page.

    `start`/`end` are character offsets into `Document.text`.
    """

    start: int
    end: int
    heading: tuple[str, ...] = ()
    page: int | None = None  # the printed page
    physical_page: int | None = None  # the page's position in the file (PDF)


@dataclass(frozen=True)
class Document:
    """A parsed source file: its clean text, and where each stretch of it came from.

    `text` is what passages and quotes point into (markup, footnote text and page furniture
    removed); `sections` cover the parts of `text` that are body text, in order.
    `footnote_refs` are (offset in text, footnote number); `footnotes` maps number -> note text.
    """

    doc_id: str
    path: str
    title: str
    text: str
    sections: tuple[Section, ...]
    sha256: str
    kind: str  # the reader that made it: markdown, text, pdf
    metadata: dict[str, Any] = field(default_factory=dict)
    footnotes: dict[int, str] = field(default_factory=dict)
    footnote_refs: tuple[tuple[int, int], ...] = ()
    report: dict[str, Any] = field(default_factory=dict)  # the extraction report (PDF)


@dataclass(frozen=True)
class Passage:
    """A few sentences of one section: the unit that is embedded, searched and cited."""

    doc_id: str
    seq: int  # position within the document, 0-based
    text: str
    start: int
    end: int
    heading: tuple[str, ...] = ()
    page: int | None = None
    page_end: int | None = None
    footnotes: tuple[int, ...] = ()
    physical_page: int | None = None
    kind: str = "prose"  # prose, table, list, heading or boilerplate (scan.kinds)
    language: str = ""  # sv, en or other (detected at ingest)

    @property
    def heading_path(self) -> str:
        return " > ".join(self.heading)


def short_source(publisher: str, title: str) -> str:
    """'SKR, Vägval för framtiden 4': the publisher (its abbreviation in brackets, if it has one) and title."""
    if "(" in publisher and publisher.endswith(")"):
        publisher = publisher[publisher.rindex("(") + 1 : -1]
    return f"{publisher}, {title}" if publisher else title


@dataclass(frozen=True)
class SourceRef:
    """A source that a passage cites through one of its document's footnotes."""

    footnote: int
    id: str
    title: str
    publisher: str = ""
    year: int | None = None
    url: str = ""

    def short(self) -> str:
        return short_source(self.publisher, self.title)

    def to_json(self) -> dict[str, Any]:
        return {
            "footnote": self.footnote,
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "year": self.year,
            "url": self.url,
        }


@dataclass(frozen=True)
class Filters:
    """Restrict search and quotes to some documents. Empty fields do not restrict."""

    doc_ids: tuple[str, ...] = ()
    publisher: str | None = None  # case-insensitive part of the publisher, e.g. "SKR"
    year: int | None = None
    kind: str | None = None
    publishers: tuple[str, ...] = ()  # several values: a document matching any of them (with `publisher`)
    years: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()  # passage languages: sv, en, other
    passage_ids: frozenset[int] | None = None  # only these passages (e.g. a trend's: scan.passagetrends)

    def __bool__(self) -> bool:
        return bool(
            self.doc_ids
            or self.publisher
            or self.year
            or self.kind
            or self.publishers
            or self.years
            or self.languages
            or self.passage_ids is not None
        )


@dataclass(frozen=True)
class Hit:
    """A passage found by a search, with its citation and the score that ranked it."""

    rank: int
    score: float
    doc_id: str
    title: str
    passage: Passage
    retriever: str  # dense, keyword or hybrid
    cites: tuple[SourceRef, ...] = ()
    relevance: float | None = None  # calibrated, 0-100: the chance in % that the passage answers the query
    search_rank: int | None = None  # the place in the search's order by score, when `rank` is the shown one (scan.shown)

    def to_json(self) -> dict[str, Any]:
        p = self.passage
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": self.doc_id,
            "title": self.title,
            "page": p.page,
            "physical_page": p.physical_page,
            "heading": p.heading_path,
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "passage_id": f"{p.doc_id}#{p.seq}",
            "retriever": self.retriever,
            "cites": [c.to_json() for c in self.cites],
            "passage_kind": p.kind,
            "language": p.language,
            "relevance": None if self.relevance is None else round(self.relevance, 1),
            "search_rank": self.rank if self.search_rank is None else self.search_rank,
        }
