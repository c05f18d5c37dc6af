"""Bilingual lexicon induction with the encoder as a second keyword bridge for English queries, beside
the shipped glossary (scan.glossary): measured on the mixed-library evaluation, NOT shipped (issue 9,
item 2; README "An English question, Swedish keywords", "Words induced with the encoder").

The method (Conneau et al. 2018, "Word translation without parallel data", reduced to what this
encoder allows): the library's Swedish content words (at least MIN_COUNT occurrences in its Swedish
passages, at least MIN_LENGTH letters, at most MAX_WORDS of the most frequent) are encoded once per
index and encoder (with a progress bar; cached in scan's cache folder, `lexicon/` beside the
converted model, keyed by the encoder and the word list, as scan.reference keeps its vectors); each
language is centred on the mean vector of the words of scan.reference's fixed everyday texts in
that language (on the glossary's single-word entries this removed more of the language identity
than centring on the library's own words); an English word goes to its TOP_M nearest Swedish words
whose centred cosine reaches THRESHOLD (optionally ordered by CSLS, with the reference texts'
English words as the fixed source vocabulary). The English query words translated are its content
words that the library's Swedish passages do not contain themselves and (beside the glossary) that
no glossary entry covers; the Swedish words found get a BM25 bonus on the glossary's scale
(weight x BM25 / the best BM25 of those words). Nothing here was built from the evaluation queries:
the vocabulary is the library's, the centres are scan.reference's, the threshold was read off the
glossary's own entries.

    python bench/lexicon.py --index MIXED --index CORPUS_PDFS --index CORPUS_ALONE
    python bench/lexicon.py --index MIXED --pairs          # induced pairs to judge by hand
    python bench/lexicon.py --index MIXED --show           # what each dev English query gets
    python bench/lexicon.py --index MIXED --latency        # per-query time, ratio

A variant is `base` (the shipped search: glossary at its weight) or `l:W:M:T[:csls]`: the induced
Swedish words of the English query words the glossary lacks (at most M per word, centred cosine at
least T, ordered by CSLS if asked) as a keyword bonus of weight W, added to the glossary's; or
`o:W:M:T[:csls]`: the induced words of ALL the English query's content words INSTEAD of the
glossary (could induction replace the hand-written glossary in a library on other themes?), and
`none`: neither (the glossary off: what `o:` is compared with). Only the
dev half is printed unless `--split test` is given (looked at once, at the end). `--pairs` prints
(a) precision@1/@5 on the glossary's single-word entries (the glossary's Swedish words as the
answer: strict, a synonym it lacks counts as wrong) and (b) the induced pairs of a fixed random
sample of English words from the library's English passages that the glossary lacks, to judge by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import re
import statistics
import time
import weakref
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from scan import evalmixed, glossary, relevance
from scan.keywords import STOP_WORDS, stems
from scan.search import search
from scan.session import open_index

logger = logging.getLogger(__name__)

MIN_COUNT = 2  # a Swedish word must occur this often in the library's Swedish passages
MIN_LENGTH = 4  # letters; shorter words are nearly all function words in both languages
MAX_WORDS = 5000  # the most frequent words kept (the corpus + library: about 1,800 at MIN_COUNT 2)
THRESHOLD = 0.5  # centred cosine an induced pair must reach: on the glossary's single-word entries
# (scan's own data, not the evaluation queries), 0.5 kept 70 % right pairs among the top 3, 0.4 49 %
TOP_M = 2  # Swedish words per English word at most
CSLS_K = 10  # neighbours whose mean similarity CSLS subtracts (Conneau et al. 2018 use 10)

_SV_WORD = re.compile(r"[a-zåäöéü]+(?:-[a-zåäöéü]+)*")
_EN_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
# English function and question words a query is made of, never worth translating
EN_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just may me might more most much must my no nor not now of off
    on once only or other our ours out over own same shall she should so some such than that the their theirs them
    then there these they this those through to too under until up upon very was we were what when where which
    while who whom why will with within without would you your yours across among around many make makes made
    need needs used using use way ways well what whether whose""".split()
)


def content_words(text: str, language: str) -> list[str]:
    """The lower-cased words of `text` worth translating or being a translation, in order."""
    if language == "en":
        return [w for w in _EN_WORD.findall(text.lower()) if len(w) >= MIN_LENGTH and w not in EN_STOP]
    return [w for w in _SV_WORD.findall(text.lower()) if len(w) >= MIN_LENGTH and w not in STOP_WORDS]


def swedish_vocabulary(index) -> list[str]:
    """The library's Swedish content words: at least MIN_COUNT occurrences, the MAX_WORDS most frequent."""
    counts: Counter[str] = Counter()
    for (text,) in index.db.execute("SELECT text FROM passages WHERE language = 'sv'"):
        counts.update(content_words(text, "sv"))
    frequent = [(w, n) for w, n in counts.items() if n >= MIN_COUNT]
    frequent.sort(key=lambda item: (-item[1], item[0]))
    return sorted(w for w, _ in frequent[:MAX_WORDS])


