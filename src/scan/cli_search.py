"""`scan search QUERY` (passages with their citations) and `scan quotes CLAIM` (verbatim
sentences that support a claim or a trend)."""

from __future__ import annotations

import json
import textwrap

import click

from scan.cli import (
    _citation,
    _echo_cites,
    _echo_hit,
    _filters,
    _open,
    _open_index,
    _width,
    filter_options,
    index_option,
    json_option,
    output_options,
    trends_option,
)
from scan.errors import ScanError


@click.command()
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
        cli_export.echo_groups(found, answers, near, as_json, _echo_hit, _width(), query, mode)
        if show_facets:
            cli_export.echo_facets(found.facets, as_json)
        return
    if as_json:
        for hit in answers:
            click.echo(json.dumps(hit.to_json(), ensure_ascii=False))
        if hits and not answers:
            cli_export.echo_no_answers(query, mode)
        if show_facets:
            cli_export.echo_facets(found.facets, as_json)
        return
    if not hits:
        click.echo("No hits.", err=True)
    elif not answers:
        cli_export.echo_no_answers(query, mode)
    width = _width()
    for group, hits_in_group in ((None, answers), (relevance.NEAR_MISSES, near)):
        if group and hits_in_group:
            click.echo(click.style(f"{group} (relevans under {relevance.floor_for(hits):.0f} av 100):", bold=True))
            click.echo()
        for hit in hits_in_group:
            _echo_hit(hit, width)
    if show_facets:
        cli_export.echo_facets(found.facets, as_json)


# ---- quotes ---------------------------------------------------------------------------------
@click.command()
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
                + "  "
                + click.style(SUPPORT_WORDS.get(q.support, q.support), fg=SUPPORT_COLOURS.get(q.support), bold=True)
            )
            _echo_cites(c.cites)
            for a in q.also:
                click.echo(click.style("   also in: " + _citation(a.title, a.page, a.heading), dim=True))
            click.echo()
    if found and trend_id is None:
        click.echo(support_summary([q.support for q in found]), err=True)
