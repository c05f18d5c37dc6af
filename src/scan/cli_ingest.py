"""`scan ingest` (files and folders into the index) and `scan fetch` (download the sources
listed in corpus/sources.toml)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from scan.cli import MODEL_HELP, _open, index_option, max_file_option
from scan.errors import ScanError


# ---- ingest ---------------------------------------------------------------------------------
@click.command()
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

    if not paths and not Path("corpus").is_dir():  # the default is the shipped corpus, in scan's own folder
        raise ScanError(
            "no files or folders to ingest given, and no corpus/ folder here (the default)",
            "name what to ingest, e.g. scan ingest bibliotek/ --index bibliotek-index",
        )
    paths = list(paths) or [Path("corpus")]
    if max_chars < 100 or max_sentences < 1:
        raise ScanError("--max-chars must be at least 100 and --max-sentences at least 1", "use larger values")
    if batch_size < 1:
        raise ScanError(f"--batch-size {batch_size}: an encoder batch holds at least one passage", "leave it out (32)")
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


# ---- fetch ----------------------------------------------------------------------------------
@click.command()
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