def _digest(words: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(words).encode()).hexdigest()[:16]


def _cache_file(encoder_name: str, words: Sequence[str]) -> Path:
    from scan.embed import default_cache_dir

    ident = hashlib.sha256(encoder_name.encode()).hexdigest()[:16]
    return default_cache_dir() / "lexicon" / f"{ident}-{_digest(words)}.npz"


def _encode(encoder, words: list[str], desc: str, batch: int = 64) -> np.ndarray:
    from scan.progress import Progress

    out = []
    with Progress(len(words), desc, "words") as bar:
        for start in range(0, len(words), batch):
            chunk = words[start : start + batch]
            out.append(np.asarray(encoder.encode_passages(chunk), dtype=np.float32))
            bar.update(len(chunk))
    return np.vstack(out) if out else np.zeros((0, encoder.dimension), dtype=np.float32)


def word_vectors(encoder, words: list[str], desc: str = "Encoding the library's words") -> np.ndarray:
    """The encoder's vectors (as passages) of `words`, computed once per encoder and word list, then cached."""
    path = _cache_file(encoder.name, words)
    try:
        with np.load(path) as stored:
            vectors = stored["vectors"]
        if vectors.shape == (len(words), encoder.dimension):
            return vectors
    except (OSError, KeyError, ValueError):
        pass
    vectors = _encode(encoder, words, desc)
    try:  # the cache is a convenience: a read-only cache folder only costs the encoding again
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, vectors=vectors)
        tmp.replace(path)
    except OSError as exc:
        logger.info("cannot cache the word vectors in %s: %s", path, exc)
    return vectors


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


_centres: dict[str, dict[str, np.ndarray]] = {}


def language_centres(encoder) -> dict[str, np.ndarray]:
    """Language -> the mean vector of the words of scan.reference's texts in that language."""
    found = _centres.get(encoder.name)
    if found is None:
        from scan import reference

        found = {}
        for lang, texts in reference.TEXTS.items():
            words = sorted({w for t in texts for w in content_words(t, lang)})
            found[lang] = word_vectors(encoder, words, "Encoding the reference words").mean(axis=0)
        _centres[encoder.name] = found
    return found


class Lexicon:
    """The library's Swedish words and their centred vectors, for one index and encoder."""

    def __init__(self, words: list[str], vectors: np.ndarray, centres: dict[str, np.ndarray]) -> None:
        self.words = words
        self.centres = centres
        self.matrix = _unit(vectors - centres["sv"]) if len(words) else vectors
        self._hub: np.ndarray | None = None

    def similarities(self, encoder, english: list[str]) -> np.ndarray:
        """Centred cosines of each English word (rows) to each Swedish word (columns)."""
        vectors = np.asarray(encoder.encode_passages(english), dtype=np.float32)
        return _unit(vectors - self.centres["en"]) @ self.matrix.T

    def hubness(self, encoder) -> np.ndarray:
        """Per Swedish word: the mean of its CSLS_K best centred cosines to the reference texts'
        English words (CSLS's r_S, with a fixed English vocabulary the library does not change)."""
        if self._hub is None:
            from scan import reference

            words = sorted({w for t in reference.EN for w in content_words(t, "en")})
            english = _unit(word_vectors(encoder, words, "Encoding the reference words") - self.centres["en"])
            sims = english @ self.matrix.T
            top = np.sort(sims, axis=0)[-CSLS_K:, :]
            self._hub = top.mean(axis=0)
        return self._hub

    def translate(
        self, encoder, english: list[str], top_m: int = TOP_M, threshold: float = THRESHOLD, csls: bool = False
    ) -> dict[str, list[tuple[str, float]]]:
        """English word -> its nearest Swedish words with their centred cosine (best first): at
        most top_m, each at least `threshold`. With csls the order is CSLS's (threshold still on the cosine)."""
        english = list(dict.fromkeys(english))
        if not english or not self.words:
            return {w: [] for w in english}
        sims = self.similarities(encoder, english)
        order_by = sims
        if csls:
            own = np.sort(sims, axis=1)[:, -CSLS_K:].mean(axis=1)
            order_by = 2 * sims - own[:, None] - self.hubness(encoder)[None, :]
        out = {}
        for row, word in enumerate(english):
            best = np.argsort(-order_by[row])[:top_m]
            out[word] = [(self.words[j], float(sims[row, j])) for j in best if sims[row, j] >= threshold]
        return out


