"""Exports of search hits, quotes and classifications: CSV, XLSX (openpyxl), DOCX (python-docx),
Markdown and JSON lines, with citations in one style everywhere (`citation`).

The content is built once as `Table`s (one row per hit, quote, trend or evidence passage) and
`Entry`s (a text with its citation: what a Word file shows as a paragraph); the writers know
nothing about hits or quotes, so other exports (the library overview) can use them too:

    xlsx_bytes([Table("Träffar", COLUMNS, rows)])  -> the bytes of an .xlsx file
    docx_bytes("Sökträffar: ”tillit”", [Entry(text, cite)])  -> the bytes of a .docx file

openpyxl and python-docx are imported inside the writers: nothing heavy on the query path.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scan.errors import ScanError

if TYPE_CHECKING:
    from scan.classify import Classification
    from scan.quotes import Quote
    from scan.types import Hit

FORMATS = ("csv", "xlsx", "docx", "md", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "json": "application/x-ndjson; charset=utf-8",
}


def citation(
    title: str,
    publisher: str = "",
    year: int | None = None,
    page: int | None = None,
    heading: str = "",
    markdown: bool = False,
) -> str:
    """The one citation style of every export: 'Title. Publisher, year, s. 4, avsnitt ”Heading”.'

    `heading` may be a whole path ('A > B'); only its last part is cited. Empty parts are left out.
    """
    parts = [p for p in (str(publisher or ""), str(year) if year else "") if p]
    if page is not None:
        parts.append(f"s. {page}")
    if heading:
        parts.append(f"avsnitt ”{heading.split(' > ')[-1]}”")
    shown = f"*{title}*" if markdown else title
    return f"{shown}. {', '.join(parts)}." if parts else f"{shown}."


def export_format(path: Path) -> str:
    """The export format named by a file's suffix (.csv, .xlsx, .docx, .md, .json)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ScanError(
            f"cannot tell the export format of {path} from its suffix '{path.suffix}'",
            "end the file name in one of: " + ", ".join("." + f for f in FORMATS),
        )
    return fmt


def write_export(path: Path, data: bytes) -> None:
    """Write an export atomically: a failed write never leaves half a file under `path`."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".scan-export-", dir=path.parent)
    except OSError as exc:
        raise ScanError(f"cannot write {path}: {exc.strerror}", "choose a folder that exists and is writable") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ScanError(f"cannot write {path}: {exc.strerror}", "choose a writable path (is the file open?)") from None


# ---- the shapes the writers take ------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """Rows under named columns: `columns` are (key, heading shown in XLSX)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    """One text with its citation; `note` is a short line under it (relevance, support mark)."""

    text: str
    cite: str
    note: str = ""
    group: str = ""  # a sub-heading it belongs under (a trend, a document)


@dataclass
class Report:
    """What one export holds, whatever the format."""

    heading: str
    tables: list[Table]
    entries: list[Entry]
    lines: list[dict[str, Any]] = field(default_factory=list)  # the JSON lines (as --json)
    intro: list[str] = field(default_factory=list)  # lines under the heading in DOCX and Markdown

    def render(self, fmt: str) -> bytes:
        if fmt == "csv":
            return csv_text(self.tables[0]).encode("utf-8")
        if fmt == "xlsx":
            return xlsx_bytes(self.tables)
        if fmt == "docx":
            return docx_bytes(self.heading, self.entries, self.intro)
        if fmt == "md":
            return markdown_text(self.heading, self.entries, self.intro).encode("utf-8")
        if fmt == "json":
            return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines).encode("utf-8")
        raise ScanError(f"unknown export format '{fmt}'", "choose one of: " + ", ".join(FORMATS))


# ---- writers --------------------------------------------------------------------------------
def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[key for key, _ in table.columns], extrasaction="ignore")
    writer.writeheader()
    for row in table.rows:
        writer.writerow({key: _cell(row.get(key)) for key, _ in table.columns})
    return out.getvalue()


WIDE = {"text": 80, "citation": 50, "title": 36, "heading": 30, "cites": 30, "also": 24}


