"""The trend of every passage in the index: what `--trend ID` filters by and the trend facet counts.

- a passage of the analysis (the taxonomy's `analysis` document) under a heading that a trend
  lists: that trend (the analysis says so itself; scan.taxonomy.Taxonomy.trend_of);
- any other passage: the trend model's most probable class for its stored vector (scan.trends),
  the rule of `scan classify --passages` without the model's keyword view (which would read
  every passage's words); "no trend" (0) when that class is "none".

Labels are computed once per index generation and trend model, from the vectors already in the
index (nothing is embedded again): a matrix product over all passages. They are kept in memory
and in a small file beside the index (`passage-trends-<generation>-<model key>.npz`), so a later
command only reads the file; an ingest makes a new generation and so new labels on first use.
bench/passage_trends.py measures the first computation and a cached lookup against a search.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scan.store import Index
from scan.taxonomy import Taxonomy
from scan.trends import NONE, TrendModel

logger = logging.getLogger(__name__)

BATCH = 4096  # vectors per matrix product
_MEMORY: dict[tuple[str, str, str], PassageTrends] = {}


@dataclass(frozen=True)
class PassageTrends:
    ids: np.ndarray  # (n,) passage ids, ascending
    labels: np.ndarray  # (n,) trend id, or NONE (0)
    keys: tuple[str, ...]  # "doc_id#seq" of each passage (as passage_id in --json)

    def of(self, passage_key: str) -> int:
        """The trend of a passage by its `doc_id#seq`, or 0."""
        return self._by_key.get(passage_key, NONE)

    @property
    def _by_key(self) -> dict[str, int]:
        cached = self.__dict__.get("_lookup")
        if cached is None:
            cached = dict(zip(self.keys, self.labels.tolist()))
            object.__setattr__(self, "_lookup", cached)
        return cached

    def passages_of(self, trend_ids) -> frozenset[int]:
        """Passage ids labelled with any of `trend_ids`."""
        wanted = np.isin(self.labels, np.array(sorted(trend_ids), dtype=self.labels.dtype))
        return frozenset(self.ids[wanted].tolist())

    def counts(self) -> dict[int, int]:
        values, counts = np.unique(self.labels, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts)}


def cache_path(index: Index, model: TrendModel) -> Path:
    return index.root / f"passage-trends-{index.generation.name}-{model.key[:16]}.npz"


def passage_trends(index: Index, model: TrendModel, taxonomy: Taxonomy) -> PassageTrends:
    """Every passage's trend for this generation and model: from memory, the file, or computed now."""
    memo = (str(index.root), index.generation.name, model.key)
    if memo in _MEMORY:
        return _MEMORY[memo]
    path = cache_path(index, model)
    found = _load(path)
    if found is None:
        found = compute(index, model, taxonomy)
        _save(path, found, index.root)
    _MEMORY.clear()  # one generation at a time: an older one is not asked again
    _MEMORY[memo] = found
    return found


def compute(index: Index, model: TrendModel, taxonomy: Taxonomy) -> PassageTrends:
    rows = index.db.execute("SELECT id, doc_id, seq, heading FROM passages ORDER BY id").fetchall()
    ids = np.array([r["id"] for r in rows], dtype=np.int64)
    labels = np.zeros(len(rows), dtype=np.int16)
    classes = np.array(model.classes, dtype=np.int16)
    for start in range(0, len(rows), BATCH):
        chunk = ids[start : start + BATCH]
        vectors = index.vectors.reconstruct_batch(chunk) if len(chunk) else np.zeros((0, 1))
        # the embedding view alone: the keyword view would read every passage's words (about 0.3 ms
        # each, 30 s for 100,000 passages; README "Facets and the trend filter")
        labels[start : start + len(chunk)] = classes[np.argmax(model.logits(vectors), axis=1)]
    if taxonomy.analysis:
        analysis = taxonomy.analysis_in(index.manifest.get("documents", {}))
        for i, r in enumerate(rows):
            if r["doc_id"] == analysis:
                trend = taxonomy.trend_of(tuple(json.loads(r["heading"])))
                if trend is not None:
                    labels[i] = trend
    return PassageTrends(ids, labels, tuple(f"{r['doc_id']}#{r['seq']}" for r in rows))


def _load(path: Path) -> PassageTrends | None:
    if not path.exists():
        return None
    try:
        with np.load(path) as data:
            return PassageTrends(data["ids"], data["labels"], tuple(str(k) for k in data["keys"]))
    except (OSError, ValueError, KeyError):
        logger.warning("%s is unreadable; computing the passages' trends again", path)
        return None


def _save(path: Path, found: PassageTrends, root: Path) -> None:
    """Atomically, replacing the files of older generations; a read-only folder keeps them in memory."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".passage-trends-", suffix=".npz", dir=root)
        os.close(fd)
        try:
            np.savez(tmp, ids=found.ids, labels=found.labels, keys=np.array(found.keys))
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        for old in root.glob("passage-trends-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("could not store the passages' trends in %s (%s); kept in memory only", root, exc)


def load(index: Index, encoder, taxonomy: Taxonomy) -> PassageTrends:
    """The trend model (scan.trends.load_or_train) and every passage's trend under it."""
    from scan.trends import load_or_train

    return passage_trends(index, load_or_train(index, encoder, taxonomy), taxonomy)


def trend_filter(index: Index, encoder, taxonomy: Taxonomy, trend_ids) -> frozenset[int]:
    """Passage ids of the given trends (each id checked against the taxonomy: a clear error if unknown)."""
    for t in trend_ids:
        taxonomy.get(int(t))
    return load(index, encoder, taxonomy).passages_of({int(t) for t in trend_ids})
