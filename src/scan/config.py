"""Where the project's own files are found (corpus/, eval/)."""

from __future__ import annotations

from pathlib import Path


def project_file(relative: str) -> Path:
    """A file of the project (corpus/, eval/): from the current folder if it is there, else from the
    checkout that this scan runs from."""
    here = Path(relative)
    if here.exists():
        return here
    checkout = Path(__file__).resolve().parents[2] / relative
    return checkout if checkout.exists() else here
