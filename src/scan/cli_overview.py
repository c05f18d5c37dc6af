"""`scan overview`: the library overview (scan.overview) as a table, JSON, CSV or XLSX."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scan.cli import _open, index_option, json_option, trends_option
from scan.tables import Sheet, write_csv, write_xlsx

if TYPE_CHECKING:  # scan.overview imports the classifier: only when the command runs, not at `scan search`
    from scan.overview import Overview

VIEWS = ("document", "year", "publisher")


def sheets(overview: Overview) -> dict[str, Sheet]:
    """The three views as tables: documents × trends, years × trends, publishers × trends."""
    from scan.overview import UNKNOWN_PUBLISHER, UNKNOWN_YEAR

    trends = overview.taxonomy.trends
    names = {t.id: t.name for t in trends}
    ids = [t.id for t in trends]
    trend_cols = [f"{t.id}. {t.name}" for t in trends]
    first = 5
    doc_rows = [
        [d.doc_id, d.title, d.publisher, d.year, d.passages]
        + [d.scores.get(t, 0.0) for t in ids]
        + [d.none, d.main_trend(names)]
        for d in overview.documents
    ]
    out = {
        "document": Sheet(
            "Dokument",
            ["doc_id", "Titel", "Utgivare", "År", "Textavsnitt", *trend_cols, "Ingen trend", "Huvudtrend"],
            doc_rows,
            shares=set(range(first, first + len(ids) + 1)),
            widths={0: 24, 1: 40, 2: 24},
        )
    }
    for view, title, unknown in (("year", "År", UNKNOWN_YEAR), ("publisher", "Utgivare", UNKNOWN_PUBLISHER)):
        rows = [
            [g.key if g.key is not None else unknown, g.documents, g.passages]
            + [g.scores[t] for t in ids]
            + [g.none, f"{g.label}. {names[g.label]}" if g.label else "ingen trend"]
            for g in overview.by(view)
        ]
        out[view] = Sheet(
            title,
            [title, "Dokument", "Textavsnitt", *trend_cols, "Ingen trend", "Störst andel"],
            rows,
            shares=set(range(3, 3 + len(ids) + 1)),
            widths={0: 28},
        )
    return out


def _short_verdict(verdict: str) -> str:
    """The verdict column of the text table: the trend's number, "–" for none, "flera (störst N)" for several."""
    if verdict == "ingen trend":
        return "–"
    if verdict.startswith("ingen enskild"):
        return f"flera (störst {verdict.split(': ', 1)[1].split('.')[0]})" if ": " in verdict else "flera"
    return verdict.split(".")[0]


def _labels(names: list[str], width: int) -> list[str]:
    """Each name in `width` characters, cut at the end; names that would then read the same (publishers
    that differ only after their first `width` characters) keep their start and show where they differ:
    "scan (…a national audit office)" and "scan (…a Swedish civil contingencies…"."""
    import os

    cut = [name if len(name) <= width else name[: width - 1] + "…" for name in names]
    out = []
    for name, short in zip(names, cut):
        if cut.count(short) > 1 and len(name) > width:
            alike = [n for n, c in zip(names, cut) if c == short]
            label = name[:6] + "…" + name[len(os.path.commonprefix(alike)) :]
            short = label if len(label) <= width else label[: width - 1] + "…"
        out.append(short)
    return out


def render_table(overview: Overview, view: str) -> str:
    """A readable text table: one row per document, year or publisher; shares in whole per cent."""
    sheet = sheets(overview)[view]
    ids = [t.id for t in overview.taxonomy.trends]
    lead = {"document": 1, "year": 0, "publisher": 0}[view]  # the column that names the row
    first = {"document": 5, "year": 3, "publisher": 3}[view]
    label = {"document": "Dokument", "year": "År", "publisher": "Utgivare"}[view]
    width = 34
    head = f"{label:{width}s} {'År' if view == 'document' else 'Dok':>4s} " + " ".join(f"{t:>3d}" for t in ids)
    lines = [head + "  ingen  huvudtrend"]
    for row, name in zip(sheet.rows, _labels([str(row[lead]) for row in sheet.rows], width)):
        second = row[3] if view == "document" else row[1]
        shares = " ".join(f"{round(100 * v):3d}" for v in row[first : first + len(ids)])
        main = _short_verdict(str(row[-1]))
        lines.append(
            f"{name:{width}s} {'' if second is None else second!s:>4s} {shares}  {round(100 * row[-2]):5d}  {main}"
        )
    lines.append("")
    lines.append("Andel av texten (textavsnitten) som talar om varje trend, i procent.")
    if view != "document":
        lines.append("Grupperna vägs efter antal textavsnitt: ett långt dokument väger mer än ett kort.")
    lines.append("Trender: " + "; ".join(f"{t.id} = {t.name}" for t in overview.taxonomy.trends))
    return "\n".join(lines)


def compute(index_dir: Path, trends_file: Path | None, progress: bool | None) -> Overview:
    from tqdm import tqdm

    from scan.overview import library_overview
    from scan.taxonomy import load_taxonomy
    from scan.trends import load_or_train

    taxonomy = load_taxonomy(trends_file)
    index, encoder = _open(index_dir, None)
    try:
        model = load_or_train(index, encoder, taxonomy)
        show = sys.stderr.isatty() if progress is None else progress
        with tqdm(total=len(index.documents()), desc="Klassificerar", unit="dok", disable=not show, leave=False) as bar:
            return library_overview(index, model, taxonomy, progress=bar.update)
    finally:
        index.close()


@click.command()
@click.option(
    "--by", "view", type=click.Choice(VIEWS), default="document", show_default=True, help="Rows of the table (and CSV)."
)
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False), help="Write the table as CSV.")
@click.option(
    "--xlsx",
    "xlsx_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write all three views as an Excel file.",
)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@trends_option
@index_option
@json_option
def overview(view, csv_file, xlsx_file, progress, trends_file, index_dir, as_json):
    """The library overview: every document's trend shares, and shares by year and by publisher.

    Each document is classified once, from the vectors the index holds, and cached by its content hash
    beside the index; later runs classify only new or changed documents.
    """
    result = compute(index_dir, trends_file, progress)
    if result.classified:
        click.echo(f"Classified {result.classified} documents ({result.cached} from the cache).", err=True)
    for doc_id, reason in result.failed:
        click.secho(f"Skipped {doc_id}: {reason}", fg="yellow", err=True)
    tables = sheets(result)
    if csv_file:
        write_csv(csv_file, tables[view])
        click.echo(f"Wrote {csv_file}", err=True)
    if xlsx_file:
        write_xlsx(xlsx_file, [tables[v] for v in VIEWS])
        click.echo(f"Wrote {xlsx_file}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    elif not (csv_file or xlsx_file):
        click.echo(render_table(result, view))
