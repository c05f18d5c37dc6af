"""Settings: CLI option > environment variable > default. The ones that shape an index are
recorded in its manifest."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from scan.embed import DEFAULT_MODEL
from scan.split import SplitSettings


def default_index_dir() -> Path:
    return Path(os.environ.get("SCAN_INDEX", "index"))


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(default_factory=default_index_dir)
    model: str = field(default_factory=lambda: os.environ.get("SCAN_MODEL", DEFAULT_MODEL))
    cache_dir: Path | None = None
    batch_size: int = 32
    split: SplitSettings = SplitSettings()
