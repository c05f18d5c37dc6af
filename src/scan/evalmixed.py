"""The mixed-library evaluation (issue 9): Swedish and English queries for the same needs, against
the analysis plus documents of other kinds and languages.

The library is corpus/ + eval/library/ (English documents on the analysis's themes) + the real
PDFs in ../shared/pdfs where that folder is present. The queries (eval/mixed.toml) are needs, each
worded in Swedish and in English and labelled with the analysis chapters and other documents that
answer it, and off-topic queries that nothing in the library answers.

Figures per language and split, over the top 5 hits of every need's query:

- off-topic share: hits outside the analysis, the need's `docs` and its `ontopic` documents; over
  the plain top 5, and over the answers (the hits of the top 5 that clear the relevance floor:
  what the CLI and the web page show as answers; the rest they show as near-misses);
- table share: hits whose passage is a table (scan.kinds, judged on the hit's own text);
- chapter@1, chapter@5: queries with a passage of a right chapter at rank 1 / within 5 (in the order shown:
  scan.shown);
- doc@5: for needs with other documents that answer them, queries with one of them within 5;
- answer@1, answer@5: queries with a right chapter or one of the need's documents at 1 / within 5;
- above the floor: queries with an answer shown (a top-5 hit that clears the floor of scan.relevance.split_hits).

and on the off-topic queries: the share that the floor answers with "no hits", and the share of
their top-5 hits that clear the floor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scan.errors import ScanError
from scan.kinds import passage_kind
from scan.store import Index
from scan.types import Hit

LANGUAGES = ("sv", "en")
TOP = 5


@dataclass(frozen=True)
class Need:
    id: str
    split: str
    sv: str
    en: str
    chapters: tuple[str, ...]
    docs: tuple[str, ...] = ()
    ontopic: tuple[str, ...] = ()
    trend: int | None = None


@dataclass(frozen=True)
class OffTopic:
    id: str
    split: str
    sv: str
    en: str


def default_mixed_file() -> Path:
    from scan.config import project_file

    return project_file("eval/mixed.toml")


def load_mixed(path: Path) -> tuple[list[Need], list[OffTopic]]:
    from scan.evaluate import read_query_file

    data = read_query_file(path)
    try:
        needs = [
            Need(
                str(n["id"]),
                str(n["split"]),
                n["sv"],
                n["en"],
                tuple(n["chapters"]),
                tuple(n.get("docs", ())),
                tuple(n.get("ontopic", ())),
                n.get("trend"),
            )
            for n in data.get("need", [])
        ]
        off = [OffTopic(str(o["id"]), str(o["split"]), o["sv"], o["en"]) for o in data.get("offtopic", [])]
    except (KeyError, TypeError) as exc:
        raise ScanError(
            f"{path}: each [[need]] needs id, split, sv, en and chapters, each [[offtopic]] id, split, sv and en "
            f"(missing {exc})",
            "see eval/mixed.toml",
        ) from None
    if not needs:
        raise ScanError(f"{path}: no [[need]] in the file", "see eval/mixed.toml")
    return needs, off


def library_folders(pdfs: Path | None) -> tuple[list[Path], bool]:
    """The folders of the mixed library, and whether the shared PDFs are among them."""
    from scan.config import project_file

    folders = [project_file("corpus"), project_file("eval/library")]
    present = pdfs is not None and pdfs.is_dir() and any(pdfs.glob("*.pdf"))
    return [f for f in folders if f.exists()] + ([pdfs] if present and pdfs else []), bool(present)


def default_pdfs() -> Path:
    """../shared/pdfs beside the project checkout."""
    return Path(__file__).resolve().parents[3] / "shared" / "pdfs"


def analysis_ids(index: Index) -> set[str]:
    return {d.doc_id for d in index.documents() if d.metadata.get("kind") == "analysis"}


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class _Tally:
    queries: int = 0
    hits: int = 0
    off: int = 0
    shown: int = 0
    shown_off: int = 0
    answer1: int = 0
    answer5: int = 0
    table: int = 0
    chapter1: int = 0
    chapter5: int = 0
    with_docs: int = 0
    doc5: int = 0
    above: int = 0

    def to_json(self) -> dict:
        def share(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "n": self.queries,
            "offtopic@5": share(self.off, self.hits),
            "offtopic_answers": share(self.shown_off, self.shown),
            "answers_per_query": share(self.shown, self.queries),
            "table@5": share(self.table, self.hits),
            "chapter@1": share(self.chapter1, self.queries),
            "chapter@5": share(self.chapter5, self.queries),
            "n_docs": self.with_docs,
            "doc@5": share(self.doc5, self.with_docs),
            "answer@1": share(self.answer1, self.queries),
            "answer@5": share(self.answer5, self.queries),
            "above_floor": share(self.above, self.queries),
        }


def evaluate_mixed(
    index: Index,
    run: Callable[[str], list[Hit]],
    needs: list[Need],
    offtopic: list[OffTopic],
    floor: float | None = None,
    gap: float | None = None,
) -> dict:
    """Figures per language and split (see the module docstring). `run(query)` returns the ranked
    hits (at least the top 5) with their relevance; `floor` is the relevance a hit must reach, and
    with `gap` also the best hit's relevance minus `gap` (scan.relevance.split_hits: what is shown)."""

    def shown_of(hits: list[Hit]) -> list[bool]:
        if floor is None:
            return [True] * len(hits)
        rated = [h.relevance for h in hits if h.relevance is not None]
        level = max(floor, max(rated) - gap) if gap is not None and rated else floor
        return [h.relevance is None or h.relevance >= level for h in hits]

    analysis = analysis_ids(index)
    chapters_folded = {n.id: {_fold(c) for c in n.chapters} for n in needs}
    tallies: dict[tuple[str, str], _Tally] = {}
    misses: list[str] = []
    for need in needs:
        for lang in LANGUAGES:
            query = getattr(need, lang)
            hits = run(query)[:TOP]
            for key in ((lang, need.split), (lang, "all")):
                t = tallies.setdefault(key, _Tally())
                t.queries += 1
                t.hits += len(hits)
                right = [
                    h.doc_id in analysis and any(_fold(x) in chapters_folded[need.id] for x in h.passage.heading)
                    for h in hits
                ]
                off_hits = [h.doc_id not in analysis and h.doc_id not in need.docs + need.ontopic for h in hits]
                t.off += sum(off_hits)
                shown = shown_of(hits)
                t.shown += sum(shown)
                t.shown_off += sum(o and s for o, s in zip(off_hits, shown))
                answers = [r or h.doc_id in need.docs for r, h in zip(right, hits)]
                t.answer1 += bool(answers[:1] and answers[0])
                t.answer5 += any(answers)
                t.table += sum(1 for h in hits if passage_kind(h.passage.text) == "table")
                t.chapter1 += bool(right[:1] and right[0])
                t.chapter5 += any(right)
                if need.docs:
                    t.with_docs += 1
                    t.doc5 += any(h.doc_id in need.docs for h in hits)
                t.above += any(shown)
                if key[1] == "all" and not any(right):
                    misses.append(f"{need.id} [{lang}] {query!r}: top hit {hits[0].doc_id if hits else '-'}")
    off_tallies: dict[tuple[str, str], dict[str, int]] = {}
    for item in offtopic:
        for lang in LANGUAGES:
            hits = run(getattr(item, lang))[:TOP]
            kept = [h for h, s in zip(hits, shown_of(hits)) if s]
            for key in ((lang, item.split), (lang, "all")):
                o = off_tallies.setdefault(key, {"n": 0, "refused": 0, "hits": 0, "kept": 0})
                o["n"] += 1
                o["refused"] += not kept
                o["hits"] += len(hits)
                o["kept"] += len(kept)
    out: dict = {"languages": {}, "misses": misses}
    for lang, split in sorted(set(tallies) | set(off_tallies)):
        entry = tallies.get((lang, split), _Tally()).to_json()
        o = off_tallies.get((lang, split))
        if o:
            entry["offtopic_queries"] = {
                "n": o["n"],
                "no_hits": round(o["refused"] / o["n"], 4),
                "hits_above_floor@5": round(o["kept"] / o["hits"], 4) if o["hits"] else None,
            }
        out["languages"].setdefault(lang, {})[split] = entry
    return out


