"""Settings: CLI option > environment variable > default. The ones that shape an index are
recorded in its manifest."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from scan.embed import DEFAULT_MODEL
from scan.split import SplitSettings


def project_file(relative: str) -> Path:
    """A file of the project (corpus/, eval/): from the current folder if it is there, else from the
    checkout that this scan runs from."""
    here = Path(relative)
    if here.exists():
        return here
    checkout = Path(__file__).resolve().parents[2] / relative
    return checkout if checkout.exists() else here


def default_index_dir() -> Path:
    return Path(os.environ.get("SCAN_INDEX", "index"))


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(default_factory=default_index_dir)
    model: str = field(default_factory=lambda: os.environ.get("SCAN_MODEL", DEFAULT_MODEL))
    cache_dir: Path | None = None
    batch_size: int = 32
    split: SplitSettings = SplitSettings()
