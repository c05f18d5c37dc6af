"""`scan classify FILE...`: which trends files speak to, with evidence; a comparison of several."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from scan.cli import _open, _wrap, index_option, json_option, max_file_option, output_options, trends_option
from scan.errors import ScanError


def _share_note(error: float) -> str:
    return f"on other publishers' documents {100 * error:.0f} % of a text lands on the wrong trend on average"


# ---- classify -------------------------------------------------------------------------------
@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--passages", "per_passage", is_flag=True, help="Also score every passage.")
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write an HTML report (trend profile chart, evidence with citations) to this file.",
)
@trends_option
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False), help="Write the comparison as CSV.")
@click.option(
    "--xlsx",
    "xlsx_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write comparison and evidence as XLSX.",
)
@max_file_option
@output_options
@index_option
@json_option
def classify(
    files, per_passage, report, trends_file, progress, csv_file, xlsx_file, max_file_mb, output, index_dir, as_json
):
    """Which trends FILES speak to: a score per trend, the label (or none), and the evidence.

    FILES are files or folders (read recursively, as ingest does); several documents are compared side by
    side. Reads .md, .txt, .pdf, .docx and .html. The trend model is learned from the index's analysis and
    the taxonomy, and trained again when either changes.
    """
    from tqdm import tqdm

    from scan.classify import classify_document
    from scan.classify_batch import read_inputs
    from scan.context import link_evidence
    from scan.taxonomy import load_taxonomy
    from scan.trends import load_or_train

    taxonomy = load_taxonomy(trends_file)
    from scan.cli_export import check_output
    from scan.inputs import max_file_bytes, printable

    check_output(output)

    max_bytes = max_file_bytes(max_file_mb)
    docs, skipped = read_inputs([Path(f) for f in files], max_bytes)  # every file read before the slow part
    for name, reason in skipped:
        click.secho(f"Skipped {name}: {reason}", fg="yellow", err=True)
    side_by_side = len(docs) > 1 and not as_json
    index, encoder = _open(index_dir, None)
    model = load_or_train(index, encoder, taxonomy)
    show = sys.stderr.isatty() if progress is None else progress
    results = []
    names = {t.id: t.name for t in taxonomy.trends}
    for doc in docs:
        with tqdm(desc=printable(Path(doc.path).name)[:30], unit="passage", disable=not show, leave=False) as bar:
            result = classify_document(doc, model, encoder, taxonomy, keep_passages=per_passage, progress=bar.update)
        link_evidence(index, result, doc.sha256)  # a file that is in the index: its evidence gets passage ids
        results.append(result)
        for warning in result.warnings:
            click.secho(f"Warning: {warning}", fg="yellow", err=True)
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
            continue
        if side_by_side:  # printed together after the loop
            continue
        verdict = f"{result.label}. {names[result.label]}" if result.label else "no trend"
        verdict = f"no single main trend (largest: {verdict})" if result.several else verdict
        click.echo(click.style(f"{result.title}", bold=True) + f"  ({result.path}, {result.n_passages} passages)")
        click.echo(f"  label: {verdict} (confidence {result.confidence:.2f})")
        for t in sorted(result.scores, key=lambda t: -result.scores[t]):
            mark = "*" if t in result.labels else " "
            click.echo(
                f"  {mark} {t:2d} {names[t][:52]:52s} {result.scores[t]:5.2f} {'█' * round(20 * result.scores[t])}"
            )
        click.echo(f"    {'no trend':55s} {result.none:5.2f}")
        if result.share_error and result.n_passages > 1:
            click.echo(click.style(f"  shares are estimates: {_share_note(result.share_error)}", dim=True))
        for t in result.labels:
            if not result.evidence[t]:
                click.echo(click.style(f"  evidence for {t}: no single passage shows it clearly", dim=True))
            for e in result.evidence[t][:2]:
                where = f"s. {e.page}" if e.page else ""
                click.echo(
                    click.style(f"  evidence for {t} ({e.score:.2f}{', ' + where if where else ''}): ", dim=True)
                    + _wrap(e.text, 96, 200).strip()
                )
                if e.keywords:
                    click.echo(click.style(f"    words that point to {t}: {', '.join(e.keywords)}", dim=True))
        if per_passage:
            for p in result.passages:
                label = p.label if p.label else "-"
                click.echo(
                    f"    passage {p.passage.seq:3d} s. {p.passage.page or '?'}: {label}  "
                    + " ".join(p.passage.text.split())[:80]
                )
        click.echo()
    if side_by_side or csv_file or xlsx_file:
        from scan.classify_batch import write_comparison

        write_comparison(results, taxonomy, side_by_side, csv_file, xlsx_file)
    if output:
        from scan.cli_export import write_classifications

        write_classifications(output, results, names)
    if report:
        from scan.report import render_report

        try:
            report.write_text(render_report(results, taxonomy), encoding="utf-8")
        except OSError as exc:
            raise ScanError(f"cannot write the report to {report}: {exc.strerror}", "choose a writable path") from None
        click.echo(f"Report written to {report}", err=True)