def build_library_index(
    index_dir: Path, encoder, folders: list[Path], show_progress: bool = False, rebuild: bool = False
) -> tuple[Index, list[str]]:
    """Ingest (incrementally) the mixed library into `index_dir`; the open index and warnings."""
    from scan.ingest import ingest

    report = ingest(folders, index_dir, encoder, show_progress=show_progress, rebuild=rebuild)
    notes = [f"{path}: skipped ({reason})" for path, reason in report.skipped]
    return Index.open(index_dir), notes


def run_mixed_eval(
    index_dir: Path,
    encoder,
    queries: Path,
    libraries: list[Path] | None = None,
    pdfs: Path | None = None,
    show_progress: bool = False,
    rebuild: bool = False,
) -> dict:
    """Build (or update) the mixed-library index and evaluate the default search on it."""
    from scan import relevance
    from scan.search import search
    from scan.shown import in_shown_order

    needs, off = load_mixed(queries)
    if libraries:
        folders, present = list(libraries), False
        missing = [f for f in folders if not f.exists()]
        if missing:
            raise ScanError(f"{missing[0]}: no such folder", "give existing folders with --library")
    else:
        folders, present = library_folders(pdfs if pdfs is not None else default_pdfs())
    index, notes = build_library_index(index_dir, encoder, folders, show_progress, rebuild)
    try:
        result = evaluate_mixed(
            index,
            lambda q: in_shown_order(search(index, encoder, q, k=TOP)),  # as the CLI shows a 5-hit search
            needs,
            off,
            relevance.FLOOR,
            relevance.GAP,
        )
    finally:
        index.close()
    result["library"] = [str(f) for f in folders]
    result["shared_pdfs"] = present
    result["index"] = str(index_dir)
    result["notes"] = notes
    return result


