"""What `scan info --json` says about documents, as plain dicts: one serialiser for the CLI and
the HTTP API (`/api/documents`), so that both always give the same fields."""

from __future__ import annotations

from typing import Any

from scan.metadata import origins_of


def document_summary(index, doc) -> dict[str, Any]:
    """One document of `scan info --json` (`doc`: a store.StoredDocument)."""
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "kind": doc.kind,
        "passages": doc.passages,
        "path": doc.path,
        "sha256": doc.sha256,
        "metadata": doc.metadata,
        "origins": origins_of(index.metadata_origin(doc.doc_id), doc.title, doc.metadata),
    }


def document_detail(index, doc_id: str) -> dict[str, Any]:
    """`scan info --doc ID --json`: the document, where each field came from, and its extraction report.
    Raises ScanError (naming the valid ids) for an unknown id."""
    report = index.extraction_report(doc_id)
    doc = next(d for d in index.documents() if d.doc_id == doc_id)
    summary = document_summary(index, doc)
    return {k: summary[k] for k in ("doc_id", "title", "kind", "path", "sha256", "passages", "metadata", "origins")} | {
        "extraction": report
    }
