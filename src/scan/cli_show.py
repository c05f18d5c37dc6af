"""`scan show ID`: a passage with its neighbours, or a document's outline or text; `--similar`
lists the passages most like a passage (scan.context)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scan.cli import _echo_hit, _filters, _open_index, _width, _wrap, filter_options, index_option, json_option


@click.command()
@click.argument("ident", metavar="ID")
@click.option(
    "--context",
    "n",
    default=1,
    show_default=True,
    help="Passages to show before and after the passage (0: the passage alone).",
)
@click.option("--full", is_flag=True, help="For a document: its whole text, with headings and [s. N] page markers.")
@click.option("--similar", is_flag=True, help="For a passage: the passages most like it, from the whole library.")
@click.option("-k", "k", default=10, show_default=True, help="With --similar: number of passages.")
@click.option(
    "--neighbours",
    default=1,
    show_default=True,
    help="With --similar: passages on each side of ID in its own document left out (they continue its text).",
)
@filter_options
@index_option
@json_option
def show(ident, n, full, similar, k, neighbours, docs, publisher, year, kind, index_dir: Path, as_json):
    """Show ID in context: a passage id (doc_id#n, as in --json output) with its neighbours, or a
    document id with its metadata and sections.

    \b
      scan show analys.md#3              the passage, one passage before and after
      scan show analys.md#3 --context 0  the passage alone
      scan show analys.md                the document's metadata and sections (--full: its text)
      scan show analys.md#3 --similar    passages elsewhere that say something similar
    """
    from scan import context

    index = _open_index(index_dir)
    target = context.resolve(index, ident)
    if similar:
        hits = context.similar(index, target, k=k, neighbours=neighbours, filters=_filters(docs, publisher, year, kind))
        if as_json:
            for hit in hits:
                click.echo(json.dumps(hit.to_json() | {"similar_to": target.passage_id}, ensure_ascii=False))
            return
        if not hits:
            click.echo("No similar passages.", err=True)
        width = _width()
        for hit in hits:
            _echo_hit(hit, width)
        return
    if target.seq is None:
        _show_document(index, target, full, as_json)
    else:
        _show_passage(index, target, n, as_json)


def _show_passage(index, target, n: int, as_json: bool) -> None:
    from scan import context

    around = context.passage_context(index, target, n)
    here = next(p for p in around if p.seq == target.seq)
    cite = context.citation(target.doc, here)
    if as_json:
        out = {
            "type": "passage",
            "passage_id": target.passage_id,
            **cite,
            "path": target.doc.path,
            "text": here.text,
            "start": here.start,
            "end": here.end,
            "passage_kind": here.kind,
            "language": here.language,
            "context": [
                {
                    "passage_id": context.passage_id(p.doc_id, p.seq),
                    "page": p.page,
                    "heading": p.heading_path,
                    "text": p.text,
                    "target": p.seq == target.seq,
                }
                for p in around
            ],
        }
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    width = _width()
    click.echo(click.style(context.cite_line(cite), bold=True))
    where = f"{target.doc.path}" + (
        f", page {page} in the file" if (page := context.file_url_page(target.doc, here)) else ""
    )
    click.echo(click.style(f"passage {target.passage_id} of {target.doc.passages} · {where}", dim=True))
    click.echo()
    for p in around:
        where = " · ".join(x for x in (f"s. {p.page}" if p.page is not None else "", p.heading_path) if x)
        label = f"#{p.seq}" + (f"  {where}" if where else "")
        if p.seq == target.seq:
            click.echo(click.style(f">> {label}", bold=True, fg="green"))
        else:
            click.echo(click.style(f"   {label}", dim=True))
        click.echo(_wrap(p.text, width, limit=100_000))
        click.echo()


def _show_document(index, target, full: bool, as_json: bool) -> None:
    from scan import context, docview

    doc = target.doc
    sections = context.outline(index, doc.doc_id)
    if as_json:
        out = {
            "type": "document",
            **context.citation(doc),
            "kind": doc.metadata.get("kind") or doc.kind,
            "path": doc.path,
            "sha256": doc.sha256,
            "metadata": doc.metadata,
            "passages": doc.passages,
            "sections": [
                {
                    "heading": " > ".join(s["heading"]),
                    "page": s["page"],
                    "passage_id": None if s["passage"] is None else context.passage_id(doc.doc_id, s["passage"]),
                }
                for s in sections
            ],
        }
        if full:
            out["text"] = index.document_text(doc.doc_id)
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    if full:
        click.echo(docview.as_text(docview.layout(index, doc.doc_id)), nl=False)
        return
    click.echo(click.style(doc.title, bold=True))
    for name, value in (
        ("doc_id", doc.doc_id),
        ("publisher", doc.metadata.get("publisher")),
        ("year", doc.metadata.get("year")),
        ("kind", doc.metadata.get("kind") or doc.kind),
        ("file", doc.path),
        ("passages", doc.passages),
    ):
        if value not in (None, ""):
            click.echo(f"  {name}: {value}")
    click.echo()
    click.echo(click.style("Sections", bold=True) + click.style("  (scan show PASSAGE_ID for one of them)", dim=True))
    for s in sections:
        page = f"s. {s['page']}" if s["page"] is not None else ""
        pid = "" if s["passage"] is None else context.passage_id(doc.doc_id, s["passage"])
        click.echo(f"  {page:8s} {' > '.join(s['heading']) or '(no heading)'}" + click.style(f"  {pid}", dim=True))
