"""Classify a document against the trends: a profile for the whole document and each passage.

Each passage gets calibrated probabilities over "no trend" and the trends (scan.trends). A
document's score for a trend is the length-weighted mean of its passages' probabilities: the
share of the text that speaks to that trend (for a one-passage text, simply the probability).

- label: the document's most probable main trend, or None when "no trend" is more probable, with
  its confidence (scan.trendprofile: for a one-passage text, simply its probability);
- labels: every trend the document speaks to with a probability (`presence`) of LABELS_MIN or
  more, best score first (possibly none): the multi-label verdict;
- evidence: for each listed trend, the passages that drove it, with page and text.

Passages are embedded and scored in batches; the passages' probabilities (a few numbers each) and
the best few passages per trend are kept, so memory stays small for a document of hundreds of pages.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scan.embed import Encoder
from scan.errors import ScanError
from scan.kinds import is_ranked, passage_kind
from scan.split import SplitSettings, split_document
from scan.taxonomy import Taxonomy
from scan.trends import NONE, TrendModel
from scan.types import Document, Passage

EVIDENCE = 3
EVIDENCE_MIN = 0.2  # a passage shown as evidence has at least this probability (the best one always shows)
BATCH = 64


@dataclass(frozen=True)
class Evidence:
    trend: int
    score: float
    text: str
    page: int | None
    heading: str
    start: int
    end: int
    physical_page: int | None = None  # the page in the file (PDF)
    doc_id: str | None = None  # where the classified file is in the index: the passage there (scan.context)
    seq: int | None = None
    keywords: tuple[str, ...] = ()  # the passage's words that raised the trend in the model's keyword view

    @property
    def passage_id(self) -> str | None:
        return None if self.doc_id is None or self.seq is None else f"{self.doc_id}#{self.seq}"

    def to_json(self) -> dict[str, Any]:
        return {
            "trend": self.trend,
            "passage_id": self.passage_id,
            "physical_page": self.physical_page,
            "score": round(self.score, 4),
            "text": self.text,
            "page": self.page,
            "heading": self.heading,
            "start": self.start,
            "end": self.end,
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True)
class PassageResult:
    passage: Passage
    label: int | None
    scores: dict[int, float]
    none: float

    def to_json(self) -> dict[str, Any]:
        p = self.passage
        return {
            "seq": p.seq,
            "page": p.page,
            "heading": p.heading_path,
            "start": p.start,
            "end": p.end,
            "text": p.text,
            "label": self.label,
            "none": round(self.none, 4),
            "scores": {str(t): round(s, 4) for t, s in self.scores.items()},
        }


def verdict_words(label: int | None, several: bool, names: dict[int, str]) -> str:
    """A document's verdict in a table cell: "3. Name", "ingen trend", or "ingen enskild (störst: 3. Name)"."""
    main = f"{label}. {names[label]}" if label else "ingen trend"
    return f"ingen enskild (störst: {main})" if several else main


@dataclass
class Classification:
    path: str
    title: str
    label: int | None
    labels: list[int]
    scores: dict[int, float]
    none: float  # the share of the text that speaks to no trend
    evidence: dict[int, list[Evidence]]
    n_passages: int
    language: str
    warnings: list[str] = field(default_factory=list)
    passages: list[PassageResult] = field(default_factory=list)
    confidence: float = 0.0  # probability that the verdict (main trend `label`, no trend, or `several`) is right
    presence: dict[int, float] = field(default_factory=dict)  # trend -> probability the text speaks to it
    several: bool = False  # several trends, none leading: `label` is then the largest, not a main trend
    share_error: float = 0.0  # part of a text the shares put on the wrong class, on other publishers' documents

    def to_json(self) -> dict[str, Any]:
        out = {
            "path": self.path,
            "title": self.title,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "several": self.several,
            "share_error": round(self.share_error, 4),
            "labels": self.labels,
            "presence": {str(t): round(s, 4) for t, s in self.presence.items()},
            "scores": {str(t): round(s, 4) for t, s in self.scores.items()},
            "none": round(self.none, 4),
            "evidence": {str(t): [e.to_json() for e in ev] for t, ev in self.evidence.items()},
            "passages": self.n_passages,
            "language": self.language,
            "warnings": self.warnings,
        }
        if self.passages:
            out["passage_results"] = [p.to_json() for p in self.passages]
        return out


_WORD = re.compile(r"[^\W\d_]+")
_SV = {
    "och",
    "att",
    "det",
    "som",
    "en",
    "på",
    "är",
    "av",
    "för",
    "med",
    "till",
    "den",
    "har",
    "de",
    "inte",
    "om",
    "ett",
    "i",
    "kommunen",
    "vi",
    "kan",
    "eller",
    "sig",
    "ska",
    "från",
    "men",
    "även",
    "samt",
    "genom",
    "också",
}
_EN = {
    "the",
    "and",
    "of",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "with",
    "as",
    "on",
    "are",
    "be",
    "by",
    "this",
    "from",
    "or",
    "an",
    "at",
    "which",
    "have",
    "has",
    "not",
    "will",
    "can",
    "their",
    "more",
    "also",
    "was",
}


