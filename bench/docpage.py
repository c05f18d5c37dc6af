"""How quickly the web's document page (`/dokument/<id>`) answers for a long document.

    python bench/docpage.py                # a 300-chapter report (~1.2 MB of text), hash encoder
    python bench/docpage.py --chapters 600

Builds a Markdown report of `--chapters` chapters of 10 paragraphs each, ingests it with the hash
encoder into a temporary index, and times in this process (FastAPI's TestClient, no network):

- `doc`: the document page with the last passage marked (the whole text, headings, page markers,
  one anchor per passage);
- `show`: `scan show ID --full`'s layout of the same text (scan.docview, no HTML);
- `search`: a hybrid search on the same index (a baseline: what a user already waits for; its words are
  not in the report, since a query whose words are in every one of its passages makes keyword search slow);
- `sources`: the Källor page (a baseline: a page that reads only the document list).

Prints the median of `--repeat` runs of each and the ratios doc/search and doc/sources; writes
bench/results/docpage.json. Compare ratios, not seconds: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def report(chapters: int) -> str:
    parts = ["# Lång rapport"]
    for c in range(chapters):
        parts.append(f"## Kapitel {c}: omställning och kompetens")
        for i in range(10):
            parts.append(
                f"Stycke {c}.{i}. Kommunen arbetar med klimatanpassning, kompetensförsörjning och digitalisering. "
                f"Förvaltningen följer upp målen varje år och rapporterar till nämnden i avsnitt {c}. "
                "Invånarna ska få service av god kvalitet även när resurserna är knappa."
            )
    return "\n\n".join(parts) + "\n"


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from fastapi.testclient import TestClient

    from scan import docview
    from scan.embed import HashEncoder
    from scan.ingest import ingest
    from scan.store import Index
    from scan.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "lang"
        folder.mkdir()
        text = report(args.chapters)
        (folder / "lang.md").write_text(text, encoding="utf-8")
        ingest([folder], Path(tmp) / "idx", HashEncoder(256))
        index = Index.open(Path(tmp) / "idx")
        passages = index.document("lang.md").passages
        app = create_app(Path(tmp) / "idx", ROOT / "tests" / "fixtures" / "mini-trends.toml")
        try:
            client = TestClient(app)
            doc_url = f"/dokument/lang.md?passage={passages - 1}"
            size = len(client.get(doc_url).content)
            search = lambda: client.get("/sok", params={"q": "hur påverkar distansarbete rekryteringen"})  # noqa: E731
            search()  # warm: the first search reads the index's arrays
            doc = median_seconds(lambda: client.get(doc_url), args.repeat)
            base = median_seconds(search, args.repeat)
            sources = median_seconds(lambda: client.get("/kallor"), args.repeat)
            show = median_seconds(lambda: docview.as_text(docview.layout(index, "lang.md")), args.repeat)
        finally:
            app.state.jobs.close()
            index.close()
    result = {
        "chapters": args.chapters,
        "text_chars": len(text),
        "passages": passages,
        "page_bytes": size,
        "doc_s": round(doc, 4),
        "show_layout_s": round(show, 4),
        "search_s": round(base, 4),
        "sources_s": round(sources, 4),
        "doc_over_search": round(doc / base, 2),
        "doc_over_sources": round(doc / sources, 1),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "docpage.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
