"""Training texts of the trend model beyond the analysis: what makes it hold outside Alingsås.

- corpus/trends/training.toml: the ten trends described in English, and short texts the scan
  team wrote in Swedish and English (trend texts in the register of municipalities, regions and
  agencies; municipal-sounding texts that are no trend);
- the `dev` half of eval/classify_external.toml: texts of other publishers (short excerpts with
  their source named, and team-written texts), labelled with the trend ids of SKR's "Vägval för
  framtiden 4". Its `test` half never trains the model; `scan eval classify` measures the dev
  half by cross-validation over publishers (a publisher's texts are never in training and test
  at once).

Both are labelled with the trends of one taxonomy (`taxonomy` in training.toml; the external set
is labelled with Vägval för framtiden 4), so they train the model only when the taxonomy in use
has that name: another taxonomy learns from its own analysis, descriptions and the background.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from scan.errors import ScanError
from scan.taxonomy import Taxonomy

DEFAULT_TRAINING = "corpus/trends/training.toml"
EXTERNAL = "eval/classify_external.toml"
EXTERNAL_TAXONOMY = "Vägval för framtiden 4"
WRITTEN = 4  # TrainingSet group of a text of training.toml
EXTERNAL_DEV = 5  # TrainingSet group of a text of the external set's dev half


@dataclass(frozen=True)
class ExtraText:
    text: str
    label: int  # 0 = no trend
    group: int  # WRITTEN or EXTERNAL_DEV
    fold: str  # texts with the same fold key stay together in cross-validation (a publisher)
    labels: tuple[int, ...] = ()  # every label (the main one first) where the text has several


def load_written(taxonomy: Taxonomy, path: Path | None = None) -> list[ExtraText]:
    from scan.config import project_file

    path = path or project_file(DEFAULT_TRAINING)
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("taxonomy") != taxonomy.name:
            return []
        texts = [(str(t["text"]), int(t["label"])) for t in data["text"]]
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ScanError(
            f"{path}: needs taxonomy and [[text]] entries with text and label ({exc})", "fix the file"
        ) from None
    valid = {0, *(t.id for t in taxonomy.trends)}
    return [ExtraText(text, label, WRITTEN, f"written-{i}") for i, (text, label) in enumerate(texts) if label in valid]


def load_external_dev(taxonomy: Taxonomy, path: Path | None = None) -> list[ExtraText]:
    from scan.classify_eval import load_set
    from scan.config import project_file

    path = path or project_file(EXTERNAL)
    if taxonomy.name != EXTERNAL_TAXONOMY or not path.exists():
        return []
    valid = {0, *(t.id for t in taxonomy.trends)}
    return [
        ExtraText(t.text, t.label, EXTERNAL_DEV, f"publisher-{t.publisher}", t.labels)
        for t in load_set(path).half("dev")
        if t.label in valid
    ]


def fingerprint(taxonomy: Taxonomy) -> str:
    """A hash of the files load_extra reads for this taxonomy (cheap: no parsing), for the model key."""
    import hashlib

    from scan.config import project_file

    h = hashlib.sha256(taxonomy.name.encode())
    for name in (DEFAULT_TRAINING, EXTERNAL):
        path = project_file(name)
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()


def load_extra(taxonomy: Taxonomy) -> list[ExtraText]:
    """Every further training text for this taxonomy (none for a taxonomy they are not labelled with)."""
    return load_written(taxonomy) + load_external_dev(taxonomy)
