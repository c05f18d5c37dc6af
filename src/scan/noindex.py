"""The error for an `--index` folder that holds no index, with the fix that fits the folder.

A strategist who types the wrong folder is told where the index is when it lies one level down
(`--index arbete` for `arbete/index`), and is never told to ingest into a folder of documents,
which ingest refuses (scan.generations).
"""

from __future__ import annotations

from pathlib import Path

from scan.errors import ScanError

POINTER = "CURRENT"


def older_format(root: Path) -> bool:
    """Whether `root` holds an index of scan's first format (its files at the top, no CURRENT).

    A `manifest.json` alone is not enough: folders of documents have their own (`../shared/pdfs`
    lists its PDFs in one, a JSON list); scan's manifest was always a JSON object.
    """
    import json

    if (root / "index.faiss").is_file() or (root / "store.sqlite").is_file():
        return True
    try:
        with open(root / "manifest.json", "rb") as f:
            return isinstance(json.loads(f.read(1 << 20)), dict)
    except (OSError, ValueError):
        return False


def no_index(root: Path) -> ScanError:
    """`no index at ROOT` and a fix: build one, or the index folders below ROOT, or another folder."""
    build = f"build one first: scan ingest corpus/ --index {root}"
    try:
        entries = sorted(e for e in root.iterdir() if not e.name.startswith("."))
    except OSError:  # missing, or not readable: the plain message
        return ScanError(f"no index at {root}", build)
    below = [e for e in entries if e.is_dir() and (e / POINTER).is_file()]
    if below:
        named = " or ".join(f"--index {e}" for e in below[:3])
        return ScanError(f"no index at {root}, but in a folder inside it", f"use {named}")
    if entries:
        shown = ", ".join(e.name for e in entries[:3]) + (" …" if len(entries) > 3 else "")
        return ScanError(
            f"no index at {root}: the folder holds other files ({shown})",
            f"give --index the folder you ingested into, or build a new index: scan ingest corpus/ --index {root / 'index'}",
        )
    return ScanError(f"no index at {root}", build)
