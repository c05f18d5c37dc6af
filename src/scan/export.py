"""Quotes as Markdown with footnote-style references (to paste into a report), or as CSV."""

from __future__ import annotations

import csv
import io

from scan.exports import SUPPORT_WORDS, citation
from scan.quotes import Citation, Quote


def reference(c: Citation) -> str:
    """One footnote in the style of every export (scan.exports.citation):
    *Title*. Publisher, year, s. N, avsnitt "heading". URL. Hänvisar till: …"""
    text = citation(c.title, c.publisher, c.year, c.page, c.heading, markdown=True)
    if c.url:
        text += f" {c.url}"
    if c.cites:
        cited = "; ".join(
            f"{s.short()} ({s.year})" + (f", {s.url}" if s.url else "") if s.year else s.short() for s in c.cites
        )
        text += f" Hänvisar till: {cited}."
    return text


# how each support mark (scan.support) reads in a report, and its colour in the terminal
SUPPORT_COLOURS = {"supports": "green", "mentions": None, "counters": "red"}


def to_markdown(quotes: list[Quote], heading: str | None = None) -> str:
    lines = [f"## {heading}", ""] if heading else []
    notes = []
    for q in quotes:
        marks = []
        for c in (q.citation, *q.also):
            notes.append(reference(c))
            marks.append(f"[^{len(notes)}]")
        mark = f" *({SUPPORT_WORDS[q.support]})*" if q.support in SUPPORT_WORDS else ""
        lines += [f"> ”{' '.join(q.text.split())}”{''.join(marks)}{mark}", ""]
    lines += [f"[^{i}]: {note}" for i, note in enumerate(notes, start=1)]
    return "\n".join(lines) + "\n"


CSV_FIELDS = [
    "rank",
    "text",
    "score",
    "support",
    "doc_id",
    "title",
    "publisher",
    "year",
    "page",
    "heading",
    "start",
    "end",
    "url",
    "cites",
    "also",
]


def to_csv(quotes: list[Quote]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for q in quotes:
        row = q.to_json()
        row["text"] = " ".join(q.text.split())
        row["cites"] = "; ".join(s.short() for s in q.citation.cites)
        row["also"] = "; ".join(f"{a.doc_id} s. {a.page}" for a in q.also)
        writer.writerow({k: row[k] for k in CSV_FIELDS})
    return out.getvalue()
