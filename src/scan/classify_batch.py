"""Classifying many documents at once: reading files and folders, and the side-by-side comparison.

Folders are read like `scan ingest` reads them (scan.inputs: recursively, the same file types,
only regular files, hidden names left out), with the titles and metadata of a `sources.toml`
in the folder. A file named on the command line that cannot be read stops the command (the user
asked for it); a file found in a folder that cannot be read is skipped with its reason, as ingest
does. The comparison puts documents side by side: trends as rows, documents as columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scan.classify import Classification, verdict_words
from scan.errors import ScanError
from scan.inputs import collect_files, printable
from scan.tables import Sheet
from scan.taxonomy import Taxonomy
from scan.types import Document


def read_inputs(paths: Sequence[Path], max_bytes: int | None = None) -> tuple[list[Document], list[tuple[str, str]]]:
    """The documents under `paths` (files and folders), in order, and (file, reason) of those skipped."""
    from scan.ingest import _reason
    from scan.parse import read_document, supported
    from scan.sourcetree import SourceTree

    docs: list[Document] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        try:
            is_dir = path.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:  # named: read whatever its name, and an unreadable file is an error
            docs.append(read_document(path, max_bytes=max_bytes))
            continue
        found, left_out = collect_files([path], supported)
        skipped.extend(left_out)
        if not found:
            continue
        metadata = SourceTree(path, [d for _, d, _ in found])  # a malformed sources.toml stops here, named
        for file, doc_id, _ in found:
            try:
                docs.append(read_document(file, doc_id, metadata.document_metadata(doc_id), max_bytes))
            except ScanError as exc:
                skipped.append((printable(file), _reason(file, exc)))
    if not docs:
        where = ", ".join(printable(p) for p in paths)
        raise ScanError(
            f"no readable document in {where}",
            "scan classify reads .md, .markdown, .txt, .text, .pdf, .docx, .html and .htm files",
        )
    return docs, skipped


def _columns(results: Sequence[Classification]) -> list[str]:
    """A column name per document: its title, made unique with the file name where titles repeat."""
    titles = [r.title or Path(r.path).name for r in results]
    return [t if titles.count(t) == 1 else f"{t} ({Path(r.path).name})" for t, r in zip(titles, results)]


def comparison_sheet(results: Sequence[Classification], taxonomy: Taxonomy) -> Sheet:
    """Trends as rows, documents as columns (shares 0–1), then "no trend", the main trend and size."""
    rows: list[list] = [[t.id, t.name, *(r.scores.get(t.id, 0.0) for r in results)] for t in taxonomy.trends]
    rows.append(["", "Ingen trend", *(r.none for r in results)])
    names = {t.id: t.name for t in taxonomy.trends}
    rows.append(["", "Huvudtrend", *(verdict_words(r.label, r.several, names) for r in results)])
    rows.append(["", "Trender över 25 %", *(", ".join(str(t) for t in r.labels) for r in results)])
    rows.append(["", "Textavsnitt", *(r.n_passages for r in results)])
    rows.append(["", "Fil", *(r.path for r in results)])
    n = len(taxonomy.trends) + 1
    shares = set(range(2, 2 + len(results)))
    return Sheet("Jämförelse", ["Trend", "Namn", *_columns(results)], rows, shares, widths={1: 44}, share_rows=n)


def evidence_sheet(results: Sequence[Classification], taxonomy: Taxonomy) -> Sheet:
    names = {t.id: t.name for t in taxonomy.trends}
    rows = [
        [r.title, r.path, t, names[t], e.score, e.page, e.heading, " ".join(e.text.split())]
        for r in results
        for t in r.labels
        for e in r.evidence.get(t, [])
    ]
    return Sheet(
        "Belägg",
        ["Dokument", "Fil", "Trend", "Namn", "Sannolikhet", "Sida", "Avsnitt", "Text"],
        rows,
        shares={4},
        widths={0: 30, 3: 30, 6: 30, 7: 90},
    )


def render_comparison(results: Sequence[Classification], taxonomy: Taxonomy) -> str:
    """The comparison as a text table: a row per trend, a column per document (D1, D2, … named below)."""
    width = 44
    cols = [f"D{i}" for i in range(1, len(results) + 1)]
    lines = [f"{'Trend':{width}s} " + " ".join(f"{c:>5s}" for c in cols)]
    for t in taxonomy.trends:
        name = f"{t.id:2d} {t.name}"
        name = name if len(name) <= width else name[: width - 1] + "…"
        cells = " ".join(f"{round(100 * r.scores.get(t.id, 0.0)):4d}{'*' if t.id == r.label else ' '}" for r in results)
        lines.append(f"{name:{width}s} {cells}")
    lines.append(f"{'   ingen trend':{width}s} " + " ".join(f"{round(100 * r.none):4d} " for r in results))
    lines.append("")
    lines.append("Andel av texten som talar om varje trend, i procent; * = huvudtrend.")
    for col, r, title in zip(cols, results, _columns(results)):
        lines.append(f"{col}: {title} ({r.path}, {r.n_passages} textavsnitt)")
    return "\n".join(lines)


def write_comparison(
    results: Sequence[Classification],
    taxonomy: Taxonomy,
    show: bool,
    csv_file: Path | None = None,
    xlsx_file: Path | None = None,
) -> None:
    """For the CLI: print the comparison (and each document's best evidence) and write the files asked for."""
    import click

    from scan.tables import write_csv, write_xlsx

    if show:
        click.echo(render_comparison(results, taxonomy))
        for i, r in enumerate(results, start=1):
            for t in r.labels:
                for e in r.evidence.get(t, [])[:1]:
                    where = f", s. {e.page}" if e.page else ""
                    text = " ".join(e.text.split())
                    click.echo(
                        click.style(f"D{i} belägg för {t} ({e.score:.2f}{where}): ", dim=True)
                        + (text if len(text) <= 160 else text[:160].rsplit(" ", 1)[0] + " …")
                    )
    sheet = comparison_sheet(results, taxonomy)
    if csv_file:
        write_csv(csv_file, sheet)
        click.echo(f"Wrote {csv_file}", err=True)
    if xlsx_file:
        write_xlsx(xlsx_file, [sheet, evidence_sheet(results, taxonomy)])
        click.echo(f"Wrote {xlsx_file}", err=True)
