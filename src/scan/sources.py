"""A folder's `sources.toml`: metadata for its documents, and the reference list of its analysis.

analysis = "omvarldsanalys.md"        # the document whose footnotes cite the sources below

[documents."omvarldsanalys.md"]       # metadata for a file in the folder
title = "…"; publisher = "…"; year = 2022; kind = "analysis"

[[source]]                            # one entry of the reference list
id = "skr-vagval-for-framtiden-4"; title = "…"; publisher = "…"; year = 2022
url = "https://…"; kind = "report"
footnotes = [7, 11]                   # the analysis's footnotes that cite it
file = "sources/vff4.pdf"             # optional: the source itself, if it is in the folder
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scan.errors import ScanError
from scan.types import short_source

FILENAME = "sources.toml"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str = ""
    year: int | None = None
    url: str = ""
    kind: str = ""
    footnotes: tuple[int, ...] = ()
    file: str = ""

    def short(self) -> str:
        return short_source(self.publisher, self.title)

    def metadata(self) -> dict[str, Any]:
        return {"title": self.title, "publisher": self.publisher, "year": self.year, "kind": self.kind, "url": self.url}


@dataclass(frozen=True)
class SourceList:
    analysis: str = ""
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()

    def by_footnote(self) -> dict[int, Source]:
        return {n: s for s in self.sources for n in s.footnotes}

    def document_metadata(self, doc_id: str) -> dict[str, Any]:
        """Metadata for a file: its [documents] table, else the [[source]] that names it."""
        if doc_id in self.documents:
            return dict(self.documents[doc_id])
        stem = Path(doc_id).stem
        for source in self.sources:
            # named in sources.toml, or fetched by `scan fetch` as sources/<id>.pdf
            if (source.file and source.file == doc_id) or stem == source.id:
                return {k: v for k, v in source.metadata().items() if v not in ("", None)}
        return {}


def _line_of(text: str, needle: str, nth: int) -> int:
    pos = -1
    for _ in range(nth + 1):
        pos = text.find(needle, pos + 1)
        if pos < 0:
            return 0
    return text.count("\n", 0, pos) + 1


def load_sources(folder: Path) -> SourceList:
    """Read `folder/sources.toml`; an empty SourceList if there is none."""
    path = folder / FILENAME
    if not path.exists():
        return SourceList()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScanError(f"{path}: not valid TOML ({exc})", "fix the line it names") from None
    sources = []
    seen: dict[int, str] = {}
    for i, entry in enumerate(data.get("source", [])):
        line = _line_of(text, "[[source]]", i)
        try:
            source = Source(
                id=str(entry["id"]),
                title=str(entry["title"]),
                publisher=str(entry.get("publisher", "")),
                year=int(entry["year"]) if entry.get("year") is not None else None,
                url=str(entry.get("url", "")),
                kind=str(entry.get("kind", "")),
                footnotes=tuple(int(n) for n in entry.get("footnotes", [])),
                file=str(entry.get("file", "")),
            )
        except KeyError as exc:
            raise ScanError(f"{path}, line {line}: the [[source]] there has no {exc.args[0]}", "add it") from None
        except (TypeError, ValueError) as exc:
            raise ScanError(f"{path}, line {line}: {exc}", "year and footnotes must be numbers") from None
        for n in source.footnotes:
            if n in seen:
                raise ScanError(
                    f"{path}, line {line}: footnote {n} is already given to '{seen[n]}'",
                    "a footnote cites one source; for 'Ibid' use the source of the note before",
                )
            seen[n] = source.id
        sources.append(source)
    documents = {str(k): dict(v) for k, v in data.get("documents", {}).items()}
    return SourceList(analysis=str(data.get("analysis", "")), documents=documents, sources=tuple(sources))
