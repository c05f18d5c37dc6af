"""What kind of text a passage is: prose, table, list, heading-only or boilerplate.

A heuristic on the passage's own text, decided once at ingest and stored per passage (index
format 3). Meaning-based search ranks only the kinds in `RANKED` by default: a row of a
statistics table or a block of legal notices shares many words with a query but answers none,
and with an encoder that also favours text in the query's language such passages filled the top
ranks of English queries (issue 9). They stay findable by keyword search and with an explicit
option (`scan search --passage-kind table`, `--all-kinds`).

- table: mostly numbers and short cells (figures, codes, percentages), or Markdown table rows;
- list: most lines start with a bullet or a number;
- heading: a short line or two without a sentence in them (a heading on its own);
- boilerplate: legal notices (Federal Register furniture, FOIA and paperwork notices),
  contact and address blocks, copyright lines, page furniture ("Sida 3 av 12"), and notes:
  a passage that opens with a notes label ("Disclaimers:", "Note:", "Source:", "Källa:",
  "Anm.") or a footnote mark ("*", "¹") and is short or made of such lines, or one that
  disclaims what its figures show ("do not represent", "cannot be made", "ansvarar inte
  för", page furniture: two such phrases). Prose that names a source in passing
  ("(källa: SCB)", a "Källa:" line under a paragraph) stays prose;
- prose: everything else.

Other modules that should not show tables or boilerplate as evidence (quotes, classification
evidence) ask `is_ranked(kind)` or `passage_kind(text)`.
"""

from __future__ import annotations

import re

KINDS: tuple[str, ...] = ("prose", "table", "list", "heading", "boilerplate")
RANKED: frozenset[str] = frozenset({"prose", "list", "heading"})  # what meaning-based search ranks by default

_TOKEN = re.compile(r"\S+")
_NUMBER = re.compile(r"^[\(\[]?[-−+]?[\d][\d\s.,:/%‰−–-]*[\)\]]?[%,;:.]?$")
_WORD = re.compile(r"[^\W\d_]{2,}")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦–—]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)])\s+\S")
_SENTENCE_END = re.compile(r"[.!?…:;](?:[\"'”»)\]]*)(?:\s|$)")

# legal notices, page furniture, contact blocks: one hit of a strong pattern, or two of the weak ones
_STRONG = re.compile(
    r"federal register\s*/\s*vol\.|\[fr doc\.|billing code \d|paperwork reduction act|regulatory flexibility act"
    r"|freedom of information act|for further information contact|all rights reserved|alla rättigheter förbehållna"
    r"|^\s*(?:sida|page)\s+\d+\s+(?:av|of)\s+\d+\s*$|this document (?:is|has been) (?:available|published)"
    r"|unfunded mandates reform act|executive order 1\d{4}|privacy act (?:of 1974|statement)|©"
    r"|\bverdate\b|\bsfmt \d|\bjkt \d{4}",
    re.IGNORECASE | re.MULTILINE,
)
_WEAK = re.compile(
    r"\b(?:tel(?:efon)?\.?|phone|fax|e-?post|e-?mail|postadress|besöksadress|organisationsnummer|org\.?\s?nr"
    r"|växel|box \d+|\d{3} \d{2} [A-ZÅÄÖ][a-zåäö]+|www\.[a-z0-9.-]+|https?://\S+|[\w.+-]+@[\w-]+\.[\w.]+"
    r"|isbn|issn|diarienummer|dnr|u\.s\.c\.|c\.f\.r\.|cfr part|docket no|fr doc|agency:|action:|summary:"
    r"|dates:|addresses:|supplementary information)",
    re.IGNORECASE,
)


