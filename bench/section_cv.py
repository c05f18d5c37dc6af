"""Section evidence as a 6th (and 7th) feature of the relevance model, cross-validated by need on the dev
half as bench/mixed_cv.py does (issue 9, item 2; README "Section evidence: tried, not shipped").

The features are computed from the rated pool that search has at hand (at most RATE_POOL candidates),
with each candidate's section read from the index: `top` = its document and first heading (a chapter
of the analysis, a whole short English document), `path` = its full heading path.

- `secN:G`: the mean of the query's centred cosines of the N best pool candidates of the candidate's
  section (itself included), a missing one counted as the pool's lowest: a section with several
  close passages scores higher than one close passage alone;
- `secshare:G`: the share of the pool in the candidate's section.

    python bench/section_cv.py --setup mixed=/tmp/ix/mixed --setup probe=/tmp/ix/probe \
        --setup one=/tmp/ix/one --cache /tmp/section-cv.pkl --variant base,sec2:top,sec2:path,secshare:top
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import mixed_cv  # noqa: E402

_sections: dict[str, dict[int, tuple]] = {}  # setup -> passage id -> (doc id, heading path)


def _load_sections() -> None:
    for arg in [a for i, a in enumerate(sys.argv) if i and sys.argv[i - 1] == "--setup"]:
        name, path = arg.split("=", 1)
        db = sqlite3.connect(next(Path(path).glob("gen-*/store.sqlite")).as_uri() + "?mode=ro", uri=True)
        rows = db.execute("SELECT id, doc_id, heading FROM passages").fetchall()
        _sections[name] = {int(r[0]): (r[1], tuple(json.loads(r[2]))) for r in rows}
        db.close()


def _keys(q: mixed_cv.Query, kind: str) -> list[tuple]:
    depth = 1 if kind == "top" else 99
    of = _sections[q.setup]
    return [(of[pid][0], of[pid][1][:depth]) for pid in q.ids]


def section_best(q: mixed_cv.Query, kind: str, n: int) -> np.ndarray:
    closeness = q.units @ q.query_unit
    keys = _keys(q, kind)
    low = float(closeness.min())
    out = np.zeros(len(q.ids))
    for i, key in enumerate(keys):
        mine = sorted((closeness[j] for j, k in enumerate(keys) if k == key), reverse=True)[:n]
        out[i] = float(np.mean(mine + [low] * (n - len(mine))))
    return out[:, None]


def section_share(q: mixed_cv.Query, kind: str) -> np.ndarray:
    keys = _keys(q, kind)
    return np.array([[keys.count(k) / len(keys)] for k in keys])


mixed_cv.VARIANTS.update(
    {
        "sec2:top": [lambda q: section_best(q, "top", 2)],
        "sec3:top": [lambda q: section_best(q, "top", 3)],
        "sec2:path": [lambda q: section_best(q, "path", 2)],
        "secshare:top": [lambda q: section_share(q, "top")],
        "sec2:top+secshare:top": [lambda q: section_best(q, "top", 2), lambda q: section_share(q, "top")],
    }
)

if __name__ == "__main__":
    _load_sections()
    mixed_cv.main()
