"""The `scan` command: thin wrappers that parse options, call one library function, print.

Results go to stdout, progress and messages to stderr. Errors are turned into one clear line
(plus the fix) in one place, `ScanGroup.invoke`; no traceback reaches the user.

This module holds the group, the options the commands share and the printing of a hit; each
command lives in its own module (cli_ingest, cli_search, cli_classify, cli_serve, cli_info,
cli_eval, cli_show, cli_overview), registered with one `main.add_command` line at the end.
"""

from __future__ import annotations

import logging
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


def _open(index_dir: Path, model: str | None):
    from scan.session import open_index

    return open_index(index_dir, model)


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


from scan.cli_classify import classify  # noqa: E402
from scan.cli_eval import evaluate  # noqa: E402
from scan.cli_info import info  # noqa: E402
from scan.cli_ingest import fetch, ingest  # noqa: E402
from scan.cli_overview import overview  # noqa: E402  (registered here: its module imports this one)
from scan.cli_search import quotes, search  # noqa: E402
from scan.cli_serve import serve  # noqa: E402
from scan.cli_show import show  # noqa: E402

main.add_command(ingest)
main.add_command(fetch)
main.add_command(search)
main.add_command(quotes)
main.add_command(classify)
main.add_command(serve)
main.add_command(info)
main.add_command(evaluate)
main.add_command(overview)
main.add_command(show)


if __name__ == "__main__":  # pragma: no cover
    main()
