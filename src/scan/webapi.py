"""The JSON HTTP API beside the pages, for an intranet, a script or Power BI.

Each answer carries the same objects as the CLI's `--json` (built by the same `to_json` functions,
so the fields never drift apart): `/api/search` hits as `scan search --json`, `/api/quotes` as
`scan quotes --json`, `/api/classify` as `scan classify --json`, `/api/documents` as
`scan info --json`. Errors are JSON too, with the message in Swedish:
`{"error": {"status": 400, "message": "sökfrågan är tom", "hint": "skriv vad du letar efter"}}`.
The description of the API is at `/openapi.json` (the pages are left out of it).

Classification runs in the web page's job worker (scan.webjobs), with its queue, time limit and
upload limit: a POST waits up to `wait` seconds for the result (200), else answers 202 with the
job's address, which answers 202 while the job runs and 200 with the result when it is done.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from scan.errors import ScanError

ERROR_SCHEMA = {
    "description": "Fel, med meddelandet på svenska",
    "content": {
        "application/json": {
            "example": {"error": {"status": 400, "message": "sökfrågan är tom", "hint": "skriv vad du letar efter"}}
        }
    },
}
ERRORS: dict[int | str, dict[str, Any]] = {400: ERROR_SCHEMA, 422: ERROR_SCHEMA, 503: ERROR_SCHEMA}
MAX_WAIT = 60.0  # seconds a POST to /api/classify may wait for its result


def api_error(status: int, message: str, hint: str = "", headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message, "hint": hint}}, status, headers=headers)


def _scan_error(exc: ScanError) -> JSONResponse:
    from scan.web import swedish

    message, hint = swedish(exc)
    message = re.sub(r"\S*scan-upload-[^/]+/upload\.\w+:? ?", "", message)  # never show server paths
    return api_error(400, message, hint)


def _job_json(jobs, job) -> dict[str, Any]:
    return {
        "job": job.id,
        "state": job.state,
        "message": jobs.describe(job),
        "done": job.done,
        "total": job.total,
        "page": job.page,
        "pages": job.pages,
        "status_url": f"/api/classify/{job.id}",
    }


def _job_response(jobs, job) -> JSONResponse:
    if job.state == "done":
        return JSONResponse(job.result.to_json())
    if job.state == "failed":
        message, hint = job.error or ("något gick fel i scan", "")
        return api_error(job.status if job.status >= 400 else 500, message, hint)
    return JSONResponse(_job_json(jobs, job), 202, headers={"Cache-Control": "no-store", "Retry-After": "1"})


def api_router(scan, jobs, quote_gate, max_upload_mb: int) -> APIRouter:
    """The /api/ routes over the server's loaded index (`scan`: web.Scanner) and job worker."""
    from scan import relevance
    from scan.docinfo import document_detail, document_summary
    from scan.quotes import check_claim, find_quotes
    from scan.search import check_query, search
    from scan.shown import in_shown_order
    from scan.types import Filters

    router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)

    def filters(doc: list[str], publisher: str | None, year: int | None, kind: str | None) -> Filters:
        return Filters(tuple(doc), publisher or None, year, kind or None)

    @router.get("/search", summary="Sök i källorna")
    def api_search(
        q: str = Query(description="sökfrågan, på svenska eller engelska"),
        k: int = Query(10, ge=1, le=100, description="antal träffar"),
        mode: Literal["hybrid", "dense", "keyword"] = "hybrid",
        doc: list[str] = Query([], description="bara dessa dokument (doc_id, upprepas)"),
        publisher: str | None = None,
        year: int | None = None,
        kind: str | None = None,
    ):
        """The passages that best match `q`. `hits`: as `scan search --json` (objects with `rank`,
        `score`, `doc_id`, `title`, `page`, `heading`, `text`, `relevance`, …; see the README's JSON
        output), only those at or above the relevance floor; `near_misses`: the rest, same fields;
        `message`: set when nothing answers the query."""
        try:
            check_query(q)
            with scan.lock:
                hits = search(
                    scan.index,
                    scan.encoder if mode != "keyword" else None,
                    q,
                    k=k,
                    mode=mode,
                    filters=filters(doc, publisher, year, kind),
                )
        except ScanError as exc:
            return _scan_error(exc)
        answers, near = relevance.split_hits(in_shown_order(hits))  # numbered as the page shows them
        return {
            "query": q,
            "hits": [h.to_json() for h in answers],
            "near_misses": [h.to_json() for h in near],
            "message": relevance.NO_HITS if hits and not answers else None,
        }

    @router.get("/quotes", summary="Hitta citat")
    def api_quotes(
        claim: str | None = Query(None, description="ett påstående (minst tre ord)"),
        trend: int | None = Query(None, description="eller en trends id i taxonomin"),
        k: int = Query(5, ge=1, le=50),
        doc: list[str] = Query([]),
        publisher: str | None = None,
        year: int | None = None,
        kind: str | None = None,
    ):
        """Verbatim sentences supporting `claim` (or illustrating `trend`). `quotes`: as
        `scan quotes --json` (`rank`, `text`, `score`, `support`, `doc_id`, `title`, `page`,
        `heading`, `start`, `end`, `publisher`, `year`, `url`, `cites`, `also`)."""
        if (claim is None) == (trend is None):
            return api_error(400, "ange antingen ett påstående (claim) eller en trend", "t.ex. ?claim=Tilliten minskar")
        try:
            text = claim or ""
            if trend is not None:
                text = scan.taxonomy.get(trend).query
            else:
                check_claim(text)
            with quote_gate.enter(), scan.lock:  # Busy (503) when too many wait
                found = find_quotes(
                    scan.index,
                    scan.encoder,
                    text,
                    k=k,
                    filters=filters(doc, publisher, year, kind),
                    check=trend is None,
                )
        except ScanError as exc:
            return _scan_error(exc)
        return {"claim": claim, "trend": trend, "quotes": [q.to_json() for q in found]}

    @router.get("/documents", summary="Dokumenten i indexet")
    def api_documents():
        """Every document, as in `scan info --json`: `doc_id`, `title`, `kind`, `passages`, `path`,
        `sha256`, `metadata`, `origins` (where each field came from)."""
        index = scan.index
        return {"documents": [document_summary(index, d) for d in index.documents()], "passages": len(index)}

    @router.get("/documents/{doc_id:path}", summary="Ett dokument")
    def api_document(doc_id: str):
        """One document, as `scan info --doc ID --json` (with its extraction report)."""
        index = scan.index
        if doc_id not in {d.doc_id for d in index.documents()}:
            return api_error(404, f"dokumentet ”{doc_id}” finns inte i indexet", "se listan under /api/documents")
        return document_detail(index, doc_id)

    @router.post(
        "/classify",
        summary="Klassificera en rapport",
        status_code=200,
        responses={202: {"description": "jobbet pågår; fråga status_url"}, 413: ERROR_SCHEMA},
        openapi_extra={
            "requestBody": {
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "text": {"type": "string"},
                            },
                        }
                    },
                    "application/json": {
                        "schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
                    },
                }
            }
        },
    )
    async def api_classify(request: Request, wait: float = Query(10.0, ge=0, le=MAX_WAIT)):
        """Classify a PDF, Word, Markdown or text file (`file`, multipart) or a text (`text`, in a
        form or a JSON body) against the trends. 200: as `scan classify --json` (`label`, `labels`,
        `scores`, `none`, `evidence`, …); 202 when it takes longer than `wait` seconds: the job,
        whose `status_url` gives the result when it is done."""
        from scan.web import MAX_PASTE_CHARS, sniff
        from scan.websecurity import FORM_OVERHEAD, TooLarge, limited, stage_submission

        limit = max_upload_mb * 1024 * 1024
        too_large = (f"filen är större än {max_upload_mb} MB", "dela upp den eller använd kommandot scan classify")
        upload, text = None, ""
        try:
            body = limited(request, limit + FORM_OVERHEAD, too_large[0])
            if request.headers.get("content-type", "").startswith("application/json"):
                try:
                    data = json.loads(await body.body())
                    text = data.get("text") if isinstance(data, dict) else None
                except ValueError:
                    text = None
                if not isinstance(text, str):
                    return api_error(400, "JSON-kroppen måste vara ett objekt med texten i ”text”", '{"text": "…"}')
            else:
                form = await body.form(max_files=1, max_part_size=limit + 1)
                upload, text = form.get("file"), str(form.get("text") or "")
        except TooLarge:
            return api_error(413, *too_large)
        folder = Path(tempfile.mkdtemp(prefix="scan-upload-"))
        try:
            staged = await stage_submission(
                upload,
                text,
                folder,
                limit,
                MAX_PASTE_CHARS,
                sniff,
                too_long=("texten är för lång", "skicka den som fil i stället"),
                empty=(
                    "skicka en fil (file) eller en text (text)",
                    'skicka en fil som multipart/form-data eller JSON {"text": "…"}',
                ),
            )
            if staged is None:
                shutil.rmtree(folder)
                return api_error(413, *too_large)
            title, path = staged
            job = jobs.submit(title, folder, path)  # Busy when the queue is full: a JSON 503
        except ScanError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            return _scan_error(exc)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        for _ in range(int(wait / 0.05)):
            if not job.active:
                break
            await asyncio.sleep(0.05)
        return _job_response(jobs, job)

    @router.get("/classify/{job_id}", summary="En klassificerings status och resultat")
    def api_classify_job(job_id: str):
        """202 with the job's progress while it runs; 200 with the result (as `scan classify --json`)
        when done; an error with the job's status when it failed; 404 once it has expired (30 min)."""
        job = jobs.get(job_id)
        if job is None:
            return api_error(404, "klassificeringen finns inte (längre)", "resultat sparas en halvtimme")
        return _job_response(jobs, job)

    return router


def install_api(app, scan, jobs, quote_gate, max_upload_mb: int) -> None:
    """Add the /api/ routes and /openapi.json (describing only them) to the web app."""
    from fastapi.openapi.utils import get_openapi

    import scan as package
    from scan.websecurity import is_api

    app.include_router(api_router(scan, jobs, quote_gate, max_upload_mb))
    cached: dict[str, Any] = {}

    @app.get("/openapi.json", include_in_schema=False)
    def openapi():
        if not cached:
            spec = get_openapi(
                title="scan",
                version=getattr(package, "__version__", "0"),
                summary="Omvärldsanalys: sök, citat, klassificering och dokument som JSON",
                description=__doc__ or "",
                routes=app.routes,
            )
            spec["paths"] = {path: ops for path, ops in spec.get("paths", {}).items() if is_api(path)}  # not the pages
            cached.update(spec)
        return JSONResponse(cached)
