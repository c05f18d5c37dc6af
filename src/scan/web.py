"""`scan serve`: a local web page over the same library functions as the CLI.

Sök (search with filters, highlighted terms), Klassificera (upload or paste, trend profile chart,
evidence), Citat (a claim or a trend in, quotes out, "copy as Markdown"), Källor (the documents
and the reference list). Swedish throughout; nothing is loaded from the net.

Safety: uploads are limited in size, their type is checked by content (not by name), they are
read into a temporary file whose name the user does not choose, and deleted after; nothing is
written into the corpus. Errors are shown on the page; tracebacks only go to the server log.
"""

import asyncio
import logging
import re
import shutil
import tempfile
import threading
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from scan.errors import ScanError

if TYPE_CHECKING:
    from scan.webjobs import Jobs

logger = logging.getLogger(__name__)

MAX_UPLOAD_MB = 20
MAX_PASTE_CHARS = 500_000


def sniff(data: bytes, filename: str) -> str:
    """The suffix to read an upload as, from its content; ScanError if it is none we read."""
    name = filename.lower()
    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        if b"word/document.xml" in data[:200_000] or name.endswith(".docx"):
            return ".docx"  # the reader refuses it clearly if it is no Word file after all
        raise ScanError(
            "filen är ett zip-arkiv, inte ett dokument", "ladda upp en PDF-, Word-, Markdown- eller textfil"
        )
    if name.endswith((".pdf", ".docx")):  # a report named so but holding text: never classify it as text
        kind = "PDF" if name.endswith(".pdf") else "Word-fil"
        raise ScanError(f"filen heter {Path(name).suffix} men är ingen {kind}", "ladda ner eller exportera den igen")
    if b"\x00" in data[:4096]:
        raise ScanError(
            "filen är inte en text, PDF, Word eller Markdown", "ladda upp en PDF-, Word-, Markdown- eller textfil"
        )
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScanError("texten är inte kodad som UTF-8", "spara filen som UTF-8 och försök igen") from None
    return ".md" if name.endswith((".md", ".markdown")) else ".txt"


_SWEDISH = [  # the library's messages that a web user can meet, in Swedish: (pattern, message, hint)
    (
        r"not a readable PDF",
        "PDF-filen går inte att läsa",
        "kontrollera att filen är en hel PDF; ladda ner eller exportera den igen",
    ),
    (r"encrypted", "PDF-filen är lösenordsskyddad", "spara en kopia utan lösenord och ladda upp den"),
    (
        r"no extractable text",
        "PDF-filen innehåller ingen text, troligen inskannade bilder",
        "kör textigenkänning (OCR) på filen först",
    ),
    (r"the query is empty", "sökfrågan är tom", "skriv vad du letar efter"),
    (r"characters long; the limit", "sökfrågan är för lång", "korta ner den till själva frågan"),
    (
        r"too short to find quotes",
        "påståendet är för kort: skriv minst tre ord",
        "skriv påståendet som en mening, eller sök på ett enskilt ord under Sök",
    ),
    (r"no document matches --(\w+) (.*)", "inget dokument matchar filtret ({0}: {1})", None),
    (r"no trend (\d+)", "trend {0} finns inte", None),
    (r"the file is empty|no text found|no text to classify", "filen innehåller ingen text", "välj en fil med text"),
    (r"not UTF-8", "texten är inte kodad som UTF-8", "spara filen som UTF-8 och försök igen"),
    (r"not a readable Word file", "Word-filen går inte att läsa", "öppna den i Word och spara den som .docx igen"),
]


def swedish(exc: ScanError) -> tuple[str, str]:
    """The error in Swedish where we know it (the hint may keep its list of valid values)."""
    for pattern, message, hint in _SWEDISH:
        m = re.search(pattern, exc.message)
        if m:
            valid = (
                (exc.hint or "")
                .replace("valid values:", "giltiga värden:")
                .replace("valid trend ids:", "giltiga trender:")
            )
            return message.format(*m.groups()), hint if hint is not None else valid
    return exc.message, exc.hint or ""


class Scanner:
    """The loaded index (reopened when an ingest makes a newer one live), encoder, taxonomy and
    trend model, shared by the requests (one at a time)."""

    def __init__(self, index_dir: Path, trends_file: Path | None = None, encoder=None):
        from scan.session import open_index
        from scan.taxonomy import load_taxonomy
        from scan.webindex import LiveIndex

        index, loaded = open_index(index_dir)
        self.live = LiveIndex(index_dir, index)
        self.encoder = encoder or loaded
        self.taxonomy = load_taxonomy(trends_file)
        self._model = None
        self.lock = threading.Lock()

    @property
    def index(self):
        return self.live.get()

    @property
    def model(self):
        return self.trend_model(self.index)

    def trend_model(self, index):
        """The trend model of `index` (a generation of the live index): kept while that generation is
        live, loaded (or trained) again when an ingest made a newer one live, as the worker does."""
        if self._model is None or self._model[0] != index.generation:
            from scan.trends import load_or_train

            self._model = (index.generation, load_or_train(index, self.encoder, self.taxonomy))
        return self._model[1]


