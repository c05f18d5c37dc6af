"""The `scan` command: thin wrappers that parse options, call one library function, print.

Results go to stdout, progress and messages to stderr. Errors are turned into one clear line
(plus the fix) in one place, `ScanGroup.invoke`; no traceback reaches the user.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import textwrap
from pathlib import Path

import click

from scan import __version__
from scan.errors import ScanError

INDEX_HELP = "Index folder (default: index/, or $SCAN_INDEX)."
MODEL_HELP = (
    "Encoder: a sentence-transformers name or folder, or 'hash' for tests "
    "(default: the bundled multilingual-e5-small, or $SCAN_MODEL)."
)


class ScanGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScanError as exc:
            from scan.inputs import printable  # a file name may hold a newline or undecodable bytes

            click.secho(f"Error: {printable(exc.message)}", fg="red", err=True)
            if exc.hint:
                click.echo(f"  Fix: {printable(exc.hint)}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("\nInterrupted. The index is as it was before this command.", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # e.g. `scan search ... | head -1`
            sys.stderr.close()
            ctx.exit(0)


def index_option(f):
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path),
        envvar="SCAN_INDEX",
        default="index",
        show_default=True,
        help=INDEX_HELP,
    )(f)


def trends_option(f):
    return click.option(
        "--trends",
        "trends_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Taxonomy file (default: corpus/trends/vff4.toml).",
    )(f)


def max_file_option(f):
    return click.option(
        "--max-file-mb",
        type=float,
        envvar="SCAN_MAX_FILE_MB",
        default=200.0,
        show_default=True,
        help="Largest input file read, in MB (or $SCAN_MAX_FILE_MB); larger files are skipped.",
    )(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="One JSON object per line (schema in the README).")(f)


def filter_options(f):
    f = click.option(
        "--kind",
        default=None,
        help=(
            "Only documents of this kind: a type from sources.toml (e.g. analysis, report)"
            " or a file format (pdf, markdown, docx, html, text)."
        ),
    )(f)
    f = click.option("--year", type=int, multiple=True, help="Only documents from this year (repeatable: any).")(f)
    f = click.option(
        "--publisher", multiple=True, help="Only documents whose publisher contains this, e.g. SKR (repeatable: any)."
    )(f)
    f = click.option("--doc", "docs", multiple=True, help="Only this document id (repeatable; see scan info).")(f)
    return f


def output_options(f):
    from scan.cli_export import OUTPUT_HELP

    return click.option("--output", "-o", "output", type=click.Path(path_type=Path, dir_okay=False), help=OUTPUT_HELP)(
        f
    )


def _filters(docs, publisher, year, kind, languages=()):
    from scan.types import Filters

    publishers = (publisher,) if isinstance(publisher, str) else tuple(publisher or ())
    years = (year,) if isinstance(year, int) else tuple(year or ())
    return Filters(tuple(docs), None, None, kind, publishers, years, tuple(languages))


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:  # pypdf's own complaints ("EOF marker not found"): scan reports a bad PDF in its words
        logging.getLogger("pypdf").setLevel(logging.ERROR)


@click.group(cls=ScanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scan")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "--threads",
    type=int,
    default=None,
    help="CPU threads for encoding batches (default: the machine's CPUs, or $SCAN_THREADS).",
)
def main(verbose: int, threads: int | None) -> None:
    """scan: search, classify and quote the sources of an omvärldsanalys.

    \b
    Start with:
      scan ingest corpus/
      scan search "hur påverkar distansarbete rekryteringen?"
    """
    _configure_logging(verbose)
    from scan.threads import check

    check(threads)


def _share_note(error: float) -> str:
    return f"on other publishers' documents {100 * error:.0f} % of a text lands on the wrong trend on average"


def _open(index_dir: Path, model: str | None):
    from scan.session import open_index

    return open_index(index_dir, model)


# ---- ingest ---------------------------------------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--model", default=None, help=MODEL_HELP)
@click.option("--rebuild", is_flag=True, help="Start the index afresh (needed to change the encoder).")
@click.option("--batch-size", default=32, show_default=True, help="Passages per encoder batch.")
@click.option("--max-chars", default=700, show_default=True, help="Longest passage, in characters.")
@click.option("--max-sentences", default=5, show_default=True, help="Most sentences in a passage.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress with passages/s and time left (default: on; a bar on a terminal, else a line every 5 s).",
)
@max_file_option
def ingest(paths, index_dir, model, rebuild, batch_size, max_chars, max_sentences, progress, max_file_mb):
    """Add files and folders (Markdown, text, PDF, Word, HTML) to the index.

    Re-running embeds only new or changed documents and drops removed ones.
    With no PATHS, ingests corpus/.
    """
    from scan.embed import DEFAULT_MODEL, load_encoder
    from scan.ingest import ingest as run_ingest
    from scan.split import SplitSettings

    paths = list(paths) or [Path("corpus")]
    if max_chars < 100 or max_sentences < 1:
        raise ScanError("--max-chars must be at least 100 and --max-sentences at least 1", "use larger values")
    from scan.generations import refuse_foreign_folder
    from scan.store import Index

    refuse_foreign_folder(index_dir)  # before the encoder loads
    if model is None and not rebuild and Index.live_generation(index_dir) is not None:
        index, encoder = _open(index_dir, None)  # keep the encoder the index was built with
        index.close()
    else:
        encoder = load_encoder(model or os.environ.get("SCAN_MODEL") or DEFAULT_MODEL)
    show = True if progress is None else progress  # plain lines when stderr is not a terminal
    report = run_ingest(
        paths,
        index_dir,
        encoder,
        SplitSettings(max_chars, max_sentences),
        batch_size,
        rebuild=rebuild,
        show_progress=show,
        max_file_mb=max_file_mb,
    )
    for path, reason in report.skipped:
        click.secho(f"Skipped {path}: {reason}", fg="yellow", err=True)
    for warning in report.warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    parts = [
        f"{len(report.added)} added",
        f"{len(report.updated)} updated",
        f"{len(report.unchanged)} unchanged",
        f"{len(report.removed)} removed",
        f"{len(report.skipped)} skipped",
    ]
    if not (report.added or report.updated or report.unchanged or report.removed or report.skipped):
        raise ScanError(
            f"found no files to ingest in {', '.join(str(p) for p in paths)}",
            "give Markdown, text, PDF, Word or HTML files, or folders that hold them",
        )
    click.echo(f"Ingested into {index_dir}: {', '.join(parts)}; {report.passages} passages embedded.", err=True)
    for doc_id, fields in report.metadata_updated:
        click.echo(f"Metadata updated, not embedded again: {doc_id} ({', '.join(fields)})", err=True)


# ---- search ---------------------------------------------------------------------------------
def _wrap(text: str, width: int, limit: int = 600) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return textwrap.fill(text, width=width, initial_indent="   ", subsequent_indent="   ")


def _width() -> int:
    return min(shutil.get_terminal_size((100, 20)).columns, 100)


def _echo_cites(refs) -> None:
    """The sources a passage's footnotes cite, on a line of their own (nothing if none)."""
    if refs:
        click.echo(click.style("   cites: " + "; ".join(r.short() for r in refs), fg="cyan"))


