"""A Swedish query vector for an English query (issue 9, item 2): measured, OFF by default.

An English query scores the Swedish passages of a library cross-lingually, where this encoder is
blunt: its centred cosines to the chapters of a Swedish analysis lie within a few hundredths of
each other, and an English passage on a neighbouring theme often comes closer than the Swedish
chapter that answers (README, "Mixed library"). The idea measured here is to give the encoder a
Swedish version of the query, so that the Swedish passages are scored Swedish-to-Swedish:

- `glossary`: a Swedish pseudo-query made of the glossary's Swedish words for the query's English
  words (scan.glossary; the first Swedish word of each entry), encoded as a query;
  `glossary-all`: every Swedish word of each entry; `glossary+rest`: the first Swedish word of
  each entry plus the query's own words that the glossary does not translate (names, terms);
- `map`: the English query vector moved by a map fitted on parallel text that is not evaluation
  data (the glossary's pairs and the taxonomy's English and Swedish trend names): see `fit_map`.

A Swedish passage's score is then `ALPHA * swedish + (1 - ALPHA) * english` (COMBINE "mix") or
the larger of the two (COMBINE "max"); English passages keep the English vector's score, and
Swedish queries are not touched (scan.crosslingual.dense_candidates). The relevance model
(scan.relevance) still rates every hit with the English query vector: its `cross` feature was
fitted on cross-lingual cosines.

The dev half of eval/mixed.toml decided that none of these is shipped (README, "A Swedish query
vector for an English query"; `python bench/dual_query.py`): SOURCE stays "" and nothing here runs
in search unless a caller (the bench) sets it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SOURCES: tuple[str, ...] = ("", "glossary", "glossary-all", "glossary+rest", "map")
SOURCE = ""  # "": off (as shipped)
ALPHA = 0.5  # share of the Swedish vector's score in a Swedish passage's score (COMBINE "mix")
COMBINE = "mix"  # "mix" or "max"
MAP: Callable[[np.ndarray], np.ndarray] | None = None  # the English -> Swedish map (SOURCE "map"; fit_map)

_STOP = frozenset(
    "a an and are as at be by can do does for from has have how in is it its of on or our that the their "
    "there these this to was we what when where which who why will with without".split()
)


def pseudo_query(query: str, mode: str = "glossary") -> str:
    """The Swedish pseudo-query for an English query ("" when the glossary knows none of its words).

    >>> pseudo_query("How does remote work affect recruitment?")  # doctest: +SKIP
    'distansarbete rekrytera'
    """
    from scan import glossary

    found = glossary.entries(query)
    if not found:
        return ""
    if mode == "glossary-all":
        return " ".join(dict.fromkeys(w for _, swedish in found for w in swedish))
    words = [swedish[0] for _, swedish in found]
    if mode == "glossary+rest":
        covered = {w for english, _ in found for w in english.split()}
        rest = [w for w in glossary._WORD.findall(query.lower()) if w not in covered and w not in _STOP]
        words += rest
    return " ".join(dict.fromkeys(words))


def swedish_vector(encoder, query: str, query_vector: np.ndarray, source: str | None = None) -> np.ndarray | None:
    """The Swedish vector for an English query by `source` (default SOURCE), or None (off, or
    nothing to translate)."""
    source = SOURCE if source is None else source
    if not source or encoder is None:
        return None
    if source == "map":
        return None if MAP is None else np.asarray(MAP(np.asarray(query_vector, dtype=np.float32)), dtype=np.float32)
    text = pseudo_query(query, source)
    if not text:
        return None
    return np.asarray(encoder.encode_queries([text])[0], dtype=np.float32)


def combine(english: np.ndarray, swedish: np.ndarray, alpha: float | None = None, how: str | None = None) -> np.ndarray:
    """A Swedish passage's score from its English-vector and Swedish-vector scores."""
    alpha = ALPHA if alpha is None else alpha
    how = COMBINE if how is None else how
    if how == "max":
        return np.maximum(english, swedish)
    return alpha * swedish + (1.0 - alpha) * english


def parallel_pairs() -> list[tuple[str, str]]:
    """(English, Swedish) pairs that are not evaluation data: each glossary line (its English side,
    its first Swedish word) and each trend of the default taxonomy (English name, Swedish name)."""
    from scan import glossary

    pairs: list[tuple[str, str]] = []
    for line in glossary.GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, _, swedish = line.partition("\t")
            if swedish.split():
                pairs.append((english.strip(), swedish.split()[0]))
    try:
        from scan.taxonomy import load_taxonomy

        pairs += [(t.name_en, t.name) for t in load_taxonomy().trends if t.name_en != t.name]
    except Exception:  # no taxonomy file at hand: the glossary alone
        pass
    return pairs


def fit_map(encoder, kind: str = "procrustes", shrink: float = 0.5) -> Callable[[np.ndarray], np.ndarray]:
    """An English -> Swedish map in the encoder's query space, fitted on `parallel_pairs` (both
    sides encoded as queries). `shift`: add the mean difference (Swedish - English). `procrustes`:
    the orthogonal R that best turns the centred English vectors into the centred Swedish ones,
    shrunk toward the identity, W = (1 - shrink) I + shrink R; a vector v maps to
    (v - mean_en) W + mean_sv."""
    pairs = parallel_pairs()
    english = np.asarray(encoder.encode_queries([e for e, _ in pairs]), dtype=np.float64)
    swedish = np.asarray(encoder.encode_queries([s for _, s in pairs]), dtype=np.float64)
    mean_en, mean_sv = english.mean(axis=0), swedish.mean(axis=0)
    if kind == "shift":
        delta = (mean_sv - mean_en).astype(np.float32)
        return lambda v: v + delta
    if kind != "procrustes":
        raise ValueError(f"unknown map {kind!r}")
    u, _, vt = np.linalg.svd((english - mean_en).T @ (swedish - mean_sv))
    rotation = u @ vt
    w = ((1.0 - shrink) * np.eye(len(rotation)) + shrink * rotation).astype(np.float32)
    m_en, m_sv = mean_en.astype(np.float32), mean_sv.astype(np.float32)
    return lambda v: (v - m_en) @ w + m_sv