def _highlight(text: str, terms: list[str]):
    """Escape the text and mark words whose stem is one of the query's."""
    from markupsafe import Markup, escape

    from scan.keywords import stems, stop_stems

    wanted = set(terms) - stop_stems()
    pieces = re.split(r"(\w+)", text)  # words at the odd positions
    stemmed = stems(pieces[1::2])
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 and stemmed[i // 2] in wanted:
            out.append(Markup("<mark>") + escape(piece) + Markup("</mark>"))
        else:
            out.append(escape(piece))
    return Markup("").join(out)


def create_app(
    index_dir: Path,
    trends_file: Path | None = None,
    scanner: "Scanner | None" = None,
    max_upload_mb: int = MAX_UPLOAD_MB,
    jobs: "Jobs | None" = None,
    job_wait: float = 1.5,
) -> FastAPI:
    """The web app. Classification runs in `jobs` (by default a worker process of its own); a POST
    waits up to `job_wait` seconds for the result before it sends the browser to the job's page."""
    from jinja2 import Environment, FunctionLoader, select_autoescape
    from markupsafe import Markup

    from scan.exports import citation
    from scan.numbers import FILTERS as NUMBER_FILTERS
    from scan.webapi import install_api
    from scan.webdocs import install as install_document_pages
    from scan.webjobs import Gate, Jobs
    from scan.webresults import add_result_routes, copy_text
    from scan.websecurity import (
        FORM_OVERHEAD,
        SecurityHeaders,
        TooLarge,
        install_error_pages,
        limited,
        security_headers,
        stage_submission,
    )

    scan = scanner or Scanner(index_dir, trends_file)
    jobs = jobs or Jobs(index_dir, trends_file)
    quote_gate = Gate()
    templates = files("scan").joinpath("templates")

    def _template_source(name: str) -> str:  # the page's own templates, then the shared ones (_chart.html)
        own = templates.joinpath("web", name)
        return (own if own.is_file() else templates.joinpath(name)).read_text(encoding="utf-8")

    env = Environment(
        loader=FunctionLoader(_template_source),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = _highlight
    env.filters.update(NUMBER_FILTERS)  # Swedish numbers: |decimal(3), |integer, |percent (scan.numbers)
    env.filters["sources"] = lambda refs: "; ".join(r.short() for r in refs)
    env.globals.update(citation=citation, copy_text=copy_text)  # what the Kopiera buttons copy
    env.filters["swedish_report"] = lambda text: (
        text.replace("no text (scanned?)", "ingen text (inskannad?)")
        .replace("little text", "lite text")
        .replace("broken text (glued words)", "trasig text (ihopskrivna ord)")
        .replace("unreadable", "oläsbar")
        .replace(" on pages ", " på sidorna ")
        .replace(" on page ", " på sidan ")
    )
    script = templates.joinpath("web", "page.js").read_text(encoding="utf-8")
    env.globals["page_script"] = Markup(script)  # allowed by its hash in the Content-Security-Policy
    headers = security_headers(script)

    @asynccontextmanager
    async def lifespan(app):  # the server starts the worker (it loads the model) at once, and stops it
        jobs.start()
        yield
        jobs.close()

    app = FastAPI(title="scan", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.jobs = jobs
    app.add_middleware(SecurityHeaders, headers=headers)
    names = {t.id: t.name for t in scan.taxonomy.trends}

    def page(template: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("error", None)
        return HTMLResponse(
            env.get_template(template).render(taxonomy=scan.taxonomy, names=names, **context), status_code=status
        )

    def error_page(status: int, heading: str, message: str, hint: str) -> HTMLResponse:
        return page("fel.html", status, title=heading, active="", error=message, hint=hint)

    install_error_pages(app, error_page, headers)
    install_document_pages(app, scan, page, env, error_page)  # /dokument, /liknande (scan.webdocs)

    @app.get("/")
    def root(request: Request):
        query = request.url.query  # /?q=tillit keeps its question (a bookmark or a browser's search shortcut)
        return RedirectResponse("/sok" + (f"?{query}" if query else ""))

    add_result_routes(app, scan, page, swedish, quote_gate, jobs)  # Sök, Citat and the downloads (webresults)

    @app.get("/klassificera", response_class=HTMLResponse)
    def klassificera_form():
        return page(
            "klassificera.html",
            title="Klassificera en rapport",
            active="/klassificera",
            text="",
            result=None,
            max_mb=max_upload_mb,
        )

    @app.post("/klassificera", response_class=HTMLResponse)
    async def klassificera(request: Request):
        context = dict(
            title="Klassificera en rapport", active="/klassificera", text="", result=None, max_mb=max_upload_mb
        )
        limit = max_upload_mb * 1024 * 1024
        too_large = dict(
            error=f"filen är större än {max_upload_mb} MB",
            hint="dela upp den eller klassificera den med kommandot scan classify",
            **context,
        )
        try:  # counted as it streams in; files are spooled to disk by the form parser
            form = await limited(request, limit + FORM_OVERHEAD, "").form(max_files=1, max_part_size=limit + 1)
        except TooLarge:
            return page("klassificera.html", 413, **too_large)
        upload, text = form.get("file"), str(form.get("text") or "")
        context["text"] = text[:MAX_PASTE_CHARS]
        folder = Path(tempfile.mkdtemp(prefix="scan-upload-"))
        try:
            staged = await stage_submission(
                upload,
                text,
                folder,
                limit,
                MAX_PASTE_CHARS,
                sniff,
                too_long=("texten är för lång för att klistras in", "ladda upp den som fil i stället"),
                empty=("välj en fil eller klistra in text", ""),
            )
            if staged is None:
                shutil.rmtree(folder)
                return page("klassificera.html", 413, **too_large)
            title, path = staged
            job = jobs.submit(title, folder, path)  # Busy when the queue is full: a 503 page
        except ScanError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            message, hint = swedish(exc)
            message = re.sub(r"\S*scan-upload-[^/]+/upload\.\w+:? ?", "", message)  # never show server paths
            return page("klassificera.html", 400, error=message, hint=hint, **context)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job.text = context["text"] if not upload or not getattr(upload, "filename", "") else ""
        for _ in range(int(job_wait / 0.05)):  # a short job's result comes back on this very request
            if not job.active:
                return job_page(job)
            await asyncio.sleep(0.05)
        return RedirectResponse(f"/klassificera/jobb/{job.id}", status_code=303)

    def job_page(job) -> HTMLResponse:
        context = dict(
            title="Klassificera en rapport",
            active="/klassificera",
            text=job.text,
            result=None if job.active else job.result,  # (set just before the state: no result beside the progress)
            max_mb=max_upload_mb,
            job=job,
            progress=jobs.describe(job),
        )
        if job.state == "failed":
            message, hint = job.error or ("något gick fel i scan", "")
            return page("klassificera.html", job.status, error=message, hint=hint, **context)
        return page("klassificera.html", **context)

    @app.get("/klassificera/jobb/{job_id}", response_class=HTMLResponse)
    def klassificera_jobb(job_id: str):
        job = jobs.get(job_id)
        if job is None:
            return page(
                "fel.html",
                404,
                title="Klassificeringen finns inte",
                active="/klassificera",
                error="klassificeringen finns inte (längre)",
                hint="resultat sparas en halvtimme; klassificera rapporten igen",
            )
        return job_page(job)

    @app.get("/klassificera/jobb/{job_id}/status")
    def klassificera_status(job_id: str):
        job = jobs.get(job_id)
        if job is None:
            return JSONResponse({"state": "failed", "message": "klassificeringen finns inte (längre)"}, 404)
        return JSONResponse(
            {
                "state": job.state,
                "message": jobs.describe(job),
                "done": job.done,
                "total": job.total,
                "page": job.page,
                "pages": job.pages,
            },
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/kallor", response_class=HTMLResponse)
    def kallor():
        from scan.ingest import extraction_problems
        from scan.metadata import kind_sv, title_origin_sv

        index = scan.index  # one generation for the whole page
        docs = index.documents()
        problems = {d.doc_id: extraction_problems(index.extraction_report(d.doc_id)) for d in docs}
        origins = {d.doc_id: title_origin_sv(index.metadata_origin(d.doc_id)) for d in docs}  # scan.metadata
        return page(
            "kallor.html",
            origins=origins,
            kind_sv=kind_sv,
            title="Källor",
            active="/kallor",
            docs=docs,
            problems=problems,
            passages=len(index),
            encoder=index.encoder_name,
            sources=index.reference_list(),
        )

    install_api(app, scan, jobs, quote_gate, max_upload_mb)  # /api/… and /openapi.json (scan.webapi)
    from scan.weboverview import add_overview

    add_overview(app, scan, page)
    return app
