"""The CLI's side of exports, facets, grouping and the trend filter (`scan search`, `scan quotes`,
`scan classify`): thin glue over scan.exports, scan.facets and scan.passagetrends."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from scan.errors import ScanError

OUTPUT_HELP = "Also write the results to FILE: .csv, .xlsx, .docx, .md or .json (the format from the suffix)."


def check_output(path: Path | None) -> str | None:
    """The export format of `path` (None: no export); a clear error before any slow work."""
    if path is None:
        return None
    from scan.exports import export_format

    fmt = export_format(path)
    if not path.parent.is_dir():
        raise ScanError(f"cannot write {path}: the folder {path.parent} does not exist", "create it or choose another")
    return fmt


def _write(path: Path, report, what: str) -> None:
    from scan.exports import write_export

    write_export(path, report.render(check_output(path)))
    click.echo(f"{what} written to {path}", err=True)


def run_search(index, encoder, query, k, mode, filters, passage_kinds, in_trends, trends_file, with_facets):
    from scan.facets import faceted_search

    taxonomy = None
    if in_trends or with_facets:
        from scan.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(trends_file)
    return faceted_search(index, encoder, query, k, mode, filters, passage_kinds, taxonomy, in_trends, with_facets)


def trend_filters(index, encoder, taxonomy, in_trends, filters):
    """`filters` narrowed to the passages of the trends `in_trends` (scan.passagetrends)."""
    if not in_trends:
        return filters
    from scan.passagetrends import trend_filter

    return replace(filters, passage_ids=trend_filter(index, encoder, taxonomy, in_trends))


def write_hits(path: Path, found, query: str, by_document: bool = False) -> None:
    from scan.exports import hits_report

    report = hits_report(found.hits, found.metadata, query, found.trend_names, by_document)
    _write(path, report, f"{len(found.hits)} hits")


def write_quotes(path: Path, quotes, heading: str) -> None:
    from scan.exports import quotes_report

    _write(path, quotes_report(quotes, heading), f"{len(quotes)} quotes")


def write_classifications(path: Path, results, names) -> None:
    from scan.exports import classification_report

    _write(path, classification_report(results, names), "The classification")


def echo_facets(facets: dict, as_json: bool) -> None:
    """The facet counts: one JSON line {"facets": ...} last, or a short table."""
    if as_json:
        click.echo(json.dumps({"facets": facets}, ensure_ascii=False))
        return
    titles = {"publisher": "Publisher", "year": "Year", "doc": "Document", "language": "Language", "trend": "Trend"}
    click.echo(click.style("Answers among the best matches, by facet:", bold=True))
    for name, values in facets.items():
        shown = ", ".join(f"{v['label']} ({v['count']})" for v in values) or "none"
        click.echo(f"  {titles.get(name, name):9s} {shown}")


def echo_no_answers(query: str, mode: str) -> None:
    """On stderr, for a search whose hits all lie under the relevance floor: that it found no answer and, for a bare
    word or two (relevance.keyword_hint), why and what to ask instead."""
    import shlex

    from scan import relevance

    click.echo(relevance.NO_HITS + ".", err=True)
    hint = relevance.keyword_hint(query) if mode != "keyword" else None
    if hint:
        word = query if query.replace("-", "").isalnum() else shlex.quote(query)
        click.echo(f"{hint}, eller sök bara på orden: scan search {word} --mode keyword", err=True)


def echo_groups(found, answers, near, as_json: bool, echo_hit, width: int, query: str, mode: str) -> None:
    """Hits under their document, the document with the best hit first (near-misses after)."""
    from scan import relevance
    from scan.facets import group_by_document

    if as_json:
        for group in group_by_document(answers, found.metadata):
            click.echo(json.dumps(group.to_json(), ensure_ascii=False))
        if found.hits and not answers:
            echo_no_answers(query, mode)
        return
    if not found.hits:
        click.echo("No hits.", err=True)
    elif not answers:
        echo_no_answers(query, mode)
    for heading, hits in ((None, answers), (relevance.NEAR_MISSES, near)):
        if heading and hits:
            click.echo(click.style(f"{heading}:", bold=True))
            click.echo()
        for group in group_by_document(hits, found.metadata):
            m = group.metadata
            where = ", ".join(str(x) for x in (m.get("publisher"), m.get("year")) if x)
            click.echo(click.style(f"{group.title}" + (f" ({where})" if where else ""), bold=True, underline=True))
            click.echo(click.style(f"  {len(group.hits)} hit(s), best: {group.hits[0].rank}", dim=True))
            for hit in group.hits:
                echo_hit(hit, width)
