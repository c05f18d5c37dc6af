"""The web's context pages: a document to read (`/dokument/<doc_id>`), its original file
(`/dokument/<doc_id>/fil`) and passages like a passage (`/liknande?doc=<doc_id>&passage=<n>`).

Links into a document: `/dokument/<doc_id>?passage=<n>#p-<n>` marks passage n and scrolls to it;
`?start=<a>&end=<b>` marks the exact stretch text[a:b] (a quote). A PDF link opens at the cited
page: `/dokument/<doc_id>/fil#page=<page in the file>`.

Safety: only the file the index stored for a document is ever served; the address names a
document id, which is looked up in the index, never a path. The file is served only while it
holds exactly the bytes that were read in (checked by its SHA-256), so a file replaced since
(or a link put in its place) is refused with a Swedish message, as is a missing one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from scan import context, docview
from scan.errors import ScanError
from scan.metadata import kind_sv

SIMILAR_K = 10


def doc_href(doc_id: str, seq: int | None = None, start: int | None = None, end: int | None = None) -> str:
    """The document page's address, marking passage `seq` (and the stretch start:end) and scrolling to it."""
    params: dict[str, Any] = {}
    if seq is not None:
        params["passage"] = seq
    if start is not None and end is not None:
        params |= {"start": start, "end": end}
    query = f"?{urlencode(params)}" if params else ""
    return f"/dokument/{quote(doc_id, safe='/')}{query}" + (f"#p-{seq}" if seq is not None else "")


def file_href(doc_id: str, page: int | None = None) -> str:
    """The original file's address; a PDF opens at `page` (its page in the file)."""
    return f"/dokument/{quote(doc_id, safe='/')}/fil" + (f"#page={page}" if page else "")


def similar_href(doc_id: str, seq: int) -> str:
    return "/liknande?" + urlencode({"doc": doc_id, "passage": seq})


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


def install(app: FastAPI, scan, page, env, error_page, base: Path | None = None) -> None:
    """Add the routes to `app`. `scan` is web.Scanner, `page(template, status, **context)` renders
    a page, `error_page(status, heading, message, hint)` an error page; `env` gets the link helpers.
    `base`: the folder relative stored file paths are taken from (default: the working folder)."""
    env.globals |= {"doc_href": doc_href, "file_href": file_href, "similar_href": similar_href}

    def not_found(doc_id: str) -> HTMLResponse:
        return error_page(
            404,
            "Dokumentet finns inte",
            f"det finns inget dokument ”{doc_id}” i indexet",
            "se listan över dokumenten under Källor",
        )

    @app.get("/dokument", response_class=HTMLResponse)
    def dokument_list():
        return RedirectResponse("/kallor", status_code=307)  # the list of documents

    @app.get("/dokument/{rest:path}", response_class=HTMLResponse)
    def dokument(rest: str, passage: str = "", start: str = "", end: str = ""):
        if not rest:
            return RedirectResponse("/kallor", status_code=307)
        index = scan.index  # one generation for the whole request
        doc = index.document(rest)
        if doc is None:
            if rest.endswith("/fil") and (owner := index.document(rest[: -len("/fil")])) is not None:
                return original(index, owner)
            if rest.endswith("/") and index.document(rest.rstrip("/")) is not None:
                return RedirectResponse(doc_href(rest.rstrip("/")), status_code=308)
            return not_found(rest)
        seq = _int(passage)
        current = None
        if seq is not None and seq < doc.passages:
            current = index.passages_of(doc.doc_id, seq, seq)[0][1]
        mark = None
        a, b = _int(start), _int(end)
        quoted = a is not None and b is not None and a < b
        if quoted:
            mark = (a, b)
        elif current is not None:
            mark = (current.start, current.end)
        physical = context.physical_pages(index, doc.doc_id)
        file_page = context.file_url_page(doc, current)
        if quoted and file_page is not None:  # a quote: the page it is on, which may follow its passage's first
            file_page = physical.get(index.page_at(doc.doc_id, a) or -1, file_page)
        return page(
            "dokument.html",
            title=doc.title,
            active="",
            doc=doc,
            current=current,
            quoted=quoted and current is not None,
            cite=context.cite_line(context.citation(doc, current)) if current else "",
            pdf=doc.path.lower().endswith(".pdf"),
            file_page=file_page,
            outline=context.outline(index, doc.doc_id),
            blocks=docview.layout(index, doc.doc_id, mark, physical),
            suffix=Path(doc.path).suffix.lstrip(".").upper() or "fil",
            kind=kind_sv(doc.metadata.get("kind") or doc.kind),
        )

    def original(index, doc):
        try:
            path = context.original_file(index, doc, base)
        except context.FileGone as exc:
            where = Path(doc.path).name
            if exc.reason == "changed":
                return error_page(
                    409,
                    "Filen har ändrats",
                    f"filen {where} har ändrats sedan den lästes in, så sidorna stämmer inte längre med indexet",
                    f"läs in den igen med kommandot scan ingest; texten finns kvar på dokumentsidan ({doc.doc_id})",
                )
            return error_page(
                404 if exc.reason == "missing" else 403,
                "Filen finns inte kvar",
                f"originalfilen {where} finns inte längre där den låg när den lästes in ({doc.path})"
                if exc.reason == "missing"
                else f"originalfilen {where} går inte att läsa",
                "flytta tillbaka den, eller läs in den där den ligger nu med kommandot scan ingest; "
                "texten finns kvar på dokumentsidan",
            )
        media = context.content_type(path)
        headers = {"Cache-Control": "no-cache"}
        if media.startswith("text/html"):  # never run a stored page's scripts on this site
            headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        return FileResponse(
            path, media_type=media, headers=headers, filename=Path(doc.path).name, content_disposition_type="inline"
        )

    @app.get("/liknande", response_class=HTMLResponse)
    def liknande(doc: str = "", passage: str = "", k: int = SIMILAR_K):
        if not doc.strip():  # an address without the passage it is about: a bad request, not a missing document
            return error_page(
                400, "Stycket saknas", "adressen anger inget dokument (doc) och stycke (passage)",
                "öppna ett dokument och välj Fler liknande vid ett stycke",
            )  # fmt: skip
        index = scan.index
        stored = index.document(doc)
        if stored is None:
            return not_found(doc)
        seq = _int(passage)
        if seq is None or seq >= stored.passages:
            return error_page(
                404,
                "Stycket finns inte",
                f"dokumentet ”{stored.title}” har inget stycke {passage}",
                "öppna dokumentet och välj ett stycke där",
            )
        target = context.Target(stored, seq)
        source = index.passages_of(stored.doc_id, seq, seq)[0][1]
        try:
            with scan.lock:
                hits = context.similar(index, target, k=max(1, min(k, 50)))
        except ScanError as exc:  # (not expected: the target was checked above)
            return error_page(400, "Det gick inte", exc.message, exc.hint or "")
        return page(
            "liknande.html",
            title="Fler liknande",
            active="",
            doc=stored,
            source=source,
            cite=context.cite_line(context.citation(stored, source)),
            hits=hits,
        )
