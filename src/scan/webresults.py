"""The web pages with results to take away: Sök (facets with counts, several values per filter,
group by document, trend filter), Citat (a claim or a trend, optionally only from one trend's
passages), and the downloads of both and of a classification (CSV, Excel, Word), plus the text
with its citation that each "Kopiera" button copies (templates/web/page.js).

The downloads run the same search as the page from the same query string, so a file holds what
the page shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from scan.errors import ScanError

DOWNLOADS = (("csv", "CSV"), ("xlsx", "Excel"), ("docx", "Word"))
KINDS_SV = {"table": "tabell", "list": "lista", "heading": "rubrik", "boilerplate": "standardtext"}


def _ints(values: list[str], what: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in values if v.strip())
    except ValueError:
        raise ScanError(f"{what} måste vara ett tal", "") from None


def _texts(values: list[str]) -> tuple[str, ...]:
    return tuple(v for v in values if v.strip())


def copy_text(text: str, cite: str) -> str:
    """What a Kopiera button copies: the text in quotes, then its citation."""
    return f"”{' '.join(text.split())}” ({cite.rstrip('.')})"


MAX_K = 50  # most hits the page shows


@dataclass(frozen=True)
class SearchForm:
    """The query string of Sök and of its downloads (so a file holds what the page shows)."""

    q: str
    publisher: list[str]
    year: list[str]
    doc: list[str]
    language: list[str]
    trend: list[str]
    group: str
    k: int


def search_form(
    q: str = "",
    publisher: list[str] = Query([]),
    year: list[str] = Query([]),
    doc: list[str] = Query([]),
    language: list[str] = Query([]),
    trend: list[str] = Query([]),
    group: str = "",
    k: int = Query(10, ge=1, le=MAX_K),
) -> SearchForm:
    """One FastAPI dependency for the parameters /sok and /sok/export share; a k outside 1–50 is a 422."""
    return SearchForm(q, publisher, year, doc, language, trend, group, k)


def add_result_routes(app: FastAPI, scan, page: Callable[..., HTMLResponse], swedish, quote_gate, jobs) -> None:
    from scan import exports, facets, relevance, support
    from scan.keywords import analyze
    from scan.quotes import find_quotes
    from scan.types import Filters

    def attachment(data: bytes, fmt: str, stem: str) -> Response:
        name = f"scan-{stem}-{date.today().isoformat()}.{fmt}"
        return Response(
            data,
            media_type=exports.MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    def bad_format(fmt: str) -> HTMLResponse:
        return page(
            "fel.html", 404, title="Formatet finns inte", active="", error=f"det finns ingen export som .{fmt}",
            hint="välj CSV, Excel eller Word",
        )  # fmt: skip

    # ---- Sök ---------------------------------------------------------------------------------
    def run_search(form: SearchForm, with_facets: bool = True):
        q, k = form.q, form.k
        filters = Filters(
            _texts(form.doc), None, None, None, _texts(form.publisher), _ints(form.year, "året"), _texts(form.language)
        )  # fmt: skip
        trends = _ints(form.trend, "trenden")
        with scan.lock:
            index = scan.index
            # the trend facet only once the trend model exists (a search never waits for its training);
            # a trend filter asks for it
            ready = bool(trends) or any(index.root.glob("trends-*.npz"))
            return facets.faceted_search(
                index, scan.encoder, q, k, "hybrid", filters, None,
                scan.taxonomy if ready else None, trends, with_facets,
            )  # fmt: skip

    def options(index, counts: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        """Every value each filter can take, with its count among the answers (0 when none)."""
        listed = index.facets()
        titles = {d.doc_id: d.title for d in index.documents()}
        languages = sorted({r[0] for r in index.db.execute("SELECT DISTINCT language FROM passages")} - {""})
        values = {
            "publisher": [(p, p) for p in listed["publisher"]],
            "year": [(y, str(y)) for y in listed["year"]],
            "doc": [(d, titles.get(d, d)) for d in listed["doc"]],
            "language": [(code, facets.LANGUAGES.get(code, code)) for code in languages],
            "trend": [(t.id, f"{t.id}. {t.name}") for t in scan.taxonomy.trends],
        }
        out = {}
        for name, pairs in values.items():
            found = {str(v["value"]): v["count"] for v in counts.get(name, [])}
            out[name] = [{"value": str(v), "label": label, "count": found.get(str(v), 0)} for v, label in pairs]
        return out

    @app.get("/sok", response_class=HTMLResponse)
    def sok(request: Request, form: SearchForm = Depends(search_form)):
        q, group = form.q, form.group
        chosen = {"publisher": form.publisher, "year": form.year, "doc": form.doc, "language": form.language}
        chosen["trend"] = form.trend
        context: dict[str, Any] = dict(
            title="Sök i källorna",
            active="/sok",
            q=q,
            chosen={name: set(values) for name, values in chosen.items()},
            group=group,
            hits=[],
            near=[],
            terms=analyze(q),
            facets=options(scan.index, {}),
            query_string=request.url.query,
            downloads=DOWNLOADS,
            kinds_sv=KINDS_SV,
            floor=relevance,
            cite={},
            copy={},
            trend_of={},
        )
        if q:
            try:
                found = run_search(form)
            except ScanError as exc:
                message, hint = swedish(exc)
                return page("sok.html", 400, error=message, hint=hint, **context)
            report = exports.hits_report(found.hits, found.metadata, q, found.trend_names)
            keys = [f"{h.doc_id}#{h.passage.seq}" for h in found.hits]
            context["cite"] = {key: row["citation"] for key, row in zip(keys, report.tables[0].rows)}
            context["copy"] = {key: copy_text(h.passage.text, context["cite"][key]) for key, h in zip(keys, found.hits)}
            context["trend_of"] = found.trend_names
            context["facets"] = options(scan.index, found.facets)
            context["hits"], context["near"] = relevance.split_hits(found.hits)
            if group:
                context["groups"] = facets.group_by_document(context["hits"], found.metadata)
                context["near_groups"] = facets.group_by_document(context["near"], found.metadata)
        return page("sok.html", **context)

    @app.get("/sok/export.{fmt}")
    def sok_export(fmt: str, form: SearchForm = Depends(search_form)):
        q, group = form.q, form.group
        if fmt not in dict(DOWNLOADS):
            return bad_format(fmt)
        try:
            found = run_search(form, with_facets=False)
        except ScanError as exc:
            message, hint = swedish(exc)
            return page("fel.html", 400, title="Exporten gick inte", active="/sok", error=message, hint=hint)
        query = " ".join(q.split())
        report = exports.hits_report(found.hits, found.metadata, query, found.trend_names, by_document=bool(group))
        return attachment(report.render(fmt), fmt, "sok")

    # ---- Citat -------------------------------------------------------------------------------
    def run_quotes(claim: str, trend: str, in_trend: list[str]):
        from scan import passagetrends

        heading, text = claim, claim
        if trend:
            chosen = scan.taxonomy.get(_ints([trend], "trenden")[0])
            text, heading = chosen.query, f"Trend {chosen.id}: {chosen.name}"
        filters = None
        within = _ints(in_trend, "trenden")
        with quote_gate.enter(), scan.lock:  # Busy (503) when too many wait
            if within:
                ids = passagetrends.trend_filter(scan.index, scan.encoder, scan.taxonomy, within)
                filters = Filters(passage_ids=ids)
            return heading, find_quotes(scan.index, scan.encoder, text, k=8, filters=filters, check=not trend)

    @app.get("/citat", response_class=HTMLResponse)
    def citat(request: Request, claim: str = "", trend: str = "", in_trend: list[str] = Query([])):
        from scan.export import to_markdown

        context: dict[str, Any] = dict(
            title="Hitta citat",
            active="/citat",
            claim=claim,
            trend=trend,
            in_trend=set(in_trend),
            quotes=[],
            markdown="",
            searched=bool(claim or trend),
            query_string=request.url.query,
            downloads=DOWNLOADS,
            copy=[],
        )
        if not context["searched"]:
            return page("citat.html", **context)
        try:
            heading, quotes = run_quotes(claim, trend, in_trend)
        except ScanError as exc:
            message, hint = swedish(exc)
            if "måste vara ett tal" in message:
                message = "välj en trend i listan"
            return page("citat.html", 400, error=message, hint=hint, **context)
        context.update(
            quotes=quotes,
            markdown=to_markdown(quotes, heading),
            copy=[copy_text(q.text, exports.quote_citation(q)) for q in quotes],
            support_summary=support.summary([q.support for q in quotes]) if quotes and not trend else "",
        )
        return page("citat.html", **context)

    @app.get("/citat/export.{fmt}")
    def citat_export(fmt: str, claim: str = "", trend: str = "", in_trend: list[str] = Query([])):
        if fmt not in dict(DOWNLOADS):
            return bad_format(fmt)
        try:
            heading, quotes = run_quotes(claim, trend, in_trend)
        except ScanError as exc:
            message, hint = swedish(exc)
            return page("fel.html", 400, title="Exporten gick inte", active="/citat", error=message, hint=hint)
        return attachment(exports.quotes_report(quotes, heading).render(fmt), fmt, "citat")

    # ---- Klassificera ------------------------------------------------------------------------
    @app.get("/klassificera/jobb/{job_id}/export.{fmt}")
    def klassificera_export(job_id: str, fmt: str):
        if fmt not in dict(DOWNLOADS):
            return bad_format(fmt)
        job = jobs.get(job_id)
        if job is None or job.result is None:
            return page(
                "fel.html", 404, title="Klassificeringen finns inte", active="/klassificera",
                error="klassificeringen finns inte (längre)", hint="resultat sparas en halvtimme; klassificera igen",
            )  # fmt: skip
        names = {t.id: t.name for t in scan.taxonomy.trends}
        return attachment(exports.classification_report([job.result], names).render(fmt), fmt, "klassificering")
