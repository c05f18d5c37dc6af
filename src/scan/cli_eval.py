"""`scan eval`: quality measured on the labelled sets shipped with scan."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from scan.cli import _open, index_option, json_option
from scan.errors import ScanError


# ---- eval -----------------------------------------------------------------------------------
@click.command("eval")
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
@click.option(
    "--seeds",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="classify: fold seeds of the held-out Alingsås passages (mean ± spread; 1 = seed 1 only).",
)
@index_option
@json_option
def evaluate(task, data_file, modes, model, libraries, pdfs, seeds, index_dir, as_json):
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

        run_cli(index, encoder, load_taxonomy(), data_file, as_json, seeds)
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
                f"support  {split:12s} n={m['n']:3d}  accuracy={m['accuracy']:.3f}  {marks}  "
                f"countering marked supports: {m['counters_marked_supports']}"
            )
        t = support.top3
        click.echo(
            f"top 3 supporting quotes, test claims: {t['supporting_quotes']} quotes for {t['claims']} claims "
            f"({t['with_supporting']} with one among their first five); "
            f"{t['countering']} labelled counters, {t['mentions']} labelled mentions, {t['not_judged']} not judged"
            + (
                f" ({t['claims_skipped']} claims skipped: their sentences are not in this index)"
                if t["claims_skipped"]
                else ""
            )
        )
        for r, tr in t["by_round"].items():
            click.echo(
                f"  round {r}: {tr['supporting_quotes']} quotes for {tr['claims']} claims; "
                f"{tr['countering']} labelled counters, {tr['mentions']} labelled mentions, {tr['not_judged']} not judged"
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
    if libraries:  # the folders given: whether ../shared/pdfs exists says nothing about them
        click.echo(f"Library: {', '.join(result['library'])}.")
    else:
        where = "present" if result["shared_pdfs"] else "absent (only corpus/ and eval/library/)"
        click.echo(f"Library: {', '.join(result['library'])}; the shared PDFs were {where}.")
    for line in evalmixed.format_mixed(result):
        click.echo(line)
    for miss in result["misses"]:
        click.echo(f"    no right chapter in the top 5: {miss}", err=True)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
