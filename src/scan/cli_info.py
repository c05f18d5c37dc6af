"""`scan info`: what the index holds, one document's report (--doc), or a full check (--check)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scan.cli import _open_index, index_option, json_option


@click.command()
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


# ---- info -----------------------------------------------------------------------------------
def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)