def _citation(title: str, page: int | None, heading: str) -> str:
    parts = [title]
    if page is not None:
        parts.append(f"s. {page}")
    if heading:
        parts.append(heading)
    return " · ".join(parts)


@main.command()
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, help="Number of hits.")
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "dense", "keyword"]),
    default="hybrid",
    show_default=True,
    help="By meaning and keyword (hybrid), by meaning only (dense), or by keyword only.",
)
@filter_options
@click.option(
    "--passage-kind",
    "passage_kinds",
    multiple=True,
    type=click.Choice(["prose", "table", "list", "heading", "boilerplate"]),
    help="Only passages of this kind (repeatable). By meaning, tables and boilerplate are left out unless asked for.",
)
@click.option("--all-kinds", is_flag=True, help="Search passages of every kind, tables and boilerplate too.")
@click.option("--language", "languages", multiple=True, help="Only passages in this language: sv, en (repeatable).")
@click.option(
    "--trend", "--in-trend", "in_trends", type=int, multiple=True, help="Only passages of this trend (repeatable)."
)
@trends_option
@click.option("--facets", "show_facets", is_flag=True, help="Also count answers per publisher, year, document, …")
@click.option("--group-by", type=click.Choice(["document"]), default=None, help="Hits grouped under their document.")
@output_options
@index_option
@click.option("--model", default=None, help="Refuse unless the index was built with this encoder.")
@json_option
def search(
    query, k, mode, docs, publisher, year, kind, passage_kinds, all_kinds, languages, in_trends, trends_file,
    show_facets, group_by, output, index_dir, model, as_json,
):  # fmt: skip
    """Find the passages that best match QUERY, each with its citation.

    Each hit by meaning carries its relevance: the estimated chance, in per cent, that it
    answers the query. Where none reaches the floor, scan says so and lists near-misses.
    """
    from scan import cli_export, kinds, relevance
    from scan.search import check_query

    check_query(query)
    cli_export.check_output(output)
    plain = mode == "keyword" and not in_trends and not show_facets
    index, encoder = _open(index_dir, model) if not plain else (_open_index(index_dir), None)
    chosen = frozenset(kinds.KINDS) if all_kinds else (frozenset(passage_kinds) or None)
    found = cli_export.run_search(
        index, encoder, query, k, mode, _filters(docs, publisher, year, kind, languages), chosen, in_trends,
        trends_file, show_facets,
    )  # fmt: skip
    hits = found.hits
    answers, near = relevance.split_hits(hits)
    if output:
        cli_export.write_hits(output, found, query, by_document=group_by == "document")
    if group_by:
        cli_export.echo_groups(found, answers, near, as_json, _echo_hit, _width())
        if show_facets:
            cli_export.echo_facets(found.facets, as_json)
        return
    if as_json:
        for hit in answers:
            click.echo(json.dumps(hit.to_json(), ensure_ascii=False))
        if hits and not answers:
            click.echo(relevance.NO_HITS + ".", err=True)
        if show_facets:
            cli_export.echo_facets(found.facets, as_json)
        return
    if not hits:
        click.echo("No hits.", err=True)
    elif not answers:
        click.echo(relevance.NO_HITS + ".", err=True)
    width = _width()
    for group, hits_in_group in ((None, answers), (relevance.NEAR_MISSES, near)):
        if group and hits_in_group:
            click.echo(click.style(f"{group} (relevans under {relevance.floor_for(hits):.0f} av 100):", bold=True))
            click.echo()
        for hit in hits_in_group:
            _echo_hit(hit, width)
    if show_facets:
        cli_export.echo_facets(found.facets, as_json)


