"""Swedish-aware keyword analysis: lower-case word tokens reduced by the Snowball Swedish stemmer.

"verksamheterna" and "verksamheter" both become "verksam", so a keyword query matches inflected
forms. spaCy's lookup lemmatizer was considered, but loading its 660,000-entry table costs about
three seconds in every process that analyses a query; the stemmer loads in milliseconds.
"""

from __future__ import annotations

import re
from functools import lru_cache

ANALYZER = "snowball-swedish-v1"
# Function words, never worth highlighting (BM25 already gives them little weight in ranking).
STOP_WORDS = frozenset(
    "och att det som en på är av för med till den har de inte om ett i vi kan eller sig ska från men även samt "
    "genom också så än där vid när hur vad vilken vilka detta dessa denna sin sina deras man the and of to in is "
    "for on are be by".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("swedish")


def analyze(text: str) -> list[str]:
    """Text -> stemmed terms, in order.

    >>> analyze("Verksamheterna rekryterar undersköterskor")
    ['verksam', 'rekryter', 'underskötersk']
    """
    return stems([w for w in _WORD.findall(text) if not w.isdigit() or len(w) == 4])


def stems(words: list[str]) -> list[str]:
    """The stem of each word (lower-cased), one for one."""
    return _stemmer().stemWords([w.lower() for w in words])


@lru_cache(maxsize=1)
def stop_stems() -> frozenset[str]:
    return frozenset(stems(sorted(STOP_WORDS)))