_lexicons: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def lexicon(index, encoder) -> Lexicon:
    """The index's Lexicon for `encoder`, built once per opened index (vectors from the cache when there)."""
    found = _lexicons.get(index)
    if found is None or found[0] != encoder.name:
        words = swedish_vocabulary(index)
        vectors = word_vectors(encoder, words) if words else np.zeros((0, encoder.dimension), dtype=np.float32)
        found = (encoder.name, Lexicon(words, vectors, language_centres(encoder)))
        _lexicons[index] = found
    return found[1]


def query_words(index, query: str, beside_glossary: bool = True) -> list[str]:
    """The English words of `query` to translate: content words that the library's Swedish passages
    do not contain themselves and (beside_glossary) that no glossary entry covers."""
    covered = {w for phrase, _ in glossary.entries(query) for w in phrase.split()} if beside_glossary else set()
    swedish = glossary.swedish_ids(index)
    words = [w for w in dict.fromkeys(content_words(query, "en")) if w not in covered]
    return [w for w in words if not index.keyword(w, 1, swedish)]


def bonus(
    index,
    encoder,
    query: str,
    language: str,
    k: int,
    allowed,
    weight: float,
    top_m: int = TOP_M,
    threshold: float = THRESHOLD,
    csls: bool = False,
    beside_glossary: bool = True,
) -> dict[int, float]:
    """Passage id -> the keyword bonus of the induced Swedish words for an English query (`weight` x
    BM25 / the best BM25 of those words, as scan.glossary.bonus); empty for any other query, a zero
    weight, or a query with nothing to translate."""
    if language != "en" or weight <= 0 or encoder is None:
        return {}
    english = query_words(index, query, beside_glossary)
    if not english:
        return {}
    found = lexicon(index, encoder).translate(encoder, english, top_m, threshold, csls)
    words = list(dict.fromkeys(sv for got in found.values() for sv, _ in got))
    if not words:
        return {}
    hits = index.keyword(" ".join(words), k, allowed)
    top = max((s for _, s in hits), default=1.0) or 1.0
    return {pid: weight * s / top for pid, s in hits}


# ---- the measurement ------------------------------------------------------------------------

VARIANTS = ("base", "l:0.02:2:0.5", "l:0.03:2:0.5", "l:0.03:1:0.5", "l:0.03:2:0.45", "l:0.05:2:0.5", "l:0.03:2:0.4:csls")


class CachedEncoder:
    """The index's encoder, each query and word encoded once per run."""

    def __init__(self, encoder) -> None:
        self.encoder, self.name, self.dimension = encoder, encoder.name, encoder.dimension
        self.queries: dict[str, np.ndarray] = {}
        self.words: dict[str, np.ndarray] = {}

    def encode_queries(self, texts):
        return np.vstack([self.queries.setdefault(t, self.encoder.encode_queries([t])[0]) for t in texts])

    def encode_passages(self, texts, batch_size: int = 32):
        missing = [t for t in dict.fromkeys(texts) if t not in self.words]
        if missing:
            self.words.update(zip(missing, self.encoder.encode_passages(missing), strict=True))
        return np.vstack([self.words[t] for t in texts])


_shipped_bonus = glossary.bonus


def _use(variant: str, encoder) -> None:
    """Search with the glossary as shipped plus the lexicon's bonus of `variant` (none for base)."""
    if variant == "base":
        glossary.bonus = _shipped_bonus
        return
    if variant == "none":
        glossary.bonus = lambda *args, **kwargs: {}
        return
    bits = variant.split(":")
    if bits[0] not in ("l", "o") or len(bits) not in (4, 5):
        raise SystemExit(f"unknown variant {variant!r} (base, l:W:M:T[:csls] or o:W:M:T[:csls])")
    weight, top_m, threshold, csls = float(bits[1]), int(bits[2]), float(bits[3]), bits[4:] == ["csls"]
    alone = bits[0] == "o"

    def both(index, query, language, k, allowed=None, weight_=None):
        out = {} if alone else dict(_shipped_bonus(index, query, language, k, allowed))
        extra = bonus(
            index, encoder, query, language, k, allowed, weight, top_m, threshold, csls, beside_glossary=not alone
        )
        for pid, b in extra.items():
            out[pid] = out.get(pid, 0.0) + b
        return out

    glossary.bonus = both


def figures(index_dir: Path, variants: list[str], split: str) -> None:
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    lexicon(index, encoder)  # the vocabulary encoded (or read from the cache) before any timing
    needs, off = evalmixed.load_mixed(evalmixed.default_mixed_file())
    needs = [n for n in needs if n.split == split]
    off = [o for o in off if o.split == split]
    for variant in variants:
        _use(variant, cached)
        r = evalmixed.evaluate_mixed(
            index, lambda q: search(index, cached, q, k=5), needs, off, relevance.FLOOR, relevance.GAP
        )
        for lang in ("sv", "en"):
            m = r["languages"][lang][split]
            o = m["offtopic_queries"]
            print(
                f"{index_dir.name:8s} {split} {variant:18s} {lang} off@5 {100 * m['offtopic@5']:5.1f}"
                f" offans {100 * (m['offtopic_answers'] or 0):4.1f} ch1 {100 * m['chapter@1']:5.1f}"
                f" ch5 {100 * m['chapter@5']:5.1f} doc5 {100 * (m['doc@5'] or 0):5.1f}"
                f" answered {100 * m['above_floor']:5.1f} refused {100 * o['no_hits']:5.1f}",
                flush=True,
            )
    _use("base", cached)
    index.close()


