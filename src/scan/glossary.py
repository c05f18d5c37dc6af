"""English query words -> Swedish keywords, so that an English question can reach a Swedish passage
by keyword as well as by meaning (issue 9, item 2).

The encoder's cross-lingual signal is weak: an English query's centred cosines to the Swedish
passages of the analysis lie within a few hundredths of each other, and BM25 cannot help by itself
because an English query shares no words with Swedish text. The shipped glossary
(`data/glossary_en_sv.tsv`, written from the analysis's own vocabulary and the SKR trend names, not
from the evaluation queries: see its header) maps English words and two-word phrases, matched on
English Snowball stems, to Swedish words; search adds a keyword search for those Swedish words to
English queries (scan.search, hybrid mode), weighted by WEIGHT.

Nothing here touches a Swedish query, and an English query without a glossary word is searched as
before. The file is read once per process, on the first English query (no import on the query path
beyond PyStemmer, which keyword search already loads).
"""

from __future__ import annotations

import re
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np

GLOSSARY = Path(__file__).with_name("data") / "glossary_en_sv.tsv"
WEIGHT = 0.03  # keyword weight of the glossary's Swedish words for English queries: the largest of 0.02-0.1 that cost
# no English chapter@5 on the dev half in any of three libraries (README, "An English question, Swedish keywords")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


@lru_cache(maxsize=1)
def _english():
    import Stemmer

    return Stemmer.Stemmer("english")


def _stems(text: str) -> list[str]:
    return _english().stemWords(_WORD.findall(text.lower()))


@lru_cache(maxsize=4)
def load(path: Path = GLOSSARY) -> dict[tuple[str, ...], tuple[str, ...]]:
    """(English stems of an entry) -> its Swedish words, from a tab-separated glossary file."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        english, _, swedish = line.partition("\t")
        key = tuple(_stems(english))
        words = tuple(swedish.split())
        if not key or not words or len(key) > 2:
            raise ValueError(f"{path}:{number}: expected 'english<TAB>swedish words' (one or two English words)")
        table[key] = tuple(dict.fromkeys(table.get(key, ()) + words))
    return table


def entries(query: str, path: Path = GLOSSARY) -> list[tuple[str, tuple[str, ...]]]:
    """The glossary entries an English query contains, in query order: (the query's own words of
    the entry, the entry's Swedish words). A two-word entry ("remote work") is matched before its
    single words; its words are then not matched again on their own."""
    table = load(path)
    words = _WORD.findall(query.lower())
    stems = _english().stemWords(words)
    out: list[tuple[str, tuple[str, ...]]] = []
    i = 0
    while i < len(stems):
        pair = tuple(stems[i : i + 2])
        if len(pair) == 2 and pair in table:
            out.append((" ".join(words[i : i + 2]), table[pair]))
            i += 2
            continue
        if (stems[i],) in table:
            out.append((words[i], table[(stems[i],)]))
        i += 1
    return out


def expand(query: str, path: Path = GLOSSARY) -> list[str]:
    """The Swedish words the glossary gives for an English query, in query order, each once.

    >>> expand("How does remote work affect recruitment?")  # doctest: +SKIP
    ['distansarbete', 'distans', 'rekrytera', 'rekrytering', 'rekryteringstryck']
    """
    return list(dict.fromkeys(w for _, swedish in entries(query, path) for w in swedish))


_swedish: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def swedish_ids(index) -> np.ndarray:
    """The ids of the index's Swedish passages, read once per opened index."""
    ids = _swedish.get(index)
    if ids is None:
        all_ids, languages = index.passage_languages()
        ids = all_ids[np.array([lang == "sv" for lang in languages], dtype=bool)]
        _swedish[index] = ids
    return ids


def bonus(index, query: str, language: str, k: int, allowed=None, weight: float | None = None) -> dict[int, float]:
    """Passage id -> the keyword bonus of the glossary's Swedish words for an English query
    (`weight` x BM25 / the best BM25 of those words; default WEIGHT); empty for any other query, a
    query without glossary words, or a zero weight."""
    weight = WEIGHT if weight is None else weight
    if language != "en" or weight <= 0:
        return {}
    found_entries = entries(query)
    if not found_entries:
        return {}
    swedish = swedish_ids(index)
    # an English word that Swedish passages contain themselves (a name, an English term quoted in the
    # text: "Municipal", "digital") keeps its own keyword match and is not translated
    words = [w for english, sv in found_entries if not index.keyword(english, 1, swedish) for w in sv]
    if not words:
        return {}
    found = index.keyword(" ".join(dict.fromkeys(words)), k, allowed)
    top = max((s for _, s in found), default=1.0) or 1.0
    return {pid: weight * s / top for pid, s in found}
