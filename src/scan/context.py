"""Context for a finding: a passage with its neighbours, a document's outline, passages like a
given one, and the original file a document was read from.

Ids are the ones `--json` prints: a document id (`analys.md`, `rapporter/klimat.pdf`) or a passage
id (`analys.md#3`: the document id, `#`, the passage's position in the document from 0).

"More like this" (`similar`) searches by the passage's vector as stored at ingest (nothing is
encoded again) through the same dense code path as search (scan.crosslingual, scan.ann), over the
same passage kinds as search by meaning, leaving out the passage itself and, by default, its
immediate neighbours in the same document (they are near it because they continue its text).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scan import kinds
from scan.errors import ScanError
from scan.store import Index, StoredDocument
from scan.types import Filters, Hit, Passage

NEIGHBOURS_EXCLUDED = 1  # passages on each side of the source that `similar` leaves out by default
MAX_CONTEXT = 50  # neighbours on each side that `passage_context` shows at most


@dataclass(frozen=True)
class Target:
    """What an id names: a document, and a passage of it (seq None: the whole document)."""

    doc: StoredDocument
    seq: int | None = None

    @property
    def passage_id(self) -> str | None:
        return None if self.seq is None else f"{self.doc.doc_id}#{self.seq}"


def passage_id(doc_id: str, seq: int) -> str:
    return f"{doc_id}#{seq}"


def resolve(index: Index, ident: str) -> Target:
    """The document or passage that `ident` names; ScanError naming the index and the fix if none."""
    ident = ident.strip()
    doc = index.document(ident)
    if doc is not None:
        return Target(doc)
    head, sep, tail = ident.rpartition("#")
    if sep and tail.isdigit():
        doc = index.document(head)
        if doc is not None:
            seq = int(tail)
            if seq >= doc.passages:
                last = f"0 to {doc.passages - 1}" if doc.passages else "none"
                raise ScanError(
                    f"the document '{head}' has no passage {seq} (its passages are numbered {last})",
                    f"show the document's sections with: scan show {head} --index {index.root}",
                )
            return Target(doc, seq)
    raise ScanError(
        f"no document or passage '{ident}' in the index at {index.root}",
        "use a doc_id from scan info, or a passage_id from the --json output of scan search, quotes or classify",
    )


def citation(doc: StoredDocument, passage: Passage | None = None) -> dict[str, Any]:
    """Title, publisher, year, and (for a passage) printed page, PDF page and section."""
    out: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "publisher": str(doc.metadata.get("publisher", "")),
        "year": doc.metadata.get("year"),
    }
    if passage is not None:
        out |= {
            "page": passage.page,
            "page_end": passage.page_end,
            "physical_page": passage.physical_page,
            "heading": passage.heading_path,
        }
    return out


def cite_line(c: dict[str, Any]) -> str:
    """'Omvärldsanalys för Testby · Testby kommun · 2024 · s. 4 · Kompetensförsörjning'."""
    parts = [c["title"], c.get("publisher") or "", str(c["year"]) if c.get("year") else ""]
    if c.get("page") is not None:
        end = c.get("page_end")
        parts.append(f"s. {c['page']}" + (f"–{end}" if end and end != c["page"] else ""))
    parts.append(c.get("heading") or "")
    return " · ".join(p for p in parts if p)


def passage_context(index: Index, target: Target, n: int = 1) -> list[Passage]:
    """The target passage with up to `n` passages before and after it in its document, in order."""
    if target.seq is None:
        raise ValueError("passage_context needs a passage, not a whole document")
    if n < 0:
        raise ScanError(f"--context must be 0 or more, not {n}", "ask for 0 (the passage alone) or more neighbours")
    n = min(n, MAX_CONTEXT)
    return [p for _, p in index.passages_of(target.doc.doc_id, max(0, target.seq - n), target.seq + n)]


def outline(index: Index, doc_id: str) -> list[dict[str, Any]]:
    """The document's sections in order: heading path, first printed page, and its first passage.

    Consecutive stretches under one heading (split only by a page break) count as one section."""
    out: list[dict[str, Any]] = []
    for start, _end, heading, page in index.sections_of(doc_id):
        if out and tuple(out[-1]["heading"]) == heading:
            continue
        out.append({"heading": list(heading), "page": page, "start": start})
    spans = [(p.start, p.end, p.seq) for _, p in index.passages_of(doc_id)]
    for section in out:
        section["passage"] = _covering(spans, section.pop("start"))
    return out


def _covering(spans: list[tuple[int, int, int]], offset: int) -> int | None:
    """The seq of the passage containing `offset`, else of the first one after it, else of the last."""
    for _start, end, seq in spans:
        if end > offset:
            return seq  # (passages are in text order: the first ending after it contains it or follows it)
    return spans[-1][2] if spans else None


def physical_pages(index: Index, doc_id: str) -> dict[int, int]:
    """Printed page -> page in the file (PDF), where the index stores it: the first passage on it tells."""
    out: dict[int, int] = {}
    for _, p in index.passages_of(doc_id):
        if p.page is not None and p.physical_page is not None:
            out.setdefault(p.page, p.physical_page)
    return out


def passage_at_offset(index: Index, doc_id: str, offset: int) -> Passage | None:
    """The passage of the document containing `offset` (else the first one after it, else the last)."""
    passages = [p for _, p in index.passages_of(doc_id)]
    seq = _covering([(p.start, p.end, p.seq) for p in passages], offset)
    return None if seq is None else next(p for p in passages if p.seq == seq)


def document_by_hash(index: Index, sha256: str) -> StoredDocument | None:
    """The indexed document read from a file with these bytes, if any."""
    return next((d for d in index.documents() if d.sha256 == sha256), None)


def link_evidence(index: Index, result, sha256: str) -> None:
    """Point a classification's evidence (scan.classify) at the indexed passages it came from, when
    the classified file is in the index (the same bytes): then each Evidence gets doc_id and seq."""
    from dataclasses import replace

    doc = document_by_hash(index, sha256)
    if doc is None:
        return
    text = index.document_text(doc.doc_id)
    for trend, items in result.evidence.items():
        linked = []
        for e in items:
            passage = passage_at_offset(index, doc.doc_id, e.start)
            same = " ".join(text[e.start : e.end].split()) == " ".join(e.text.split())
            linked.append(replace(e, doc_id=doc.doc_id, seq=passage.seq) if passage and same else e)
        result.evidence[trend] = linked


def similar(
    index: Index,
    target: Target,
    k: int = 10,
    neighbours: int = NEIGHBOURS_EXCLUDED,
    filters: Filters | None = None,
    passage_kinds: frozenset[str] | None = None,
) -> list[Hit]:
    """The k passages nearest to the target passage's stored vector, best first.

    Leaves out the passage itself and the `neighbours` passages on each side of it in its document.
    `passage_kinds` as in search by meaning (default: kinds.RANKED, no tables or boilerplate)."""
    from scan import crosslingual

    if target.seq is None:
        raise ScanError(
            f"'{target.doc.doc_id}' is a document; similar passages are found for a passage",
            f"give a passage id, e.g. {target.doc.doc_id}#0 (see: scan show {target.doc.doc_id})",
        )
    if k < 1:
        raise ScanError(f"-k must be at least 1, not {k}", "ask for one passage or more")
    if neighbours < 0:
        raise ScanError(f"--neighbours must be 0 or more, not {neighbours}", "0 keeps the neighbours in the results")
    own = index.passages_of(target.doc.doc_id, max(0, target.seq - neighbours), target.seq + neighbours)
    source = next(p for pid, p in own if p.seq == target.seq)
    source_id = next(pid for pid, p in own if p.seq == target.seq)
    excluded = {pid for pid, _ in own}
    allowed = index.filter_ids(filters)
    kinds_wanted = kinds.RANKED if passage_kinds is None else passage_kinds
    if set(kinds_wanted) != set(kinds.KINDS):
        of_kind = set(index.ids_of_kinds(kinds_wanted))
        allowed = sorted(of_kind if allowed is None else of_kind.intersection(allowed))
    pool = set(index.ids_of_kinds(kinds.KINDS)) if allowed is None else set(allowed)
    pool -= excluded
    if not pool:
        return []
    ranked, _, _ = crosslingual.dense_candidates(index, index.vector(source_id), source.text, min(k, len(pool)), pool)
    rows = index.passages([pid for pid, _ in ranked])
    cites = index.cites([rows[pid][0] for pid, _ in ranked if pid in rows])
    hits: list[Hit] = []
    for pid, score in ranked:
        if pid in rows:
            passage, title = rows[pid]
            cited = cites.get((passage.doc_id, passage.seq), ())
            hits.append(Hit(len(hits) + 1, score, passage.doc_id, title, passage, "dense", cited))
    return hits


# ---- the original file ----------------------------------------------------------------------
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".md": "text/plain; charset=utf-8",
    ".markdown": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_HASHES: dict[tuple[str, int, int, int], str] = {}  # (path, inode, size, mtime) -> sha256


class FileGone(ScanError):
    """The file a document was read from is missing (`reason` "missing"), unreadable ("unreadable")
    or no longer holds the bytes that were read ("changed")."""

    def __init__(self, message: str, hint: str, reason: str):
        super().__init__(message, hint)
        self.reason = reason


def original_file(index: Index, doc: StoredDocument, base: Path | None = None) -> Path:
    """The file `doc` was read from, if it still holds exactly the bytes that were read.

    Only the path the index stored for the document is ever opened (never a path from a request).
    A relative stored path is taken relative to `base` (default: the working folder, where scan
    ingest ran). Raises FileGone when the file is missing, or changed since it was read: then its
    pages no longer match the index."""
    path = Path(doc.path)
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    try:
        st = path.stat()
        if not path.is_file():
            raise FileNotFoundError
    except OSError:
        raise FileGone(
            f"the file of '{doc.doc_id}' is no longer at {doc.path}",
            f"move it back, or read it in again where it is now: scan ingest FOLDER --index {index.root}",
            "missing",
        ) from None
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:
            raise FileGone(
                f"the file of '{doc.doc_id}' cannot be read ({exc.strerror})", "check its permissions", "unreadable"
            ) from None
        _HASHES[key] = digest.hexdigest()
    if _HASHES[key] != doc.sha256:
        raise FileGone(
            f"the file of '{doc.doc_id}' at {doc.path} has changed since it was read in",
            f"read it in again so that pages and passages match: scan ingest {Path(doc.path).parent or '.'} "
            f"--index {index.root}",
            "changed",
        )
    return path


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def file_url_page(doc: StoredDocument, passage: Passage | None) -> int | None:
    """The page a PDF should open at for this passage: the page in the file if stored, else the printed one."""
    if passage is None or not doc.path.lower().endswith(".pdf"):
        return None
    return passage.physical_page or passage.page