def format_mixed(result: dict) -> list[str]:
    """The figures as lines of text, one per language and split."""

    def pct(v) -> str:
        return "  -  " if v is None else f"{100 * v:5.1f}"

    lines = [
        "                 top 5 (%)                                              answers above the floor (%)",
        "lang split   n  off-topic table chapter@1 chapter@5 doc@5 answer@1 answer@5 | answered per query off-topic %",
    ]
    for lang, splits in result["languages"].items():
        for split, m in splits.items():
            per_query = "  -  " if m["answers_per_query"] is None else f"{5 * m['answers_per_query'] / 5:5.2f}"
            lines.append(
                f"{lang:4s} {split:5s} {m['n']:3d}  {pct(m['offtopic@5'])}   {pct(m['table@5'])} {pct(m['chapter@1'])}"
                f"     {pct(m['chapter@5'])}    {pct(m['doc@5'])} {pct(m['answer@1'])}    {pct(m['answer@5'])}   "
                f"| {pct(m['above_floor'])}    {per_query}     {pct(m['offtopic_answers'])}"
            )
    lines.append("off-topic queries (nothing in the library answers them):")
    lines.append("lang split   n  no answer (%)  top-5 hits above the floor (%)")
    for lang, splits in result["languages"].items():
        for split, m in splits.items():
            o = m.get("offtopic_queries")
            if o:
                lines.append(
                    f"{lang:4s} {split:5s} {o['n']:3d}  {pct(o['no_hits'])}          {pct(o['hits_above_floor@5'])}"
                )
    return lines
