"""Correcting metadata costs a fraction of an ingest: a changed sources.toml is applied without
embedding again.

    python bench/metadata.py                      # the analysis + ../shared/pdfs, default encoder
    python bench/metadata.py --model hash         # parse + store only (quick)

In one run: (1) ingest the library into a fresh index (the baseline: parse, split, embed, store);
(2) write a sources.toml giving every PDF a title, publisher and year, and ingest again (the
metadata update); (3) ingest once more with nothing changed. Reports seconds and the ratio of
each to the baseline, and checks that (2) embedded nothing and that a publisher filter then finds
the PDFs. Writes bench/results/metadata.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "pdfs")
    parser.add_argument("--model", default=None, help="encoder (default: the bundled e5; 'hash' for a quick run)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from scan.embed import load_encoder
    from scan.ingest import ingest
    from scan.search import search
    from scan.store import Index
    from scan.types import Filters

    work = Path(tempfile.mkdtemp(prefix="scan-bench-metadata-"))
    try:
        lib = work / "lib"
        lib.mkdir()
        shutil.copy(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md", lib)
        pdfs = sorted(args.pdfs.glob("*.pdf")) if args.pdfs.is_dir() else []
        for pdf in pdfs:
            shutil.copy(pdf, lib)
        encoder = load_encoder(args.model) if args.model else load_encoder()
        idx = work / "idx"

        start = time.perf_counter()
        first = ingest([lib], idx, encoder)
        full = time.perf_counter() - start

        entries = [
            f'[documents."{p.name}"]\ntitle = "Rättad titel {i}"\npublisher = "Bänkkommun {i}"\nyear = {2000 + i}\n'
            for i, p in enumerate(pdfs)
        ]
        (lib / "sources.toml").write_text("\n".join(entries), encoding="utf-8")
        start = time.perf_counter()
        update = ingest([lib], idx, encoder)
        corrected = time.perf_counter() - start

        start = time.perf_counter()
        again = ingest([lib], idx, encoder)
        unchanged = time.perf_counter() - start

        index = Index.open(idx)
        try:
            found = (
                search(index, encoder, "klimat och energi", k=3, filters=Filters(publisher="Bänkkommun"))
                if pdfs
                else []
            )
        finally:
            index.close()
        result = {
            "documents": len(first.added),
            "passages_embedded_first": first.passages,
            "pdfs": len(pdfs),
            "encoder": encoder.name,
            "seconds": {
                "full_ingest": round(full, 2),
                "metadata_update": round(corrected, 2),
                "no_change": round(unchanged, 2),
            },
            "ratio_to_full_ingest": {
                "metadata_update": round(corrected / full, 4),
                "no_change": round(unchanged / full, 4),
            },
            "metadata_update": {
                "passages_embedded": update.passages,
                "documents_updated": len(update.metadata_updated),
                "publisher_filter_hits": len(found),
            },
            "no_change_updates": len(again.metadata_updated),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = ROOT / "bench" / "results" / "metadata.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
