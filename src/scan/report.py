"""The classification report: one self-contained HTML page (no scripts, no web fonts, no CDN)."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files

from scan import __version__
from scan.classify import Classification
from scan.numbers import FILTERS as NUMBER_FILTERS
from scan.taxonomy import Taxonomy


def file_link(path: str, page: int | None = None) -> str:
    """A file:// link to a classified file (a PDF at `page`, its page in the file); '' if the path is no file.

    The report is a standalone file: it links to the files it classified where they lie on this
    machine (the links break when the report is sent elsewhere), never to a server."""
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        return ""
    uri = p.resolve().as_uri()
    return f"{uri}#page={page}" if page and p.suffix.lower() == ".pdf" else uri


def render_report(results: list[Classification], taxonomy: Taxonomy) -> str:
    from jinja2 import Environment, FunctionLoader, select_autoescape

    templates = files("scan").joinpath("templates")
    env = Environment(
        loader=FunctionLoader(lambda name: templates.joinpath(name).read_text(encoding="utf-8")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(NUMBER_FILTERS)  # Swedish numbers (scan.numbers)
    env.filters["file_link"] = file_link
    template = env.get_template("report.html")
    return template.render(
        results=results,
        taxonomy=taxonomy,
        names={t.id: t.name for t in taxonomy.trends},
        version=__version__,
        created=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