def language(text: str) -> str:
    """'sv', 'en' or 'other', from the share of very common words."""
    words = [w.lower() for w in _WORD.findall(text[:20000])]
    if not words:
        return "other"
    sv = sum(w in _SV for w in words) / len(words)
    en = sum(w in _EN for w in words) / len(words)
    if max(sv, en) < 0.08:
        return "other"
    return "sv" if sv >= en else "en"


def decide(probs: np.ndarray, weights: np.ndarray, classes: tuple[int, ...], document_map=None):
    """The verdict (label, confidence, labels, presence, several) from passage probabilities and
    lengths (scan.trendprofile), its confidence through the model's document calibration map."""
    from scan.trendprofile import DocumentMap, verdict

    return verdict(probs, weights, classes, NONE, document_map or DocumentMap())


def classify_document(
    doc: Document,
    model: TrendModel,
    encoder: Encoder,
    taxonomy: Taxonomy,
    split: SplitSettings = SplitSettings(),
    keep_passages: bool = False,
    progress=None,
    passages: list[Passage] | None = None,
    vectors: Callable[[list[Passage]], np.ndarray] | None = None,
) -> Classification:
    """Score a document against the trends.

    >>> result = classify_document(read_document(Path("rapport.pdf")), model, encoder, load_taxonomy())  # doctest: +SKIP
    >>> result.label, round(result.scores[4], 2)
    (4, 0.71)

    `passages` and `vectors` (a function giving a batch of passages' vectors) let a caller that
    already has them, such as the library overview with the index's stored vectors, skip the split
    and the encoder.
    """
    passages = split_document(doc, split) if passages is None else passages
    if not passages:
        raise ScanError(f"{doc.path}: no text to classify", "check that the file holds body text")
    lang = language(doc.text)
    warnings = []
    if lang == "other":
        warnings.append(
            f"{doc.path}: the text looks neither Swedish nor English; the trend model knows those two, "
            "so these scores may be unreliable"
        )
    classes = model.classes
    trend_cols = [i for i, c in enumerate(classes) if c != NONE]
    none_col = classes.index(NONE)
    totals = np.zeros(len(classes))
    weight_sum = 0.0
    best: dict[int, list[tuple[float, int, Passage]]] = {classes[i]: [] for i in trend_cols}
    kept: list[PassageResult] = []
    rows: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for i in range(0, len(passages), BATCH):
        batch = passages[i : i + BATCH]
        texts = [p.text for p in batch]
        probs = model.proba(vectors(batch) if vectors else encoder.encode_passages(texts), texts)
        weights = np.array([len(p.text) for p in batch], dtype=np.float64)
        rows.append(probs.astype(np.float32))
        lengths.append(weights)
        totals += (probs * weights[:, None]).sum(axis=0)
        weight_sum += weights.sum()
        for p, row in zip(batch, probs):
            # Tables and boilerplate count towards the scores but are never shown as evidence.
            for col in trend_cols if is_ranked(passage_kind(p.text, p.heading_path)) else ():
                heap = best[classes[col]]
                item = (float(row[col]), -p.seq, p)
                if len(heap) < EVIDENCE:
                    heapq.heappush(heap, item)
                elif item[:2] > heap[0][:2]:
                    heapq.heapreplace(heap, item)
            if keep_passages:
                top = int(np.argmax(row))
                kept.append(
                    PassageResult(
                        p,
                        classes[top] if classes[top] != NONE else None,
                        {classes[c]: float(row[c]) for c in trend_cols},
                        float(row[none_col]),
                    )
                )
        if progress:
            progress(len(batch))
    shares = totals / weight_sum
    scores = {classes[c]: float(shares[c]) for c in trend_cols}
    none = float(shares[none_col])
    label, confidence, labels, presence, several = decide(
        np.vstack(rows), np.concatenate(lengths), classes, model.document_map
    )
    evidence = {}
    words = model.keywords.top_words if model.keyword_weight and model.keywords else None
    for t in labels:
        items = sorted(best[t], key=lambda item: (-item[0], -item[1]))
        shown = [item for i, item in enumerate(items) if i == 0 or item[0] >= EVIDENCE_MIN]
        col = classes.index(t)
        evidence[t] = [
            Evidence(
                t,
                s,
                p.text,
                p.page,
                p.heading_path,
                p.start,
                p.end,
                p.physical_page,
                keywords=tuple(words(p.text, col)) if words else (),
            )
            for s, _, p in shown
        ]
    return Classification(
        doc.path,
        doc.title,
        label,
        labels,
        scores,
        none,
        evidence,
        len(passages),
        lang,
        warnings,
        kept,
        confidence,
        presence,
        several,
        model.document_map.share_error,
    )
