"""Quote units: the sentences of a document's passages, cut and embedded once at ingest.

A quote unit is a sentence, joined to the sentence before it when it cannot stand alone (it is
short, or opens by pointing back: "Detta", "Det", "Samtidigt" …). The join stays within the
paragraph; a passage's first sentence may join the last sentence of the passage before it
(same heading, nothing but spaces or one line break between them).

Ingest stores each unit's offsets, text and vector beside its passage (store.py), so that
`scan quotes` needs one query encoding and look-ups, not an encoder pass over candidate
sentences. Quotes come only from passages of the kinds search ranks by meaning (scan.kinds.RANKED:
no tables, no boilerplate), so the passages of other kinds get no units: nothing to encode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scan.kinds import is_ranked
from scan.split import sentence_spans
from scan.types import Passage

_BACK_REFERENCE = re.compile(
    r"^(Detta|Det|Den|Dessa|Denna|Där|Därför|Därmed|Därtill|Dessutom|Samtidigt|Även|Också|Vilket|Men|"
    r"Istället|Här|Sådana|Så|This|These|That|It|They|However|Also)\b"
)
_SHORT = 40  # a shorter sentence ("Segregationen ökar.") is quoted with the one before


@dataclass(frozen=True)
class Unit:
    """A quotable span: `text == document_text[start:end]`; `passage` indexes the document's passages."""

    passage: int
    start: int
    end: int
    text: str


def needs_context(text: str) -> bool:
    return len(text) < _SHORT or bool(_BACK_REFERENCE.match(text))


def quote_units(text: str, passages: Sequence[Passage]) -> list[Unit]:
    """The quote units of one document, in order, from its text and its passages (by seq), kinds
    already set (scan.kinds.annotate); none in a passage that quotes never show (a table, boilerplate)."""
    units: list[Unit] = []
    previous: Passage | None = None
    for n, p in enumerate(passages):
        if not is_ranked(p.kind):
            previous = p
            continue
        spans = sentence_spans(p.text, p.start)
        for i, (start, end) in enumerate(spans):
            sentence = p.text[start - p.start : end - p.start]
            if needs_context(sentence):
                if i > 0 and "\n\n" not in p.text[spans[i - 1][0] - p.start : end - p.start]:
                    first = spans[i - 1][0]
                    units.append(Unit(n, first, end, p.text[first - p.start : end - p.start]))
                    continue
                if i == 0 and previous is not None and previous.seq == p.seq - 1 and previous.heading == p.heading:
                    gap = text[previous.end : p.start]
                    if "\n\n" not in gap and not gap.strip():
                        prev_spans = sentence_spans(previous.text, previous.start)
                        if prev_spans:
                            last = prev_spans[-1][0]
                            units.append(Unit(n, last, end, previous.text[last - previous.start :] + gap + sentence))
                            continue
            units.append(Unit(n, start, end, sentence))
        previous = p
    return units
