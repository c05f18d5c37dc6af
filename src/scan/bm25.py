"""Keyword search for large indexes: BM25 over posting lists held in numpy arrays, scored exactly as
SQLite FTS5's bm25() scores (same formula, same float64 operations in the same order, so the same
numbers).

Why: FTS5 computes bm25() for every passage that contains any query term, and Swedish queries
carry words such as "och" or "av" that nearly every passage contains; at 100,000 passages one
query then scores almost all of them inside SQLite (hundreds of ms). Here the per-term work is a
few vectorised numpy operations over that term's postings.

Above `ARRAYS_FROM` passages the writer saves the postings next to the SQLite store (files
``keywords-*.npy``, memory-mapped when read); below it nothing is written and FTS5 answers, as
before. A query whose words FTS5 would tokenise differently from the stored terms (rare: an
underscore inside a word) is answered by FTS5 too.

FTS5's bm25 (k1 = 1.2, b = 0.75), per query term t present in a passage of D tokens::

    idf(t) = ln((N - n(t) + 0.5) / (n(t) + 0.5)), at least 1e-6
    score  = sum over t of idf(t) * (f(t) * (k1 + 1)) / (f(t) + k1 * (1 - b + b * D / avgdl))
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import unicodedata
from pathlib import Path

import numpy as np

ARRAYS_FROM = 20_000  # passages; smaller indexes are searched by FTS5 alone
K1, B = 1.2, 0.75
STATS = "keywords.json"
ARRAYS = ("terms", "term_starts", "starts", "ids", "tf", "lengths")
_TOKEN_CATEGORIES = frozenset({"Ll", "Lo", "Lm", "Nd", "Nl", "No"})
_FTS_TOKEN = re.compile(r"[^\W_]+")


def _safe(term: str) -> bool:
    """True if FTS5's unicode61 tokenizer reads `term` as exactly itself (one token, no case change)."""
    return (
        term.isascii()
        and term.isalnum()
        and term.islower()
        or (bool(term) and all(unicodedata.category(c) in _TOKEN_CATEGORIES for c in term))
    )


def _fts_tokens(term: str) -> list[str] | None:
    """The tokens unicode61 makes of a stored term, or None if this module cannot be sure."""
    if _safe(term):
        return [term]
    pieces = _FTS_TOKEN.findall(term)
    return pieces if all(_safe(p) for p in pieces) else None


def _docsizes(db: sqlite3.Connection) -> dict[int, int]:
    """FTS5's own token count of every row (the varint in passages_fts_docsize)."""
    out = {}
    for rowid, blob in db.execute("SELECT id, sz FROM passages_fts_docsize"):
        value = 0
        for byte in blob[:9]:
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        out[rowid] = value
    return out


def write(db: sqlite3.Connection, folder: Path) -> bool:
    """Save the posting lists of the FTS5 table in `db` into `folder`; False if the index is small
    (or uses words this module cannot tokenise as FTS5 does), in which case FTS5 alone is used."""
    rows = db.execute("SELECT count(*) FROM passages_fts_docsize").fetchone()[0]
    if rows < ARRAYS_FROM:
        return False
    vocab: dict[str, int] = {}
    tokens_of: dict[str, list[int] | None] = {}
    term_ids: list[int] = []
    row_ids: list[int] = []
    lengths: dict[int, int] = {}
    for rowid, terms in db.execute("SELECT rowid, terms FROM passages_fts"):
        count = 0
        for word in terms.split():
            ids = tokens_of.get(word)
            if ids is None:
                pieces = _fts_tokens(word)
                if pieces is None:
                    return False
                ids = tokens_of[word] = [vocab.setdefault(p, len(vocab)) for p in pieces]
            term_ids.extend(ids)
            count += len(ids)
        row_ids.extend([rowid] * count)
        lengths[rowid] = count
    if lengths != _docsizes(db):  # the tokenisation above must be FTS5's, or its scores would differ
        return False
    names = sorted(vocab)
    rank = np.empty(len(vocab), dtype=np.int64)
    rank[[vocab[t] for t in names]] = np.arange(len(names))
    max_id = max(lengths, default=0)
    key = rank[np.asarray(term_ids, dtype=np.int64)] * (max_id + 1) + np.asarray(row_ids, dtype=np.int64)
    pairs, tf = np.unique(key, return_counts=True)
    term_of, ids = np.divmod(pairs, max_id + 1)
    encoded = [t.encode() for t in names]
    arrays = {
        "terms": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "term_starts": np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64),
        "starts": np.searchsorted(term_of, np.arange(len(names) + 1)).astype(np.int64),
        "ids": ids.astype(np.int32 if max_id < 2**31 else np.int64),
        "tf": tf.astype(np.uint16 if tf.max(initial=0) < 2**16 else np.int64),
        "lengths": np.zeros(max_id + 1, dtype=np.int32),
    }
    arrays["lengths"][list(lengths)] = list(lengths.values())
    for name, array in arrays.items():
        np.save(folder / f"keywords-{name}.npy", array)
    (folder / STATS).write_text(json.dumps({"rows": rows, "tokens": int(sum(lengths.values()))}) + "\n")
    return True


