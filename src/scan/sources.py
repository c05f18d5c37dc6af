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

import hashlib
import re
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
            # named in sources.toml, or fetched by `scan fetch` as sources/<safe id>.pdf
            if (source.file and source.file == doc_id) or stem in (source.id, safe_name(source.id)):
                return {k: v for k, v in source.metadata().items() if v not in ("", None)}
        return {}


def safe_name(source_id: str) -> str:
    """A file name for a source id that stays in its folder: letters, digits, '.', '_' and '-' only,
    no leading dot, at most 100 characters; an id that had to change gets a short hash of itself.

    >>> safe_name("skr-vagval-4"), safe_name("../../outside/escaped")
    ('skr-vagval-4', 'outside-escaped-c5919bbb')
    """
    clean = re.sub(r"[^\w.-]+", "-", source_id, flags=re.UNICODE).strip(".-_")[:100].rstrip(".-_")
    if clean == source_id and clean:
        return clean
    digest = hashlib.sha256(source_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{clean}-{digest}" if clean else f"source-{digest}"


def _line_of(text: str, needle: str, nth: int) -> int:
    pos = -1
    for _ in range(nth + 1):
        pos = text.find(needle, pos + 1)
        if pos < 0:
            return 0
    return text.count("\n", 0, pos) + 1


# The keys each table may hold, and their types (tomllib gives no line numbers: `_key_line` finds them).
DOCUMENT_KEYS: dict[str, type] = {"title": str, "publisher": str, "year": int, "kind": str, "url": str}
SOURCE_KEYS: dict[str, type] = {
    "id": str,
    "title": str,
    "publisher": str,
    "year": int,
    "url": str,
    "kind": str,
    "footnotes": list,
    "file": str,
}
TOP_KEYS: dict[str, type] = {"analysis": str, "documents": dict, "source": list}
_EXAMPLES: dict[Any, str] = {
    int: "2022",
    list: "[7, 11]",
    str: '"…"',
    "documents": 'one table per file: [documents."rapport.pdf"] with title = "…", year = 2022 below it',
    "source": 'one [[source]] table per source, with id = "…" and title = "…" below it',
}
_TYPE_NAMES = {str: "text in quotes", int: "a whole number", list: "a list", dict: "a table"}


def _key_line(lines: list[str], key: str, after: int = 0) -> int:
    """The line (1-based) where `key = ...` is set in the table that starts on line `after` (0: top)."""
    pattern = re.compile(r"^\s*(?:" + re.escape(key) + r'|"' + re.escape(key) + r'"' + r")\s*=")
    for n in range(after, len(lines)):
        if n > after and lines[n].lstrip().startswith("[") and after:
            break  # the next table
        if after == 0 and lines[n].lstrip().startswith("["):
            break  # top-level keys come before the first table
        if pattern.match(lines[n]):
            return n + 1
    return after


def _document_line(lines: list[str], name: str) -> int:
    """The line of a [documents."name"] header (or the top-level `documents` key), 0 if not found."""
    for n, line in enumerate(lines):
        stripped = line.strip().replace(" ", "")
        if stripped.startswith("[documents.") and name in stripped:
            return n + 1
    return _key_line(lines, "documents")


def _check_table(path: Path, table: Any, keys: dict[str, type], what: str, line_of) -> None:
    """Refuse unknown keys and values of the wrong type, naming the line and the fix."""
    if not isinstance(table, dict):
        raise ScanError(f"{path}, line {line_of(None)}: {what} must be a table", "see the example in the README")
    for key, value in table.items():
        if key not in keys:
            raise ScanError(
                f"{path}, line {line_of(key)}: unknown key '{key}' in {what}",
                f"use only: {', '.join(keys)} (check the spelling)",
            )
        wanted = keys[key]
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise ScanError(
                f"{path}, line {line_of(key)}: {key} in {what} must be {_TYPE_NAMES[wanted]}, not {value!r:.40}",
                _EXAMPLES.get(key) or f"e.g. {key} = {_EXAMPLES[wanted]}",
            )
        if key == "footnotes" and not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
            raise ScanError(f"{path}, line {line_of(key)}: footnotes must be whole numbers", "e.g. footnotes = [7, 11]")


def validate(path: Path, text: str, data: dict[str, Any]) -> None:
    """Check the types and keys of a parsed sources.toml before anything uses it."""
    lines = text.splitlines()
    _check_table(path, data, TOP_KEYS, "sources.toml", lambda key: _key_line(lines, key) if key else 0)
    for name, meta in data.get("documents", {}).items():
        header = _document_line(lines, name)
        _check_table(
            path,
            meta,
            DOCUMENT_KEYS,
            f'[documents."{name}"]',
            lambda key, header=header: _key_line(lines, key, header) if key and header else header,
        )
    for i, entry in enumerate(data.get("source", [])):
        header = _line_of(text, "[[source]]", i)
        _check_table(
            path,
            entry,
            SOURCE_KEYS,
            "the [[source]] there",
            lambda key, header=header: _key_line(lines, key, header) if key and header else header,
        )


def load_sources(folder: Path) -> SourceList:
    """Read `folder/sources.toml`; an empty SourceList if there is none. Wrong keys or types are refused."""
    from scan.inputs import read_input

    path = folder / FILENAME
    if not path.exists():
        return SourceList()
    try:
        text = read_input(path, 10 * 1024 * 1024).decode("utf-8-sig")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScanError(f"{path}: not valid TOML ({exc})", "fix the line it names") from None
    validate(path, text, data)
    sources = []
    seen: dict[int, str] = {}
    for i, entry in enumerate(data.get("source", [])):
        line = _line_of(text, "[[source]]", i)
        try:
            source = Source(
                id=entry["id"],
                title=entry["title"],
                publisher=entry.get("publisher", ""),
                year=entry.get("year"),
                url=entry.get("url", ""),
                kind=entry.get("kind", ""),
                footnotes=tuple(entry.get("footnotes", [])),
                file=entry.get("file", ""),
            )
        except KeyError as exc:
            raise ScanError(f"{path}, line {line}: the [[source]] there has no {exc.args[0]}", "add it") from None
        for n in source.footnotes:
            if n in seen:
                raise ScanError(
                    f"{path}, line {line}: footnote {n} is already given to '{seen[n]}'",
                    "a footnote cites one source; for 'Ibid' use the source of the note before",
                )
            seen[n] = source.id
        sources.append(source)
    documents = {str(k): dict(v) for k, v in data.get("documents", {}).items()}
    return SourceList(analysis=data.get("analysis", ""), documents=documents, sources=tuple(sources))