def pairs(index_dir: Path, sample: int, seed: int) -> None:
    index, encoder = open_index(index_dir, None)
    lex = lexicon(index, encoder)
    print(f"{index_dir.name}: {len(lex.words)} Swedish words in the lexicon")
    gold: dict[str, set[str]] = {}
    for line in glossary.GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, _, swedish = line.partition("\t")
            if " " not in english:
                gold.setdefault(english, set()).update(stems(swedish.split()))
    have = set(stems(lex.words))
    for csls in (False, True):
        words = [w for w in gold if gold[w] & have]
        found = lex.translate(encoder, words, top_m=5, threshold=-1.0, csls=csls)
        at1 = sum(stems([found[w][0][0]])[0] in gold[w] for w in words)
        at5 = sum(bool(set(stems([sv for sv, _ in found[w]])) & gold[w]) for w in words)
        print(
            f"glossary single words with a Swedish answer in the lexicon: {len(words)};"
            f" {'CSLS' if csls else 'cosine'} precision@1 {at1 / len(words):.2f}, @5 {at5 / len(words):.2f}"
        )
    counts: Counter[str] = Counter()
    for (text,) in index.db.execute("SELECT text FROM passages WHERE language = 'en'"):
        counts.update(content_words(text, "en"))
    table = glossary.load()
    english = sorted(w for w, n in counts.most_common(600) if (glossary._english().stemWord(w),) not in table)
    chosen = sorted(random.Random(seed).sample(english, min(sample, len(english))))
    found = lex.translate(encoder, chosen, top_m=TOP_M, threshold=-1.0)
    print(f"\n{len(chosen)} English words of the library's English passages that the glossary lacks (seed {seed}):")
    for w in chosen:
        kept = " ".join(f"{sv} {s:.2f}{'' if s >= THRESHOLD else '(below)'}" for sv, s in found[w])
        print(f"{w:18s} {kept}")
    index.close()


def show(index_dir: Path, split: str, top_m: int, threshold: float) -> None:
    """What each English query of the split gets translated to (the glossary's words first)."""
    index, encoder = open_index(index_dir, None)
    lex = lexicon(index, encoder)
    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    for n in needs:
        if n.split == split:
            words = query_words(index, n.en)
            found = lex.translate(encoder, words, top_m, threshold)
            print(f"{n.id:28s} {glossary.expand(n.en)} | {[(w, [sv for sv, _ in found[w]]) for w in words]}")
    index.close()


def latency(index_dir: Path, rounds: int, variant: str) -> None:
    index, encoder = open_index(index_dir, None)
    lexicon(index, encoder)
    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    queries = [n.en for n in needs if n.split == "dev"][:8]
    cached = CachedEncoder(encoder)
    for q in queries:
        search(index, cached, q)  # the query vectors computed once; the query WORDS are encoded each time
    times: dict[str, list[float]] = {"base": [], variant: []}
    for _ in range(rounds):
        for v in ("base", variant):
            _use(v, encoder)  # the real encoder for the words: their encoding is the cost
            start = time.perf_counter()
            for q in queries:
                search(index, cached, q)
            times[v].append((time.perf_counter() - start) / len(queries) * 1000)
    _use("base", encoder)
    before, after = statistics.median(times["base"]), statistics.median(times[variant])
    print(
        f"{index_dir.name}: {len(queries)} English queries, query vectors computed beforehand, median of {rounds}"
        f" rounds: {before:.1f} ms shipped, {after:.1f} ms with {variant} (ratio {after / before:.2f})"
    )
    index.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, action="append", required=True)
    parser.add_argument("--variant", action="append", help=f"default: {' '.join(VARIANTS)}")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--pairs", action="store_true")
    parser.add_argument("--show", action="store_true", help="the split's English queries and their induced words")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for index_dir in args.index:
        if args.pairs:
            pairs(index_dir, args.sample, args.seed)
        elif args.show:
            show(index_dir, args.split, TOP_M, THRESHOLD)
        elif args.latency:
            latency(index_dir, args.rounds, (args.variant or ["l:0.03:2:0.5"])[0])
        else:
            figures(index_dir, args.variant or list(VARIANTS), args.split)


if __name__ == "__main__":
    main()