def xlsx_bytes(tables: list[Table]) -> bytes:
    """A workbook with one sheet per table: bold header row, frozen, filterable; long text wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name))
        sheet.append([label for _, label in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_value(row.get(key)) for key, _ in table.columns])
        for i, (key, _) in enumerate(table.columns, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = WIDE.get(key, 12)
            if key in WIDE:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        if table.rows:
            sheet.auto_filter.ref = sheet.dimensions
    if not tables:
        book.create_sheet("Tomt")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_bytes(heading: str, entries: list[Entry], intro: list[str] | None = None) -> bytes:
    """A Word file to paste from: the heading, the date, then each text as a paragraph followed by
    its citation (and note) in a smaller grey paragraph; entries grouped under sub-headings."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    doc = Document()
    doc.core_properties.title = heading
    doc.add_heading(heading, level=1)
    doc.add_paragraph(f"Exporterad från scan {date.today().isoformat()}")
    for line in intro or []:
        doc.add_paragraph(line)
    group = None
    for entry in entries:
        if entry.group and entry.group != group:
            doc.add_heading(entry.group, level=2)
            group = entry.group
        doc.add_paragraph(f"”{_flat(entry.text)}”", style="Quote")
        cite = doc.add_paragraph()
        run = cite.add_run(entry.cite + (f" ({entry.note})" if entry.note else ""))
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    if not entries:
        doc.add_paragraph("Inga träffar.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def markdown_text(heading: str, entries: list[Entry], intro: list[str] | None = None) -> str:
    lines = [f"## {heading}", "", *(f"{line}  " for line in intro or [])]
    if intro:
        lines.append("")
    group = None
    for entry in entries:
        if entry.group and entry.group != group:
            lines += [f"### {entry.group}", ""]
            group = entry.group
        note = f" *({entry.note})*" if entry.note else ""
        lines += [f"> ”{_flat(entry.text)}”", ">", f"> — {entry.cite}{note}", ""]
    return "\n".join(lines) + "\n"


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def _cell(value: Any) -> Any:
    return _flat(value) if isinstance(value, str) else value


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        value = _flat(value)
        return "'" + value if value and value[0] in "=+-@" else value  # never a formula from a document's text
    return value


def _sheet_name(name: str) -> str:
    return "".join(c for c in name if c not in "[]:*?/\\")[:31] or "Blad"


# ---- search hits ----------------------------------------------------------------------------
HIT_COLUMNS = (
    ("rank", "Nr"),
    ("text", "Text"),
    ("citation", "Källhänvisning"),
    ("title", "Titel"),
    ("publisher", "Utgivare"),
    ("year", "År"),
    ("page", "Sida"),
    ("heading", "Avsnitt"),
    ("relevance", "Relevans"),
    ("score", "Poäng"),
    ("language", "Språk"),
    ("trend", "Trend"),
    ("doc_id", "Dokument-id"),
    ("passage_id", "Stycke-id"),
    ("cites", "Hänvisar till"),
)


def hit_row(hit: Hit, meta: dict[str, Any], trend: str = "") -> dict[str, Any]:
    """One hit as an export row; `meta` is its document's metadata (publisher, year)."""
    p = hit.passage
    row = hit.to_json()
    row.update(
        publisher=str(meta.get("publisher", "")),
        year=meta.get("year"),
        citation=citation(hit.title, str(meta.get("publisher", "")), meta.get("year"), p.page, p.heading_path),
        cites="; ".join(c.short() for c in hit.cites),
        trend=trend,
    )
    return row


def hits_report(
    hits: list[Hit],
    metadata: dict[str, dict[str, Any]],
    query: str,
    trends: dict[str, str] | None = None,
    by_document: bool = False,
) -> Report:
    """Search hits as an export; `metadata` maps doc_id to its metadata, `trends` passage_id to a trend name.
    `by_document`: in Word and Markdown the hits stand under their document, the best document first."""
    trends = trends or {}
    rows = [hit_row(h, metadata.get(h.doc_id, {}), trends.get(f"{h.doc_id}#{h.passage.seq}", "")) for h in hits]
    from scan import relevance

    answers = relevance.answer_flags(hits)  # the CLI's and the web page's rule: floor and gap to the best hit
    entries = [
        Entry(h.passage.text, row["citation"], _relevance_note(h.relevance, ok), h.title if by_document else "")
        for h, row, ok in zip(hits, rows, answers)
    ]
    if by_document:  # a stable sort keeps the ranks within a document; documents by their best hit
        first = {}
        for i, h in enumerate(hits):
            first.setdefault(h.doc_id, i)
        order = sorted(range(len(hits)), key=lambda i: first[hits[i].doc_id])
        entries = [entries[i] for i in order]
    return Report(f"Sökträffar: ”{query}”", [Table("Träffar", HIT_COLUMNS, rows)], entries, [h.to_json() for h in hits])


def _relevance_note(value: float | None, answer: bool) -> str:
    """'relevans 72', with ', under relevansgränsen' for a hit that is not an answer (relevance.answer_flags)."""
    if value is None:
        return ""
    return f"relevans {value:.0f}" + ("" if answer else ", under relevansgränsen")


# ---- quotes ---------------------------------------------------------------------------------
QUOTE_COLUMNS = (
    ("rank", "Nr"),
    ("text", "Citat"),
    ("citation", "Källhänvisning"),
    ("support", "Stöd"),
    ("score", "Poäng"),
    ("doc_id", "Dokument-id"),
    ("passage_id", "Stycke-id"),
    ("title", "Titel"),
    ("publisher", "Utgivare"),
    ("year", "År"),
    ("page", "Sida"),
    ("heading", "Avsnitt"),
    ("start", "Start"),
    ("end", "Slut"),
    ("url", "Adress"),
    ("cites", "Hänvisar till"),
    ("also", "Även i"),
)
SUPPORT_WORDS = {"supports": "stöder", "mentions": "nämner", "counters": "kan motsäga"}


def quote_citation(q: Quote) -> str:
    c = q.citation
    return citation(c.title, c.publisher, c.year, c.page, c.heading)


def quote_row(q: Quote) -> dict[str, Any]:
    row = q.to_json()
    row.update(
        citation=quote_citation(q),
        cites="; ".join(s.short() for s in q.citation.cites),
        also="; ".join(f"{a.doc_id} s. {a.page}" for a in q.also),
    )
    return row


def quotes_report(quotes: list[Quote], heading: str) -> Report:
    rows = [quote_row(q) for q in quotes]
    entries = [Entry(q.text, row["citation"], SUPPORT_WORDS.get(q.support, "")) for q, row in zip(quotes, rows)]
    return Report(f"Citat: {heading}", [Table("Citat", QUOTE_COLUMNS, rows)], entries, [q.to_json() for q in quotes])


# ---- classifications ------------------------------------------------------------------------
TREND_COLUMNS = (
    ("document", "Dokument"),
    ("trend", "Trend-id"),
    ("name", "Trend"),
    ("score", "Andel"),
    ("label", "Huvudtrend"),
    ("labelled", "Märkt"),
)
EVIDENCE_COLUMNS = (
    ("document", "Dokument"),
    ("trend", "Trend-id"),
    ("name", "Trend"),
    ("text", "Belägg"),
    ("citation", "Källhänvisning"),
    ("page", "Sida"),
    ("heading", "Avsnitt"),
    ("probability", "Sannolikhet"),
)


def classification_report(results: list[Classification], names: dict[int, str]) -> Report:
    """Classifications: a row per document and trend (CSV: this table), a sheet of the evidence,
    and in Word the verdict, the shares and the evidence passages with their citations."""
    scores, evidence, entries, intro = [], [], [], []
    for r in results:
        for t in sorted(r.scores, key=lambda t: -r.scores[t]):
            scores.append(
                {
                    "document": r.title,
                    "trend": t,
                    "name": names.get(t, str(t)),
                    "score": round(r.scores[t], 4),
                    "label": "ja" if t == r.label else "",
                    "labelled": "ja" if t in r.labels else "",
                }
            )
        scores.append(
            {
                "document": r.title,
                "trend": 0,
                "name": "Ingen trend",
                "score": round(r.none, 4),
                "label": "",
                "labelled": "",
            }
        )
        verdict = f"{r.label}. {names.get(r.label, '')}" if r.label else "ingen trend"
        verdict = f"ingen enskild (störst andel: {verdict})" if r.several else verdict
        shares = ", ".join(f"{t}. {names.get(t, t)} {100 * r.scores[t]:.0f} %" for t in r.labels)
        intro.append(f"{r.title}: huvudtrend {verdict}" + (f" (märkta trender: {shares})" if shares else "") + ".")
        for t in r.labels:
            for e in r.evidence.get(t, []):
                cite = citation(r.title, page=e.page, heading=e.heading)
                evidence.append(
                    {
                        "document": r.title,
                        "trend": t,
                        "name": names.get(t, str(t)),
                        "text": e.text,
                        "citation": cite,
                        "page": e.page,
                        "heading": e.heading,
                        "probability": round(e.score, 4),
                    }
                )
                group = f"Belägg för {t}. {names.get(t, t)}" + (f" – {r.title}" if len(results) > 1 else "")
                entries.append(Entry(e.text, cite, f"sannolikhet {100 * e.score:.0f} %", group))
    heading = "Trendklassificering: " + (results[0].title if len(results) == 1 else f"{len(results)} dokument")
    tables = [Table("Trender", TREND_COLUMNS, scores), Table("Belägg", EVIDENCE_COLUMNS, evidence)]
    return Report(heading, tables, entries, [r.to_json() for r in results], intro)
