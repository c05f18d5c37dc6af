"""Supporting quotes: verbatim sentences from the index that best support a claim or a trend.

1. Candidate passages: hybrid search for the claim (filters apply).
2. Each candidate is cut into sentences. A sentence that cannot stand alone (it is short, or
   opens by pointing back: "Detta", "Det", "Samtidigt" …) is quoted together with the sentence
   before it.
3. Sentences are encoded like passages and scored by cosine to the claim, plus a share of their
   passage's score (context the sentence alone may lack).
4. A quote cites the sources of the footnotes in its own paragraph (a footnote at a paragraph's
   end covers the paragraph), not those of the whole passage.
5. Near-duplicates (same text, or vectors almost identical) become one quote with all citations.
6. Every quote is checked against the stored document text at its offsets; one that does not
   match exactly is never shown.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from scan.embed import Encoder
from scan.errors import ScanError
from scan.search import check_query, search
from scan.split import sentence_spans
from scan.store import Index
from scan.types import Filters, Hit, SourceRef

logger = logging.getLogger(__name__)

POOL = 20  # candidate passages
PASSAGE_WEIGHT = 0.3  # share of the passage's score in a sentence's score (chosen on the dev claims)
DUPLICATE_COSINE = 0.97
MIN_WORDS = 3
_BACK_REFERENCE = re.compile(
    r"^(Detta|Det|Den|Dessa|Denna|Där|Därför|Därmed|Därtill|Dessutom|Samtidigt|Även|Också|Vilket|Men|"
    r"Istället|Här|Sådana|Så|This|These|That|It|They|However|Also)\b"
)
_SHORT = 40  # a shorter sentence ("Segregationen ökar.") is quoted with the one before


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str
    page: int | None
    heading: str
    start: int
    end: int
    publisher: str = ""
    year: int | None = None
    url: str = ""
    cites: tuple[SourceRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "page": self.page,
            "heading": self.heading,
            "start": self.start,
            "end": self.end,
            "publisher": self.publisher,
            "year": self.year,
            "url": self.url,
            "cites": [c.to_json() for c in self.cites],
        }


@dataclass(frozen=True)
class Quote:
    """A verbatim quote: `text == document_text[citation.start:citation.end]`, checked."""

    rank: int
    text: str
    score: float
    citation: Citation
    also: tuple[Citation, ...] = ()  # the same quote found elsewhere

    def to_json(self) -> dict[str, Any]:
        c = self.citation
        return {
            "rank": self.rank,
            "text": self.text,
            "score": round(self.score, 6),
            "doc_id": c.doc_id,
            "title": c.title,
            "page": c.page,
            "heading": c.heading,
            "start": c.start,
            "end": c.end,
            "publisher": c.publisher,
            "year": c.year,
            "url": c.url,
            "cites": [s.to_json() for s in c.cites],
            "also": [a.to_json() for a in self.also],
        }


def check_claim(claim: str) -> str:
    claim = check_query(claim)
    if len(re.findall(r"\w+", claim)) < MIN_WORDS:
        raise ScanError(
            f"'{claim}' is too short to find quotes for: a claim needs at least {MIN_WORDS} words",
            'write the claim as a sentence, e.g. scan quotes "Tilliten till samhällets institutioner minskar", '
            "or look a single term up with scan search",
        )
    return claim


def _needs_context(text: str) -> bool:
    return len(text) < _SHORT or bool(_BACK_REFERENCE.match(text))


def _units(index: Index, hit: Hit) -> list[tuple[int, int, str]]:
    """Quotable spans of a passage as (start, end, text): sentences, each joined to the one before
    when it needs it (within the paragraph; for a passage's first sentence, from the passage
    before). The text comes from the stored passages, so that `find_quotes` can check it
    against the stored document text."""
    p = hit.passage
    spans = sentence_spans(p.text, p.start)
    units = []
    for i, (start, end) in enumerate(spans):
        text = p.text[start - p.start : end - p.start]
        if _needs_context(text):
            if i > 0 and "\n\n" not in p.text[spans[i - 1][0] - p.start : end - p.start]:
                units.append((spans[i - 1][0], end, p.text[spans[i - 1][0] - p.start : end - p.start]))
                continue
            if i == 0 and (prev := index.passage_at(p.doc_id, p.seq - 1)) and prev.heading == p.heading:
                gap = index.document_text(p.doc_id)[prev.end : p.start]
                if "\n\n" not in gap and not gap.strip():
                    last = sentence_spans(prev.text, prev.start)[-1][0]
                    units.append((last, end, prev.text[last - prev.start :] + gap + text))
                    continue
        units.append((start, end, text))
    return units


def find_quotes(
    index: Index,
    encoder: Encoder,
    claim: str,
    k: int = 5,
    filters: Filters | None = None,
    check: bool = True,
) -> list[Quote]:
    """The k quotes that best support `claim`, verbatim and cited.

    >>> quotes = find_quotes(index, encoder, "Tilliten mellan människor minskar")  # doctest: +SKIP
    >>> quotes[0].citation.page
    21
    """
    if check:
        claim = check_claim(claim)
    if k < 1:
        raise ScanError(f"-k must be at least 1, not {k}", "ask for one quote or more")
    hits = search(index, encoder, claim, k=POOL, mode="hybrid", filters=filters)
    units = [(h, unit) for h in hits for unit in _units(index, h)]
    if not units:
        return []
    candidates = [(h, s, e) for h, (s, e, _) in units]
    texts = [text for _, (_, _, text) in units]
    vectors = encoder.encode_passages(texts)
    claim_vector = encoder.encode_queries([claim])[0]
    scores = vectors @ claim_vector + PASSAGE_WEIGHT * np.array([h.score for h, _, _ in candidates])
    order = np.argsort(-scores)

    meta = {d.doc_id: d.metadata for d in index.documents()}
    kept: list[dict] = []
    for i in order:
        hit, start, end = candidates[i]
        text = texts[i]
        if index.document_text(hit.doc_id)[start:end] != text:  # the verbatim check
            logger.warning("quote at %s:%d-%d does not match the stored text; not shown", hit.doc_id, start, end)
            continue
        m = meta.get(hit.doc_id, {})
        citation = Citation(
            hit.doc_id,
            hit.title,
            index.page_at(hit.doc_id, start),
            hit.passage.heading_path,
            start,
            end,
            str(m.get("publisher", "")),
            m.get("year"),
            str(m.get("url", "")),
            index.sources_for(hit.doc_id, index.footnotes_in_paragraph(hit.doc_id, start, end)),
        )
        duplicate = next((q for q in kept if _same_point(q, _fold(text), vectors[i])), None)
        if duplicate is not None:
            if (citation.doc_id, citation.start) != (duplicate["citation"].doc_id, duplicate["citation"].start):
                overlaps = (
                    duplicate["citation"].doc_id == citation.doc_id
                    and start < duplicate["citation"].end
                    and duplicate["citation"].start < end
                )
                if not overlaps:
                    duplicate["also"].append(citation)
            continue
        if any(
            q["citation"].doc_id == hit.doc_id and start < q["citation"].end and q["citation"].start < end for q in kept
        ):
            continue  # overlaps a better quote (a sentence pair and its second sentence)
        kept.append({"text": text, "score": float(scores[i]), "citation": citation, "vector": vectors[i], "also": []})
        if len(kept) >= k + 5:  # a margin for duplicates found later among the top k
            break
    return [
        Quote(rank, q["text"], q["score"], q["citation"], tuple(q["also"])) for rank, q in enumerate(kept[:k], start=1)
    ]


def _same_point(kept: dict, folded: str, vector: np.ndarray) -> bool:
    """Near-duplicates: the same words, one quote inside the other, or almost the same vector."""
    other = _fold(kept["text"])
    return other == folded or other in folded or folded in other or float(kept["vector"] @ vector) > DUPLICATE_COSINE


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))
