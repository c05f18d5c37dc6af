"""The web page "Översikt" (/oversikt), its evidence pages and /api/overview, over scan.overview.

`add_overview(app, scan, page)` adds the routes to the app of scan.web: `scan` is its Scanner (the
live index, encoder, taxonomy and lock), `page(template, status, **context)` renders a page.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from scan.errors import ScanError

# one colour per trend (cycled beyond ten), readable on white; "no trend" is grey
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#8cd17d",
)
NONE_COLOUR = "#d9d9d9"
EVIDENCE_SHOWN = 10


def colours(trend_ids: list[int]) -> dict[int, str]:
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(trend_ids)}


def stacked_bars(groups, trend_ids: list[int], label) -> list[dict[str, Any]]:
    """For the chart: per group its label and the segments (trend or None, share, x, width) of a 0–100 bar."""
    out = []
    for g in groups:
        x, segments = 0.0, []
        for t, share in [*((t, g.scores[t]) for t in trend_ids), (None, g.none)]:
            segments.append({"trend": t, "share": share, "x": x, "width": share * 100})
            x += share * 100
        out.append({"label": label(g), "documents": g.documents, "segments": segments, "main": g.label})
    return out


def add_overview(app: FastAPI, scan, page) -> None:
    from scan.overview import UNKNOWN_PUBLISHER, UNKNOWN_YEAR, evidence, library_overview
    from scan.webapi import ERRORS, api_error

    def compute():
        with scan.lock:  # the encoder (when the trend model must be trained) serves one request at a time
            index = scan.index
            model = scan.trend_model(index)  # the live generation's (scan.web.Scanner)
            return index, model, library_overview(index, model, scan.taxonomy)

    def in_swedish(exc: ScanError) -> tuple[str, str]:
        from scan.web import swedish

        if "the trend model learns from" in exc.message:
            return (
                f"trendmodellen lär sig av analysen ”{scan.taxonomy.analysis}”, som inte finns i indexet",
                "lägg in den först med scan ingest, t.ex. scan ingest corpus/",
            )
        return swedish(exc)

    def failed(exc: ScanError, title: str) -> HTMLResponse:
        message, hint = in_swedish(exc)
        return page("fel.html", 400, title=title, active="/oversikt", error=message, hint=hint)

    @app.get("/oversikt", response_class=HTMLResponse)
    def oversikt():
        try:
            _, _, overview = compute()
        except ScanError as exc:
            return failed(exc, "Översikt")
        ids = overview.trend_ids
        years, publishers = overview.by("year"), overview.by("publisher")
        return page(
            "oversikt.html",
            title="Översikt över biblioteket",
            active="/oversikt",
            overview=overview,
            colours=colours(ids),
            none_colour=NONE_COLOUR,
            years=years,
            publishers=publishers,
            year_bars=stacked_bars(years, ids, lambda g: str(g.key) if g.key is not None else UNKNOWN_YEAR),
            publisher_bars=stacked_bars(publishers, ids, lambda g: g.key or UNKNOWN_PUBLISHER),
            unknown_year=UNKNOWN_YEAR,
            unknown_publisher=UNKNOWN_PUBLISHER,
        )

    @app.get("/oversikt/belagg", response_class=HTMLResponse)
    def belagg(doc: str = "", trend: int = 0):
        title = "Belägg"
        try:
            with scan.lock:
                index = scan.index
                docs = {d.doc_id: d for d in index.documents()}
                if doc not in docs:
                    raise ScanError(f"no document '{doc}' in the index", "välj ett dokument i översikten")
                chosen = scan.taxonomy.get(trend)
                model = scan.trend_model(index)
                found = evidence(index, docs[doc], trend, model, scan.taxonomy, k=EVIDENCE_SHOWN)
        except ScanError as exc:
            if exc.message.startswith("no document"):
                return page(
                    "fel.html",
                    404 if doc else 400,
                    title=title,
                    active="/oversikt",
                    error="dokumentet finns inte i indexet" if doc else "inget dokument valt",
                    hint="välj ett dokument i översikten",
                )
            return failed(exc, title)
        d = docs[doc]
        return page(
            "belagg.html",
            title=f"Belägg för trend {chosen.id} i {d.title}",
            active="/oversikt",
            doc=d,
            trend=chosen,
            found=found,
        )

    @app.get("/api/overview", summary="Översikt över biblioteket", tags=["api"], responses=ERRORS)
    def api_overview():
        """Every document's trend shares, and the shares by year and by publisher: the same object as
        `scan overview --json` (documents classified once and cached by content hash)."""
        try:
            _, _, overview = compute()
        except ScanError as exc:
            return api_error(400, *in_swedish(exc))
        return JSONResponse(overview.to_json())