def _echo_hit(hit, width: int) -> None:
    p = hit.passage
    mark = f"  [{hit.score:.3f}]" if hit.relevance is None else f"  [relevans {hit.relevance:.0f}]"
    kind = f"  ({p.kind})" if p.kind != "prose" else ""
    click.echo(
        click.style(f"{hit.rank}. ", bold=True)
        + _citation(hit.title, p.page, p.heading_path)
        + click.style(mark + kind, dim=True)
    )
    click.echo(_wrap(p.text, width))
    _echo_cites(hit.cites)
    click.echo()


def _open_index(index_dir: Path):
    from scan.store import Index

    return Index.open(index_dir)


# ---- quotes ---------------------------------------------------------------------------------
@main.command()
@click.argument("claim", required=False)
@click.option("--trend", "trend_id", type=int, default=None, help="Quotes for a trend (its id) instead of a claim.")
@trends_option
@click.option("-k", "k", default=5, show_default=True, help="Number of quotes.")
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "csv", "json"]),
    default="text",
    show_default=True,
    help="text for reading, md to paste into a report, csv for a spreadsheet, json (as --json).",
)
@click.option("--language", "languages", multiple=True, help="Only passages in this language: sv, en (repeatable).")
@click.option(
    "--in-trend", "in_trends", type=int, multiple=True, help="Only from passages of this trend (repeatable; as search)."
)
@output_options
@index_option
@json_option
def quotes(
    claim, trend_id, trends_file, k, docs, publisher, year, kind, fmt, languages, in_trends, output, index_dir, as_json
):
    """Verbatim sentences that support CLAIM (or --trend ID), each with an exact citation.

    Every quote is checked against the stored document text before it is shown.
    """
    from scan import cli_export
    from scan.export import SUPPORT_COLOURS, SUPPORT_WORDS, to_csv, to_markdown
    from scan.quotes import NO_QUOTES, check_claim, find_quotes
    from scan.support import summary as support_summary

    if (claim is None) == (trend_id is None):
        raise ScanError(
            "give either a CLAIM or --trend ID", 'e.g. scan quotes "Tilliten minskar" or scan quotes --trend 8'
        )
    if as_json and fmt not in ("text", "json"):
        raise ScanError(
            f"--json and --format {fmt} ask for two different outputs", f"use one: --json or --format {fmt}"
        )
    cli_export.check_output(output)
    title = claim
    from scan.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(trends_file) if trend_id is not None or in_trends else None
    if trend_id is not None:
        trend = taxonomy.get(trend_id)
        claim, title = trend.query, f"Trend {trend.id}: {trend.name}"
    else:
        check_claim(claim)
    index, encoder = _open(index_dir, None)
    filters = cli_export.trend_filters(
        index, encoder, taxonomy, in_trends, _filters(docs, publisher, year, kind, languages)
    )
    found = find_quotes(index, encoder, claim, k=k, filters=filters, check=trend_id is None)
    if not found:
        click.echo(NO_QUOTES + ".", err=True)
    if output:
        cli_export.write_quotes(output, found, title)
    if as_json or fmt == "json":
        for q in found:
            click.echo(json.dumps(q.to_json(), ensure_ascii=False))
    elif fmt == "md":
        click.echo(to_markdown(found, title), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(found), nl=False)
    else:
        width = _width()
        for q in found:
            c = q.citation
            click.echo(
                click.style(f"{q.rank}. ", bold=True)
                + textwrap.fill(f"”{' '.join(q.text.split())}”", width=width - 3, subsequent_indent="   ")
            )
            click.echo(
                click.style("   " + _citation(c.title, c.page, c.heading), dim=True)
                + f"  [{q.score:.3f}]  "
                + click.style(SUPPORT_WORDS.get(q.support, q.support), fg=SUPPORT_COLOURS.get(q.support), bold=True)
            )
            _echo_cites(c.cites)
            for a in q.also:
                click.echo(click.style("   also in: " + _citation(a.title, a.page, a.heading), dim=True))
            click.echo()
    if found and trend_id is None:
        click.echo(support_summary([q.support for q in found]), err=True)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


