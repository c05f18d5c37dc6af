"""Document -> Passages: a few sentences each, never across a heading, with offsets.

Sentences come from spaCy's Swedish tokenizer (`spacy.blank("sv")`, which keeps "t.ex.",
"bl.a." and "2023–2026" whole) and its rule-based sentencizer.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from scan.types import Document, Passage, Section

LONGEST_WORD = 1000  # a run without spaces longer than this is not given to the sentencizer
LONGEST_PIECE = 20_000  # a paragraph is sentencized in pieces of at most this many characters


@dataclass(frozen=True)
class SplitSettings:
    """How passages are cut. Stored in the index manifest."""

    max_chars: int = 700
    max_sentences: int = 5


@lru_cache(maxsize=1)
def sentencizer():
    import spacy

    nlp = spacy.blank("sv")
    nlp.add_pipe("sentencizer")
    return nlp


def _blocks(doc: Document) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """Runs of consecutive sections under the same heading path (pages may change inside)."""
    run: list[Section] = []
    for section in doc.sections:
        if run and (section.heading != run[-1].heading):
            yield run[0].start, run[-1].end, run[0].heading
            run = []
        run.append(section)
    if run:
        yield run[0].start, run[-1].end, run[0].heading


def sentence_spans(text: str, offset: int = 0, max_chars: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, shifted by `offset`, whitespace trimmed.

    A paragraph break (a blank line) always ends a sentence. With `max_chars`, a longer
    "sentence" (a table, a list without full stops) is cut at word boundaries.
    """
    spans = []
    for para in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text, flags=re.DOTALL):
        for base, stop, words in _pieces(text, para.start(), para.end()):
            if not words:  # one long run without spaces: no sentences to find, cut it by length
                spans.extend(_cut(text, base, stop, max_chars))
                continue
            for sent in sentencizer()(text[base:stop]).sents:
                start, end = base + sent.start_char, base + sent.end_char
                chunk = text[start:end]
                start += len(chunk) - len(chunk.lstrip())
                end -= len(chunk) - len(chunk.rstrip())
                if end > start:
                    spans.extend(_cut(text, start, end, max_chars))
    return [(offset + a, offset + b) for a, b in spans]


_LONG_RUN = re.compile(r"\S{" + str(LONGEST_WORD) + ",}")


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, has words) pieces of a paragraph that the sentencizer can take in linear time.

    spaCy refuses texts over a million characters, and its tokenizer takes time quadratic in the
    length of a token: a run without spaces longer than LONGEST_WORD is a piece of its own (not
    sentencized), and the rest is cut at a space into pieces of at most LONGEST_PIECE characters.
    """
    pos = start
    for run in _LONG_RUN.finditer(text, start, end):
        yield from _word_pieces(text, pos, run.start())
        yield run.start(), run.end(), False
        pos = run.end()
    yield from _word_pieces(text, pos, end)


def _word_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > LONGEST_PIECE:
        cut = max(text.rfind(" ", start, start + LONGEST_PIECE), text.rfind("\n", start, start + LONGEST_PIECE))
        if cut <= start:  # cannot happen: runs without spaces are shorter than LONGEST_WORD
            cut = start + LONGEST_PIECE
        yield start, cut, True
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end, True


def _cut(text: str, start: int, end: int, max_chars: int | None) -> list[tuple[int, int]]:
    pieces = []
    while max_chars and end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        if cut <= start:
            cut = start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return pieces


def _group(spans: list[tuple[int, int]], settings: SplitSettings) -> Iterator[tuple[int, int]]:
    group: list[tuple[int, int]] = []
    for span in spans:
        if group and (len(group) >= settings.max_sentences or span[1] - group[0][0] > settings.max_chars):
            yield group[0][0], group[-1][1]
            group = []
        group.append(span)
    if group:
        yield group[0][0], group[-1][1]


def split_document(doc: Document, settings: SplitSettings = SplitSettings()) -> list[Passage]:
    """Cut a document into passages; each passage's text is exactly `doc.text[start:end]`.

    >>> passages = split_document(doc)  # doctest: +SKIP
    >>> all(doc.text[p.start:p.end] == p.text for p in passages)
    True
    """
    starts = [s.start for s in doc.sections]

    def section_at(offset: int) -> Section:
        return doc.sections[max(0, bisect_right(starts, offset) - 1)]

    refs = sorted(doc.footnote_refs)
    ref_offsets = [off for off, _ in refs]
    passages: list[Passage] = []
    for start, end, heading in _blocks(doc):
        spans = sentence_spans(doc.text[start:end], start, settings.max_chars)
        for p_start, p_end in _group(spans, settings):
            first, last = bisect_left(ref_offsets, p_start), bisect_right(ref_offsets, p_end)
            notes = tuple(sorted({n for _, n in refs[first:last]}))
            passages.append(
                Passage(
                    doc_id=doc.doc_id,
                    seq=len(passages),
                    text=doc.text[p_start:p_end],
                    start=p_start,
                    end=p_end,
                    heading=heading,
                    page=section_at(p_start).page,
                    page_end=section_at(p_end - 1).page,
                    footnotes=notes,
                    physical_page=section_at(p_start).physical_page,
                )
            )
    return passages
