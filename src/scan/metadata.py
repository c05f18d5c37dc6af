"""A document's title and metadata, and where each field came from.

A field set in the folder's `sources.toml` wins; a title not set there comes from the document
itself (PDF metadata, its first large heading, a Markdown `#` heading, Word's title …) or, failing
that, from the file name. Where each field came from is kept in the document's stored report
(under ORIGIN), so that `scan info` can say it and a later ingest can apply a changed
`sources.toml` to a document whose file did not change, without embedding it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ORIGIN = "metadata_origin"  # key in the stored report: fields, document_title, document_title_from
SOURCES_TOML = "sources.toml"
FILE_NAME = "file name"
FIELDS = ("title", "publisher", "year", "kind", "url")

# where a reader's own title came from, when it does not say: by the reader's kind
_READER_TITLE = {"markdown": "first heading", "html": "page title", "docx": "document properties"}


# where a title came from, as the Källor page says it ("titel från första rubriken")
ORIGINS_SV = {
    SOURCES_TOML: "sources.toml",
    "pdf metadata": "PDF-filens metadata",
    "first heading": "första rubriken",
    FILE_NAME: "filnamnet",
    "title style": "stycket med formatet Rubrik",
    "document properties": "dokumentegenskaperna",
    "page title": "sidans titel",
}


def title_origin_sv(record: dict[str, Any]) -> str:
    """Where a stored document's title came from, in Swedish; '' where the index did not keep it."""
    origin = (record.get("fields") or {}).get("title", "") if isinstance(record, dict) else ""
    return ORIGINS_SV.get(origin, origin)


KINDS_SV = {  # a document's kind on the Swedish page: its type from sources.toml, else its file format
    "analysis": "analys",
    "report": "rapport",
    "notice": "meddelande",
    "pdf": "PDF",
    "markdown": "Markdown",
    "docx": "Word",
    "html": "webbsida",
    "text": "text",
}


def kind_sv(kind: str) -> str:
    """A document kind in Swedish ('analysis' → 'analys', 'docx' → 'Word'); an unknown one as it is."""
    return KINDS_SV.get(kind, kind)


@dataclass(frozen=True)
class Resolved:
    title: str
    metadata: dict[str, Any]
    origins: dict[str, str]  # field -> "sources.toml", "pdf metadata", "first heading", "file name" …
    document_title: str  # the title the document gives itself (or its file name)
    document_title_from: str

    def origin_record(self) -> dict[str, Any]:
        return {
            "fields": self.origins,
            "document_title": self.document_title,
            "document_title_from": self.document_title_from,
        }


def reader_title_source(kind: str, title: str, file_stem: str, said: str = "") -> str:
    """Where a reader's title came from: what the reader said, else the file name or the reader's usual place."""
    if said:
        return said
    if title == file_stem:
        return FILE_NAME
    return _READER_TITLE.get(kind, "document")


def resolve(document_title: str, document_title_from: str, listed: dict[str, Any]) -> Resolved:
    """Title, metadata and origins from the document's own title and its `sources.toml` entry."""
    meta = {k: v for k, v in listed.items() if v not in ("", None)}
    title = meta.pop("title", None)
    origins = {k: SOURCES_TOML for k in meta}
    origins["title"] = SOURCES_TOML if title else document_title_from
    return Resolved(title or document_title, meta, dict(sorted(origins.items())), document_title, document_title_from)


@dataclass
class Change:
    """What a metadata update changed in one stored document."""

    doc_id: str
    fields: list[str] = field(default_factory=list)


def changed_fields(old_title: str, old_meta: dict[str, Any], new: Resolved) -> list[str]:
    """The fields whose value differs between what is stored and `new`, in FIELDS order then the rest."""
    out = ["title"] if old_title != new.title else []
    keys = [k for k in FIELDS if k != "title"] + sorted((set(old_meta) | set(new.metadata)) - set(FIELDS))
    out += [k for k in keys if old_meta.get(k) != new.metadata.get(k)]
    return out


def origins_of(record: dict[str, Any], title: str, metadata: dict[str, Any]) -> dict[str, str]:
    """Field -> origin for a stored document from its origin record (Index.metadata_origin); for an
    index built before origins were kept, the metadata's (only sources.toml set it) and "unknown" for the title."""
    if isinstance(record, dict) and isinstance(record.get("fields"), dict):
        return dict(record["fields"])
    guess = {k: SOURCES_TOML for k in metadata}
    guess["title"] = "unknown (ingested before origins were kept; run scan ingest again)"
    return guess


def refresh(writer, unchanged, max_bytes: int | None) -> list[Change]:
    """Apply the current `sources.toml` entries to stored documents whose files did not change.

    `unchanged`: (file, doc_id, its sources.toml entry). Only the documents table changes: the
    text, passages and vectors stay, nothing is embedded. A document stored by an older scan,
    whose own title was not kept, is read again (parsed, not embedded) to learn it. Returns the
    documents whose record changed; `fields` is empty where only the origins were recorded."""
    from scan.errors import ScanError
    from scan.parse import read_document

    changes = []
    for file, doc_id, listed in unchanged:
        title, meta, report = writer.stored_metadata(doc_id)
        record = report.get(ORIGIN)
        if isinstance(record, dict) and isinstance(record.get("document_title"), str):
            new = resolve(record["document_title"], str(record.get("document_title_from", "")), listed)
        else:
            try:
                doc = read_document(file, doc_id, listed, max_bytes)
            except ScanError:
                continue  # it was read before; if it cannot be now, leave its record as it is
            own = doc.report[ORIGIN]
            new = resolve(own["document_title"], own["document_title_from"], listed)
        fields = changed_fields(title, meta, new)
        if fields or record != new.origin_record():
            writer.update_metadata(doc_id, new.title, new.metadata, {**report, ORIGIN: new.origin_record()})
            changes.append(Change(doc_id, fields))
    return changes