# notes under a table: a label or a footnote mark at the start of a line
_NOTE_LINE = re.compile(
    r"^\s*(?:(?:disclaimers?|notes?|sources?|footnotes?|källa|källor|anm(?:ärkning(?:ar)?)?|not|fotnot(?:er)?"
    r"|observera)\s*[:.]|anm\b|\*{1,3}(?=[^\s*])|[¹²³⁴⁵⁶⁷⁸⁹†‡]\s*\S)",
    re.IGNORECASE,
)
_ITALIC = re.compile(r"^\s*\*[^*\n]+\*(?!\*)")  # Markdown emphasis opening a line, not a footnote mark
# disclaiming what the figures show; page furniture glued to the text by a PDF's extraction
_DISCLAIMING = re.compile(
    r"\b(?:do(?:es)? not (?:represent|reflect|constitute|imply)|cannot be (?:made|construed|guaranteed)"
    r"|should not be (?:interpreted|construed|used as)|no (?:warranty|warranties|liability)"
    r"|not (?:be )?(?:responsible|liable) for|for informational purposes|subject to change without notice"
    r"|(?:page|sida) \d+ (?:of|av) \d+|ansvarar inte för|lämnar inga garantier|(?:ska|bör) inte tolkas"
    r"|kan inte garanteras|utan ansvar för)",
    re.IGNORECASE,
)


def _is_note_line(line: str) -> bool:
    return bool(_NOTE_LINE.match(line)) and not _ITALIC.match(line)


def _notes(lines: list[str], tokens: list[str]) -> bool:
    """A block of notes, sources or disclaimers: it opens with a note line and is short, or note
    lines make up most of it; or it disclaims what its figures show (two phrases)."""
    if lines and _is_note_line(lines[0]):
        in_notes = sum(len(line) for line in lines if _is_note_line(line))
        if len(tokens) <= 60 or in_notes >= 0.6 * sum(len(line) for line in lines):
            return True
    return len(_DISCLAIMING.findall("\n".join(lines))) >= 2 and len(tokens) < 200


def _share_numeric(tokens: list[str]) -> float:
    return sum(1 for t in tokens if _NUMBER.match(t)) / (len(tokens) or 1)


def passage_kind(text: str, heading: str = "") -> str:
    """The kind of a passage, from its text (and the heading it stands under, unused for now
    but part of the signature so that callers need not change when it is used).

    >>> passage_kind("Andelen äldre ökar snabbt, och kommunen behöver fler undersköterskor.")
    'prose'
    >>> passage_kind("Alabama 12 345 1 234 0 56 789\\nAlaska 2 345 123 0 7 89")
    'table'
    """
    stripped = text.strip()
    if not stripped:
        return "heading"
    tokens = _TOKEN.findall(stripped)
    lines = [line for line in stripped.splitlines() if line.strip()]
    words = _WORD.findall(stripped)
    if _STRONG.search(stripped) or len(_WEAK.findall(stripped)) >= 2 and len(tokens) < 120:
        return "boilerplate"
    if _notes(lines, tokens):
        return "boilerplate"
    if sum(1 for line in lines if line.count("|") >= 2) >= max(1, len(lines) // 2):
        return "table"
    numeric = _share_numeric(tokens)
    sentences = len(_SENTENCE_END.findall(stripped))
    if len(tokens) >= 6 and (numeric >= 0.4 or (numeric >= 0.25 and sentences <= len(tokens) / 40)):
        return "table"
    if len(lines) >= 3 and _short_cells(lines) and sentences <= 1:
        return "table"
    if len(lines) >= 2 and sum(1 for line in lines if _BULLET.match(line)) >= 0.6 * len(lines):
        return "list"
    if len(words) <= 12 and sentences == 0 and len(lines) <= 2:
        return "heading"
    return "prose"


def _short_cells(lines: list[str]) -> bool:
    """Many short lines, each a few words with figures in: a table pulled out of a PDF."""
    short = [line for line in lines if len(line.split()) <= 6]
    with_figures = [line for line in lines if re.search(r"\d", line)]
    return len(short) >= 0.8 * len(lines) and len(with_figures) >= 0.5 * len(lines)


def is_ranked(kind: str) -> bool:
    """Whether meaning-based search, quotes and classification evidence should use this kind."""
    return kind in RANKED


def annotate(passages: list, document_text: str) -> list:
    """The passages (scan.types.Passage) with their kind and language set.

    A passage's language is detected on its own text; where that is unclear (a table, a
    heading) it takes the language of the whole document.
    """
    from dataclasses import replace

    from scan.classify import language

    doc_language = language(document_text)
    out = []
    for p in passages:
        lang = language(p.text)
        out.append(
            replace(p, kind=passage_kind(p.text, p.heading_path), language=doc_language if lang == "other" else lang)
        )
    return out
