"""PDF extraction: speed with and without scan's clean-up, and quality as the share of words that
are dictionary words, on the real PDFs in ../shared/pdfs.

    python bench/pdf.py          # prints a Markdown table, writes bench/results/pdf.json

Baseline (same run): pypdf's raw `extract_text()` per page. Quality: the share of alphabetic
tokens (two letters or more, lower-cased) found in spaCy's lookup tables of word forms (Swedish
for the Swedish PDFs, English for the English ones: 660,000 and 185,000 forms). A word cut at a
line break ("kommun-", "ens") or glued to the next is not in the dictionary; the re-joined word is.
Also counted, with whitespace folded in both texts: "word- word" where the second part is no
conjunction ("vård- och omsorg" is a real hyphen), i.e. words still split by a hyphen.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PDFS = ROOT.parent / "shared" / "pdfs"
WORD = re.compile(r"[^\W\d_]{2,}")
SPLIT = re.compile(r"[^\W\d_]{3,}- (?!och\b|o\b|eller\b|samt\b|som\b|till\b|and\b|or\b)[a-zåäö]")


def dictionary(lang: str) -> set[str]:
    """Every word form (and lemma) in spacy-lookups-data's lemma table for the language."""
    import gzip
    from importlib.resources import files

    raw = files("spacy_lookups_data").joinpath(f"data/{lang}_lemma_lookup.json.gz").read_bytes()
    table = json.loads(gzip.decompress(raw))
    return {k.lower() for k in table} | {v.lower() for v in table.values()}


def share_known(text: str, words: set[str]) -> tuple[float, int]:
    tokens = [t.lower() for t in WORD.findall(text)]
    return (sum(t in words for t in tokens) / len(tokens) if tokens else 0.0), len(tokens)


def main() -> None:
    from pypdf import PdfReader

    from scan.parse.pdf import read_pdf

    if not (PDFS / "manifest.json").exists():
        sys.exit(f"{PDFS} is not here")
    manifest = json.loads((PDFS / "manifest.json").read_text())
    dictionaries = {"sv": dictionary("sv"), "en": dictionary("en")}
    rows, total_pages, raw_s, clean_s = [], 0, 0.0, 0.0
    for entry in manifest:
        data = (PDFS / entry["file"]).read_bytes()
        raw_times, clean_times = [], []
        for _ in range(3):  # alternate, and take each one's best: the machine is shared and noisy
            start = time.perf_counter()
            raw = "\n".join(page.extract_text() or "" for page in PdfReader(PDFS / entry["file"]).pages)
            raw_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            clean = read_pdf(PDFS / entry["file"], data).text
            clean_times.append(time.perf_counter() - start)
        raw_s += min(raw_times)
        clean_s += min(clean_times)
        total_pages += entry["pages"]
        words = dictionaries[entry["language"]]
        before, n_before = share_known(raw, words)
        after, n_after = share_known(clean, words)
        rows.append(
            {
                "file": entry["file"],
                "pages": entry["pages"],
                "language": entry["language"],
                "known_before": round(before, 4),
                "known_after": round(after, 4),
                "tokens_before": n_before,
                "tokens_after": n_after,
                "split_words_before": len(SPLIT.findall(" ".join(raw.split()))),
                "split_words_after": len(SPLIT.findall(" ".join(clean.split()))),
            }
        )
    results = {
        "pages": total_pages,
        "raw_pages_per_s": round(total_pages / raw_s, 1),
        "clean_pages_per_s": round(total_pages / clean_s, 1),
        "documents": rows,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pdf.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"| extraction of {total_pages} pages | pages/s |\n|---|---|")
    print(f"| pypdf raw (baseline) | {results['raw_pages_per_s']} |")
    print(
        f"| scan (raw + clean-up, headings, report) | {results['clean_pages_per_s']} "
        f"({results['raw_pages_per_s'] / results['clean_pages_per_s']:.2f}× the time) |"
    )
    print("\n| PDF | pages | dictionary words, raw → clean | words split by a line-end hyphen, raw → clean |")
    print("|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['file']} | {r['pages']} | {r['known_before']:.3f} → {r['known_after']:.3f} "
            f"| {r['split_words_before']} → {r['split_words_after']} |"
        )


if __name__ == "__main__":
    main()