class Postings:
    """The saved posting lists of one index generation."""

    def __init__(self, folder: Path) -> None:
        stats = json.loads((folder / STATS).read_text())
        self.rows, self.tokens = int(stats["rows"]), int(stats["tokens"])
        a = {name: np.load(folder / f"keywords-{name}.npy", mmap_mode="r") for name in ARRAYS}
        self.terms, self.term_starts, self.starts = a["terms"], a["term_starts"], a["starts"]
        self.ids, self.tf, self.lengths = a["ids"], a["tf"], a["lengths"]

    @classmethod
    def open(cls, folder: Path) -> Postings | None:
        return cls(folder) if (folder / STATS).exists() else None

    def _term(self, i: int) -> bytes:
        return self.terms[self.term_starts[i] : self.term_starts[i + 1]].tobytes()

    def _find(self, term: str) -> int | None:
        key, lo, hi = term.encode(), 0, len(self.term_starts) - 1
        while lo < hi:  # binary search in the sorted terms
            mid = (lo + hi) // 2
            if self._term(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self.term_starts) - 1 and self._term(lo) == key else None

    def top(
        self, terms: list[str], k: int, allowed: list[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]] | None:
        """(passage id, BM25 score) of the k best passages for the sorted, distinct query `terms`;
        None if FTS5 must answer (a term it would read as several tokens)."""
        if not all(_safe(t) for t in terms):
            return None
        n, avgdl = self.rows, self.tokens / self.rows
        scores = np.zeros(len(self.lengths), dtype=np.float64)
        matched = np.zeros(len(self.lengths), dtype=bool)
        for term in terms:  # in FTS5's phrase order: the sum is done in the same order
            i = self._find(term)
            if i is None:
                continue
            ids = np.asarray(self.ids[self.starts[i] : self.starts[i + 1]], dtype=np.int64)
            f = np.asarray(self.tf[self.starts[i] : self.starts[i + 1]], dtype=np.float64)
            idf = math.log((n - len(ids) + 0.5) / (len(ids) + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            d = self.lengths[ids].astype(np.float64)
            scores[ids] += idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * d / avgdl)))
            matched[ids] = True
        if allowed is not None:
            matched &= mask(allowed, len(self.lengths))
        candidates = np.flatnonzero(matched)
        return best(candidates, scores[candidates], k)


def mask(allowed, size: int) -> np.ndarray:
    """A boolean mask over passage ids 0 .. size - 1, True for the ids in `allowed` (a list or an
    array of ids; ids outside the range are ignored). Filters are applied to scores with it."""
    keep = np.zeros(size, dtype=bool)
    inside = np.asarray(allowed, dtype=np.int64)
    inside = inside[(inside >= 0) & (inside < size)]
    keep[inside] = True
    return keep


def best(ids: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (id, score) of distinct `ids`, by score descending and then id ascending: the
    order in which FTS5's ``ORDER BY bm25(...) LIMIT k`` returns them."""
    if len(ids) > k:  # the k best, and everything tied with the k-th
        kth = np.partition(scores, len(ids) - k)[len(ids) - k]
        chosen = scores >= kth
        ids, scores = ids[chosen], scores[chosen]
    order = np.lexsort((ids, -scores))[:k]
    return [(int(ids[j]), float(scores[j])) for j in order]