# ---- classify -------------------------------------------------------------------------------
@main.command()
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


# ---- serve ----------------------------------------------------------------------------------
@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default)."
)
@click.option("--port", default=8000, show_default=True, help="Port.")
@trends_option
@click.option("--max-upload-mb", default=20, show_default=True, help="Largest file a user may upload.")
@click.option("--job-timeout", default=300.0, show_default=True, help="Seconds a classification may take.")
@index_option
def serve(host, port, trends_file, max_upload_mb, job_timeout, index_dir):
    """A local web page for search, classification and quotes, in Swedish."""
    import uvicorn

    from scan.web import create_app
    from scan.webjobs import Jobs

    _check_port(host, port)
    jobs = Jobs(index_dir, trends_file, time_limit=job_timeout)
    app = create_app(index_dir, trends_file, max_upload_mb=max_upload_mb, jobs=jobs)
    click.echo(f"scan is running at http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_port(host: str, port: int) -> None:
    """Refuse a port another program holds before anything starts (uvicorn would say "running", then fail)."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise ScanError(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}",
            f"stop the program that uses port {port}, or choose another: scan serve --port {port + 1}",
        ) from None


# ---- fetch ----------------------------------------------------------------------------------
@main.command()
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("corpus/sources.toml"),
    show_default=True,
    help="The reference list.",
)
@click.option(
    "--dest",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("corpus/sources"),
    show_default=True,
    help="Where the files go (ingest the corpus folder to index them).",
)
@click.option("--only", multiple=True, help="Only this source id (repeatable).")
@click.option("--delay", default=1.0, show_default=True, help="Seconds between requests to the same host.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for a server.")
@click.option("--max-time", default=600.0, show_default=True, help="Longest time one download may take, in seconds.")
@click.option("--max-file-mb", default=200.0, show_default=True, help="Largest file fetched per source, in MB.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
def fetch(sources_file, dest, only, delay, timeout, max_time, max_file_mb, progress):
    """Download the sources listed in corpus/sources.toml (needs a network).

    Resumable: run it again to skip what is already fetched and continue what was cut off.
    """
    from tqdm import tqdm

    from scan.fetch import fetch_sources

    show = sys.stderr.isatty() if progress is None else progress
    bars: dict[str, tqdm] = {}

    def on_progress(source_id, done, total):
        bar = bars.get(source_id)
        if bar is None:
            bar = bars[source_id] = tqdm(
                total=total, desc=source_id[:32], unit="B", unit_scale=True, leave=False, disable=not show
            )
        bar.update(done - bar.n)

    counts: dict[str, int] = {}
    limits = {"max_bytes": int(max_file_mb * 1024 * 1024), "max_seconds": max_time}
    for result in fetch_sources(sources_file, dest, delay, timeout, list(only) or None, on_progress, **limits):
        if result.source_id in bars:
            bars.pop(result.source_id).close()
        counts[result.status] = counts.get(result.status, 0) + 1
        if result.status == "failed":
            click.secho(f"Failed {result.source_id}: {result.message}", fg="yellow", err=True)
        elif result.status == "skipped":
            click.echo(f"Skipped {result.source_id}: {result.message}", err=True)
        elif result.status == "fetched":
            click.echo(f"Fetched {result.source_id}: {result.path} ({result.size:,} bytes)", err=True)
    summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("fetched", "unchanged", "skipped", "failed"))
    click.echo(f"Sources into {dest}: {summary}.", err=True)
    if counts.get("failed"):
        raise ScanError(f"{counts['failed']} source(s) could not be fetched", "see the lines above; run again to retry")


# ---- info -----------------------------------------------------------------------------------
def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@main.command()
@click.option("--doc", "doc_id", default=None, help="Show one document: its metadata and extraction report.")
@click.option("--check", is_flag=True, help="Verify the index fully: checksums, SQLite integrity, vectors = passages.")
@index_option
@json_option
def info(doc_id, check, index_dir, as_json):
    """What the index holds: documents, passages, encoder, size, when built."""
    if check:
        return _check_index(index_dir, as_json)
    from scan.docinfo import document_detail, document_summary

    index = _open_index(index_dir)
    if doc_id:
        data = document_detail(index, doc_id)
        report = data["extraction"]
        doc = next(d for d in index.documents() if d.doc_id == doc_id)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False))
            return
        from scan.ingest import extraction_problems

        click.echo(f"{doc.title}  ({doc.doc_id}, {doc.kind}, {doc.passages} passages)")
        for key, value in {"title": doc.title, **doc.metadata}.items():
            click.echo(f"  {key}: {value}  (from {data['origins'].get(key, 'sources.toml')})")
        if not report:
            click.echo("  extraction: nothing to report for this kind of file")
            return
        click.echo(f"  extraction: {extraction_problems(report) or 'no problems found'}")
        for key, value in report.items():
            if value not in ([], 0, None) and key not in ("no_text", "little_text", "broken", "unreadable"):
                click.echo(f"    {key.replace('_', ' ')}: {value}")
        return
    m = index.manifest
    docs = index.documents()
    data = {
        "index": str(index_dir),
        "format": m["format"],
        "created": m["created"],
        "updated": m["updated"],
        "encoder": m["encoder"],
        "settings": m["settings"],
        "versions": m["versions"],
        "vector_index": m.get("vector_index"),
        "documents": [document_summary(index, d) for d in docs],
        "passages": len(index),
        "size_bytes": index.size_on_disk(),
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"Index:     {index_dir} (format {m['format']})")
    click.echo(f"Built:     {m['created']}, updated {m['updated']}")
    click.echo(f"Encoder:   {m['encoder']['name']} ({m['encoder']['dimension']} dimensions)")
    click.echo(f"Contents:  {len(docs)} documents, {len(index)} passages, {_size(data['size_bytes'])} on disk")
    if vi := m.get("vector_index"):
        how = f"approximate ({vi['type']}, nlist {vi['nlist']}, nprobe {vi['nprobe']})" if "nlist" in vi else "exact"
        click.echo(f"Vectors:   {how} search; approximate from {vi['approximate_from']:,} passages on")
    for d in docs:
        click.echo(f"  {d.doc_id}  {d.title}  [{d.kind}, {d.passages} passages]")


def _check_index(index_dir: Path, as_json: bool) -> None:
    from scan.generations import damaged
    from scan.integrity import full_check
    from scan.store import FORMAT

    generation, checks = full_check(index_dir, FORMAT)
    ok = all(c.ok for c in checks)
    if as_json:
        listed = [{"check": c.name, "ok": c.ok, "detail": c.detail} for c in checks]
        click.echo(
            json.dumps(
                {"index": str(index_dir), "generation": generation, "ok": ok, "checks": listed}, ensure_ascii=False
            )
        )
    else:
        click.echo(f"Checked {index_dir}" + (f" ({generation})" if generation else "") + ":")
        for c in checks:
            click.echo(f"  {'ok' if c.ok else 'FAILED':6} {c.name:8} {c.detail}")
    if not ok:
        failed = next(c for c in checks if not c.ok)
        raise damaged(index_dir, f"{failed.name}: {failed.detail}")


# ---- eval -----------------------------------------------------------------------------------
@main.command("eval")
@click.argument("task", type=click.Choice(["search", "quotes", "support", "classify", "mixed"]), default="search")
@click.option(
    "--queries",
    "data_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Labelled set (default: eval/search.toml; eval/quotes.toml, eval/quote_support.toml for quotes, support).",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(["hybrid", "dense", "keyword"]),
    help="Search modes to evaluate (default: all three).",
)
@click.option("--model", default=None, help="mixed: encoder for a new library index (default: the bundled e5).")
@click.option(
    "--library",
    "libraries",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="mixed: the library's folders (default: corpus/, eval/library/ and ../shared/pdfs when present).",
)
@click.option("--pdfs", type=click.Path(path_type=Path), default=None, help="mixed: the shared PDFs folder.")
@index_option
@json_option
def evaluate(task, data_file, modes, model, libraries, pdfs, index_dir, as_json):
    """Measure quality on a labelled set shipped with scan.

    \b
    search: recall@1, recall@5 and MRR per search mode (eval/search.toml)
    quotes: precision@3 and recall@10 of supporting quotes (eval/quotes.toml)
    support: precision and recall of the quotes' support marks (eval/quote_support.toml)
    classify: accuracy, macro-F1, F1 of "no trend" and calibration error (eval/classify.toml)
    mixed: Swedish and English queries in a mixed library (eval/mixed.toml); --index: where the
           library index is kept (default: a folder in scan's cache)
    """
    from scan import evaluate as ev

    if task == "mixed":
        _eval_mixed(data_file, model, libraries, pdfs, index_dir, as_json)
        return

    index, encoder = _open(index_dir, None)
    if task == "classify":
        from scan.classify_eval import run_cli
        from scan.taxonomy import load_taxonomy

        run_cli(index, encoder, load_taxonomy(), data_file, as_json)
        return
    if task == "support":
        from scan.support_eval import default_pairs_file, evaluate_support, load_pairs

        support = evaluate_support(index, encoder, load_pairs(data_file or default_pairs_file()))
        if as_json:
            click.echo(json.dumps(support.to_json(), ensure_ascii=False))
            return
        for split, m in support.by_split.items():
            marks = "  ".join(
                f"{label}: P {_fmt(m[label]['precision'])} R {_fmt(m[label]['recall'])} (n={m[label]['n']})"
                for label in ("supports", "mentions", "counters")
            )
            click.echo(
                f"support  {split:4s} n={m['n']:3d}  accuracy={m['accuracy']:.3f}  {marks}  "
                f"countering marked supports: {m['counters_marked_supports']}"
            )
        t = support.top3
        click.echo(
            f"top 3 supporting quotes, test claims: {t['supporting_quotes']} quotes for {t['claims']} claims; "
            f"{t['countering']} labelled counters, {t['mentions']} labelled mentions, {t['not_judged']} not judged"
        )
        return
    if task == "quotes":
        result = ev.evaluate_quotes(index, encoder, ev.load_claims(data_file or ev.default_claims_file()))
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            click.echo(
                f"quotes   n={result.n:3d}  precision@3={result.precision_at_3:.3f}  "
                f"recall@10={result.recall_at_10:.3f}   "
                + "  ".join(
                    f"{name}: P@3 {m['precision@3']:.3f} R@10 {m['recall@10']:.3f}"
                    for name, m in result.by_split.items()
                )
            )
        return
    items = ev.load_queries(data_file or ev.default_query_file())
    for mode in modes or ("dense", "keyword", "hybrid"):
        result = ev.evaluate_search(index, encoder, items, mode)
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            click.echo(
                f"{mode:8s} n={result.n:3d}  recall@1={result.recall_at_1:.3f}  "
                f"recall@5={result.recall_at_5:.3f}  MRR={result.mrr:.3f}   "
                + "  ".join(
                    f"{name}: R@1 {m['recall@1']:.3f} MRR {m['mrr']:.3f}" for name, m in result.by_split.items()
                )
            )
            for miss in result.misses:
                click.echo(f"    miss: {miss}", err=True)


def _eval_mixed(data_file, model, libraries, pdfs, index_dir, as_json) -> None:
    from scan import evalmixed
    from scan.embed import DEFAULT_MODEL, default_cache_dir, load_encoder

    source = click.get_current_context().get_parameter_source("index_dir")
    if source in (click.core.ParameterSource.DEFAULT, None):
        tag = "".join(c if c.isalnum() else "-" for c in (model or os.environ.get("SCAN_MODEL") or "default"))
        index_dir = default_cache_dir() / f"eval-mixed-{tag}"
    rebuild = False
    try:
        index, encoder = _open(index_dir, model)  # the library index is kept between runs
        index.close()
    except ScanError:  # none yet, an older format, or another encoder: build it afresh
        encoder = load_encoder(model or os.environ.get("SCAN_MODEL") or DEFAULT_MODEL)
        rebuild = True
    click.echo(f"Library index: {index_dir} (built once, updated when the library changes)", err=True)
    result = evalmixed.run_mixed_eval(
        index_dir,
        encoder,
        data_file or evalmixed.default_mixed_file(),
        list(libraries) or None,
        pdfs,
        show_progress=sys.stderr.isatty(),
        rebuild=rebuild,
    )
    if as_json:
        click.echo(json.dumps({k: v for k, v in result.items() if k != "misses"}, ensure_ascii=False))
        return
    where = "present" if result["shared_pdfs"] else "absent (only corpus/ and eval/library/)"
    click.echo(f"Library: {', '.join(result['library'])}; the shared PDFs were {where}.")
    for line in evalmixed.format_mixed(result):
        click.echo(line)
    for miss in result["misses"]:
        click.echo(f"    no right chapter in the top 5: {miss}", err=True)


from scan.cli_overview import overview  # noqa: E402  (registered here: its module imports this one)
from scan.cli_show import show  # noqa: E402

main.add_command(overview)
main.add_command(show)


if __name__ == "__main__":  # pragma: no cover
    main()
