"""Benchmark of the library overview: what it costs, cold and cached, against the ingest it follows.

    python bench/overview.py [--model hash] [--pdfs DIR]   # prints a table, writes bench/results/overview.json

Ingests the shipped corpus and the PDFs of ../shared/pdfs (when present) into a temporary index
with the default encoder (the baseline: the ingest), trains the trend model, then times
- the first overview (every document classified from the vectors the index holds),
- a cached overview (the median of 5: nothing classified),
- after one new document is ingested, the overview that classifies only that one,
- classifying the same documents from their files with `classify_document` (split and embed
  again): what the overview would cost without the stored vectors.
Figures are ratios to the ingest measured in the same run (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT  # noqa: E402


def main() -> None:
    from scan.classify import classify_document
    from scan.embed import load_encoder
    from scan.ingest import ingest
    from scan.overview import library_overview
    from scan.parse import read_document
    from scan.store import Index
    from scan.taxonomy import load_taxonomy
    from scan.trends import load_or_train

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help="encoder (default: the bundled e5; 'hash' for a quick run)")
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "pdfs")
    args = parser.parse_args()
    encoder = load_encoder(args.model) if args.model else load_encoder()
    work = Path(tempfile.mkdtemp(prefix="scan-bench-overview-"))
    try:
        library = work / "pdfs"
        library.mkdir()
        if args.pdfs.is_dir():
            for pdf in sorted(args.pdfs.glob("*.pdf")):
                shutil.copy(pdf, library / pdf.name)
        start = time.perf_counter()
        ingest([ROOT / "corpus", library], work / "idx", encoder)
        ingest_s = time.perf_counter() - start
        index = Index.open(work / "idx")
        taxonomy = load_taxonomy()
        start = time.perf_counter()
        model = load_or_train(index, encoder, taxonomy)
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        first = library_overview(index, model, taxonomy)
        cold_s = time.perf_counter() - start
        warm = []
        for _ in range(5):
            start = time.perf_counter()
            again = library_overview(index, model, taxonomy)
            warm.append(time.perf_counter() - start)
            assert again.classified == 0
        docs = index.documents()
        files = [Path(d.path) for d in docs]
        start = time.perf_counter()
        for path in files:
            classify_document(read_document(path), model, encoder, taxonomy)
        from_files_s = time.perf_counter() - start
        index.close()
        (library / "ny-rapport.md").write_text(
            "# Ny rapport\n\nKommunen måste rekrytera fler lärare.\n", encoding="utf-8"
        )
        ingest([ROOT / "corpus", library], work / "idx", encoder)
        index = Index.open(work / "idx")
        start = time.perf_counter()
        one = library_overview(index, model, taxonomy)
        one_s = time.perf_counter() - start
        index.close()
        r = {
            "encoder": encoder.name,
            "documents": len(docs),
            "passages": sum(d.passages for d in docs),
            "ingest_s": round(ingest_s, 3),
            "train_s": round(train_s, 3),
            "overview_cold_s": round(cold_s, 4),
            "overview_cached_s": round(statistics.median(warm), 6),
            "overview_one_new_s": round(one_s, 6),
            "one_new_classified": one.classified,
            "classify_from_files_s": round(from_files_s, 3),
            "cold_vs_ingest": round(cold_s / ingest_s, 4),
            "cached_vs_cold": round(statistics.median(warm) / cold_s, 4),
            "from_files_vs_cold": round(from_files_s / cold_s, 1),
            "first_classified": first.classified,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| measure | value |\n|---|---|")
    for k, v in r.items():
        print(f"| {k} | {v} |")
    out = ROOT / "bench" / "results" / "overview.json"
    out.write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
