"""An honest dev estimate for the relevance model: cross-validation by need within the dev half.

The relevance model's constants (scan.relevance) are fitted on the dev queries of eval/mixed.toml,
so dev figures of the shipped model are optimistic (issue 9: dev read 2.0 % English off-topic
answers while test read 9.8 %). This bench splits the dev needs (and the dev off-topic queries)
into folds by file order, fits the model on the other folds' rated candidates in the fit setups
(as `bench/mixed_remedies.py --fit` does on all of dev: the mixed library and the corpus alone),
and replays search's own rules on the held-out fold in every setup: the ratings, the demotion of
candidates rated under DEMOTE (relevance.demote), the cut to the top 5 and the answer rule (FLOOR,
and at most GAP under the best hit). Summed over the folds, per setup and query language:

- off-topic answers shown / answers shown (a hit outside the analysis, the need's `docs` and its
  `ontopic`, shown as an answer);
- needs answered (an answer shown) / needs, right chapter at 1 (in the order shown: by relevance, scan.shown) and within 5;
- off-topic queries refused (no answer shown) / off-topic queries.

    scan eval mixed --index /tmp/mixed                                      # the three setups,
    scan eval mixed --library corpus --library ../shared/pdfs --index /tmp/probe   # each built once
    scan eval mixed --library corpus --index /tmp/one
    python bench/mixed_cv.py --setup mixed=/tmp/mixed --setup probe=/tmp/probe --setup one=/tmp/one \
        --fit-on mixed,one [--variant base,corroboration] [--split test]

The candidates of every query are read once (search as it is, through the same functions) and kept
in a pickle beside the first index (`--cache`); the variants are then replayed from it. `--split
test` fits on all of dev and reports the test half: the one look at test, made at the end.
`--from-need ID` reports the shipped model on the dev needs from ID on (file order): needs added after
the model was fitted are held out for it, a check of the CV estimate that needs no refit.
Feature variants (VARIANTS) add features to the five of the shipped model, computed from the same
pool of rated candidates as search has at hand.
"""

from __future__ import annotations

import argparse
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scan import evalmixed, reference, relevance
from scan.search import search
from scan.session import open_index

FOLDS = 5


@dataclass
class Query:
    setup: str
    split: str
    lang: str  # the query's wording (sv, en)
    need: str | None  # None: an off-topic query
    fold: int
    ids: list[int]  # the rated pool, in search's order before the demotion
    headings: set[int]
    base: np.ndarray  # (n, 5) the shipped model's features, in ids order
    units: np.ndarray  # (n, d) passage vectors moved by their language's reference mean, normalised
    query_unit: np.ndarray  # the query vector moved by its language's reference mean, normalised
    query_lang: str
    docs: list[str]
    langs: list[str]
    good: np.ndarray  # relevant (right chapter or an answering document)
    right: np.ndarray  # a right chapter of the analysis
    off: np.ndarray  # off-topic (outside the analysis, docs and ontopic)
    extra: dict = field(default_factory=dict)


def collect(name: str, index_dir: Path, needs, off, splits: set[str]) -> list[Query]:
    """Search every query of the given splits once and keep its rated pool."""
    index, encoder = open_index(index_dir, None)
    means = reference.reference_means(encoder)
    analysis = evalmixed.analysis_ids(index)
    seen: dict = {}
    original_rate, original_demote = relevance.rate, relevance.demote

    def rate(ids, mode, enc, query, query_vector, passages, vectors, bm25=None):
        out = original_rate(ids, mode, enc, query, query_vector, passages, vectors, bm25)
        feats = relevance.hit_features(ids, enc, query, query_vector, passages, vectors, bm25)
        view = relevance.query_view(enc, query, query_vector)
        seen.update(ids=[pid for pid in ids if pid in feats], feats=feats, passages=passages, view=view)
        kept = seen["ids"]
        matrix = vectors(kept)
        langs = [passages[p].language if passages[p].language in means else view.language for p in kept]
        moved = np.vstack([matrix[i] - means[lang] for i, lang in enumerate(langs)])
        seen["units"] = moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-9)
        seen["langs"] = langs
        return out

    def demote(ranked, rated, headings=()):
        seen.update(order=[pid for pid, _ in ranked], headings=set(headings))
        return original_demote(ranked, rated, headings)

    relevance.rate, relevance.demote = rate, demote
    out: list[Query] = []
    try:
        items = []
        for group in (needs, off):
            for split in sorted(splits):  # folds by file order within each split
                items += [(x, i % FOLDS) for i, x in enumerate(x for x in group if x.split == split)]
        for item, fold in items:
            need = item if isinstance(item, evalmixed.Need) else None
            chapters = {evalmixed._fold(c) for c in need.chapters} if need else set()
            for lang in evalmixed.LANGUAGES:
                seen.clear()
                search(index, encoder, getattr(item, lang), k=evalmixed.TOP)
                ids, passages = seen["ids"], seen["passages"]
                position = {pid: i for i, pid in enumerate(ids)}
                order = [pid for pid in seen["order"] if pid in position]
                perm = [position[pid] for pid in order]
                ps = [passages[pid] for pid in order]
                right = np.array(
                    [p.doc_id in analysis and any(evalmixed._fold(x) in chapters for x in p.heading) for p in ps]
                )
                docs_ok = np.array([need is not None and p.doc_id in need.docs for p in ps])
                offt = np.array(
                    [
                        need is None or (p.doc_id not in analysis and p.doc_id not in need.docs + need.ontopic)
                        for p in ps
                    ]
                )
                view = seen["view"]
                qu = view.centred / view.norm
                out.append(
                    Query(
                        name,
                        item.split,
                        lang,
                        need.id if need else None,
                        fold,
                        order,
                        seen["headings"],
                        np.array([seen["feats"][pid] for pid in order], dtype=float),
                        seen["units"][perm],
                        qu.astype(np.float32),
                        view.language,
                        [p.doc_id for p in ps],
                        [seen["langs"][i] for i in perm],
                        right | docs_ok,
                        right,
                        offt,
                    )
                )
    finally:
        relevance.rate, relevance.demote = original_rate, original_demote
        index.close()
    return out


# --- feature variants: q -> (n, m) extra columns --------------------------------------------------------------


def corroboration(q: Query, top: int = 3, mode: str = "mean") -> np.ndarray:
    """How close each candidate is to the best candidates of OTHER documents (by the query's centred
    cosine): the cosine of its centred vector to their mean (mode "mean") or the best cosine to one of
    them ("max"); 0 where no other document has a candidate."""
    closeness = q.units @ q.query_unit
    out = np.zeros(len(q.ids))
    docs = np.array(q.docs)
    for i in range(len(q.ids)):
        others = np.flatnonzero(docs != docs[i])
        if not len(others):
            continue
        best = others[np.argsort(-closeness[others])[:top]]
        if mode == "mean":
            m = q.units[best].mean(axis=0)
            out[i] = float(q.units[i] @ m) / (float(np.linalg.norm(m)) or 1.0)
        else:
            out[i] = float((q.units[best] @ q.units[i]).max())
    return out[:, None]


def other_language(q: Query, top: int = 3) -> np.ndarray:
    """Cosine of each candidate's centred vector to the mean of the best candidates in the OTHER
    language than its own (0 where there are none)."""
    closeness = q.units @ q.query_unit
    langs = np.array(q.langs)
    out = np.zeros(len(q.ids))
    for i in range(len(q.ids)):
        others = np.flatnonzero(langs != langs[i])
        if not len(others):
            continue
        best = others[np.argsort(-closeness[others])[:top]]
        m = q.units[best].mean(axis=0)
        out[i] = float(q.units[i] @ m) / (float(np.linalg.norm(m)) or 1.0)
    return out[:, None]


def english_query(q: Query) -> np.ndarray:
    """1 for every candidate of an English query (a separate bias per query language)."""
    return np.full((len(q.ids), 1), float(q.query_lang == "en"))


def same_language_english(q: Query) -> np.ndarray:
    """1 for a candidate in the query's language when the query is English."""
    return np.array([[float(q.query_lang == "en" and lang == q.query_lang)] for lang in q.langs])


def pool_minority(q: Query) -> np.ndarray:
    """1 for a same-language candidate when the query's language is the smaller part of the pool."""
    same = np.array([lang == q.query_lang for lang in q.langs])
    minority = same.mean() < 0.5
    return (same & minority).astype(float)[:, None]


def corroboration_gap(q: Query) -> np.ndarray:
    """corroboration (mean of the best 3 of other documents) minus its best value in the pool."""
    c = corroboration(q)
    return c - c.max()


def other_language_gap(q: Query) -> np.ndarray:
    """other_language minus its best value in the pool (0 for every candidate of a one-language pool)."""
    c = other_language(q)
    return c - c.max()


def has_other_language(q: Query) -> np.ndarray:
    """1 for a candidate when the pool has candidates in another language than its own (other_language
    is defined), 0 otherwise: lets the model keep one-language pools on their own offset."""
    langs = np.array(q.langs)
    return np.array([[float((langs != lang).any())] for lang in langs])


def has_other_document(q: Query) -> np.ndarray:
    docs = np.array(q.docs)
    return np.array([[float((docs != d).any())] for d in docs])


VARIANTS: dict[str, list[Callable[[Query], np.ndarray]]] = {
    "base": [],
    "corr3": [corroboration],
    "corr1": [lambda q: corroboration(q, 1)],
    "corr5": [lambda q: corroboration(q, 5)],
    "corrmax3": [lambda q: corroboration(q, 3, "max")],
    "corrgap": [corroboration_gap],
    "otherlang": [other_language],
    "otherlanggap": [other_language_gap],
    "otherlang+has": [other_language, has_other_language],
    "otherlang1+has": [lambda q: other_language(q, 1), has_other_language],
    "otherlang5+has": [lambda q: other_language(q, 5), has_other_language],
    "corr3+has": [corroboration, has_other_document],
    "enbias": [english_query],
    "ensame": [same_language_english],
    "ensame+enbias": [same_language_english, english_query],
    "minority": [pool_minority],
    "corr3+ensame": [corroboration, same_language_english],
}


def design(q: Query, variant: str) -> np.ndarray:
    cols = [q.base] + [f(q) for f in VARIANTS[variant]]
    return np.hstack(cols)


# --- fitting and replay ----------------------------------------------------------------------------------------


def fit(queries: list[Query], variant: str, c: float = 10.0) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([design(q, variant) for q in queries])
    y = np.concatenate([q.good for q in queries]).astype(int)
    model = LogisticRegression(C=c, max_iter=5000).fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


@dataclass
class Rule:
    floor: float = relevance.FLOOR
    gap: float = relevance.GAP
    demote: float = relevance.DEMOTE
    per_language: dict = field(default_factory=dict)  # query language -> (floor, gap)


def replay(q: Query, rated: np.ndarray, rule: Rule) -> tuple[list[int], list[bool]]:
    """Positions (in q.ids) of the top 5 after the demotion, and which of them are shown as answers."""
    low = [i for i in range(len(q.ids)) if rated[i] < rule.demote]
    heads = [i for i in range(len(q.ids)) if q.ids[i] in q.headings and i not in low]
    rest = [i for i in range(len(q.ids)) if i not in low and i not in heads]
    top = (rest + heads + low)[: evalmixed.TOP]
    floor, gap = rule.per_language.get(q.lang, (rule.floor, rule.gap))
    best = max(rated[i] for i in top)
    level = max(floor, best - gap)
    return top, [bool(rated[i] >= level) for i in top]


def tally(queries: list[Query], ratings: dict[int, np.ndarray], rule: Rule) -> dict:
    out: dict = {}
    for qi, q in enumerate(queries):
        top, shown = replay(q, ratings[qi], rule)
        t = out.setdefault(
            (q.setup, q.lang),
            dict(
                shown=0, shown_off=0, needs=0, answered=0, ch1=0, ch5=0, offq=0, refused=0, offlist=[], pairs=0, won=0.0
            ),
        )
        r = ratings[qi]
        goods, offs = np.flatnonzero(q.good), np.flatnonzero(q.off)
        if len(goods) and len(offs):  # pairs (relevant, off-topic) of the pool: the relevant one rated higher
            diff = r[goods][:, None] - r[offs][None, :]
            t["pairs"] += diff.size
            t["won"] += float((diff > 0).sum() + 0.5 * (diff == 0).sum())
        if q.need is None:
            t["offq"] += 1
            t["refused"] += not any(shown)
            continue
        t["needs"] += 1
        t["answered"] += any(shown)
        t["shown"] += sum(shown)
        for i, s in zip(top, shown):
            if s and q.off[i]:
                t["shown_off"] += 1
                t["offlist"].append((q.need, q.docs[i]))
        first = min(top, key=lambda i: (-r[i], top.index(i)))  # rank 1 in the order shown (scan.shown)
        t["ch1"] += bool(q.right[first])
        t["ch5"] += bool(any(q.right[i] for i in top))
    return out


def cross_validate(queries, fit_on: set[str], variant: str, rule: Rule, c: float = 10.0) -> dict:
    ratings: dict[int, np.ndarray] = {}
    for fold in range(FOLDS):
        train = [q for q in queries if q.fold != fold and q.setup in fit_on]
        w, b = fit(train, variant, c)
        for qi, q in enumerate(queries):
            if q.fold == fold:
                ratings[qi] = 100.0 / (1.0 + np.exp(-np.clip(design(q, variant) @ w + b, -50, 50)))
    return tally(queries, ratings, rule)


def shipped(queries, rule: Rule) -> dict:
    model = relevance.MODELS["multilingual-e5-small"]
    w, b = np.array(model.weights), model.bias
    ratings = {qi: 100.0 / (1.0 + np.exp(-np.clip(q.base @ w + b, -50, 50))) for qi, q in enumerate(queries)}
    return tally(queries, ratings, rule)


def show(label: str, result: dict, setups: list[str], verbose: bool = False) -> None:
    total = dict(shown=0, shown_off=0, answered=0, needs=0, refused=0, offq=0, pairs=0, won=0.0)
    parts = []
    for setup in setups:
        for lang in evalmixed.LANGUAGES:
            t = result.get((setup, lang))
            if not t:
                continue
            for key in total:
                total[key] += t[key]
            share = 100 * t["shown_off"] / max(t["shown"], 1)
            parts.append(
                f"  {setup:6s} {lang}: off {t['shown_off']:2d}/{t['shown']:3d} = {share:4.1f} %  answered "
                f"{t['answered']:2d}/{t['needs']:2d}  ch@1 {t['ch1']:2d} ch@5 {t['ch5']:2d}  refused "
                f"{t['refused']}/{t['offq']}  pair AUC {t['won'] / max(t['pairs'], 1):.3f}"
                + (f"  {t['offlist']}" if verbose and t["offlist"] else "")
            )
    print(
        f"{label}: off-topic answers {total['shown_off']}/{total['shown']}, needs answered "
        f"{total['answered']}/{total['needs']}, off-topic refused {total['refused']}/{total['offq']}, "
        f"pair AUC {total['won'] / max(total['pairs'], 1):.4f}"
    )
    print("\n".join(parts))


def need_ids_from(first: str) -> set[str]:
    """The ids of eval/mixed.toml's needs from `first` on, in file order."""
    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    ids = [n.id for n in needs]
    if first not in ids:
        raise SystemExit(f"Error: no need {first!r} in {evalmixed.default_mixed_file()}")
    return set(ids[ids.index(first) :])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="append", required=True, help="name=INDEX_DIR (repeat)")
    parser.add_argument("--fit-on", default="mixed,one", help="setups whose candidates the model is fitted on")
    parser.add_argument("--variant", default="base", help="comma-separated names of VARIANTS, or all")
    parser.add_argument("--split", default="dev", help="dev: cross-validation; test: fit on dev, report test")
    parser.add_argument("--cache", type=Path, default=None, help="pickle of the collected candidates")
    parser.add_argument("--floor", type=float, default=relevance.FLOOR)
    parser.add_argument("--gap", type=float, default=relevance.GAP)
    parser.add_argument("--demote", type=float, default=relevance.DEMOTE)
    parser.add_argument("-C", type=float, default=10.0, help="the logistic regression's inverse regularisation")
    parser.add_argument("--english-rule", default=None, help="FLOOR,GAP for English queries only (default: as Swedish)")
    parser.add_argument(
        "--from-need",
        help="report only the needs from this id on (file order; no off-topic queries): e.g. needs added after "
        "the shipped model was fitted, which are held out for it",
    )
    parser.add_argument("--sweep", action="store_true", help="CV over floors and gaps, one line each")
    parser.add_argument("--verbose", action="store_true", help="list the off-topic answers (need, document)")
    args = parser.parse_args()
    setups = [tuple(s.split("=", 1)) for s in args.setup]
    needs, off = evalmixed.load_mixed(evalmixed.default_mixed_file())
    splits = {"dev"} | ({"test"} if args.split == "test" else set())
    cache = args.cache or Path(setups[0][1]) / f"cv-candidates-{'-'.join(sorted(splits))}.pkl"
    if cache.exists():
        queries = pickle.loads(cache.read_bytes())
    else:
        queries = [q for name, path in setups for q in collect(name, Path(path), needs, off, splits)]
        cache.write_bytes(pickle.dumps(queries))
    names = [name for name, _ in setups]
    fit_on = set(args.fit_on.split(","))
    rule = Rule(args.floor, args.gap, args.demote)
    if args.english_rule:
        floor, gap = (float(v) for v in args.english_rule.split(","))
        rule.per_language["en"] = (floor, gap)
    variants = list(VARIANTS) if args.variant == "all" else args.variant.split(",")
    if args.split == "test":
        dev = [q for q in queries if q.split == "dev" and q.setup in fit_on]
        test = [q for q in queries if q.split == "test"]
        for variant in variants:
            w, b = fit(dev, variant, args.C)
            print(f"{variant}: weights {tuple(round(float(v), 3) for v in w)}, bias {b:.3f}")
            ratings = {
                qi: 100.0 / (1.0 + np.exp(-np.clip(design(q, variant) @ w + b, -50, 50))) for qi, q in enumerate(test)
            }
            show(f"{variant} (fitted on all of dev), test", tally(test, ratings, rule), names, args.verbose)
        show("shipped model, test", shipped(test, rule), names, args.verbose)
        return
    dev = [q for q in queries if q.split == "dev"]
    if args.from_need:
        later = need_ids_from(args.from_need)
        held = [q for q in dev if q.need in later]
        show(
            f"shipped model on the dev needs from {args.from_need} on (held out for it)",
            shipped(held, rule),
            names,
            args.verbose,
        )
        return
    if args.sweep:  # one line per variant and floor: totals and the mixed library's off-topic answers per language
        for variant in variants:
            for floor in (40.0, 45.0, 50.0, 55.0, 60.0, 65.0):
                for gap in (10.0, 15.0, 20.0):
                    r = cross_validate(dev, fit_on, variant, Rule(floor, gap, args.demote), args.C)
                    tot = {
                        k: sum(t[k] for t in r.values()) for k in ("shown", "shown_off", "answered", "refused", "offq")
                    }
                    mix = " ".join(
                        f"{lang} {r[('mixed', lang)]['shown_off']}/{r[('mixed', lang)]['shown']}"
                        for lang in evalmixed.LANGUAGES
                        if ("mixed", lang) in r
                    )
                    en = sum(t["answered"] for (_, lang), t in r.items() if lang == "en")
                    print(
                        f"{variant:14s} floor {floor:4.0f} gap {gap:3.0f}: off {tot['shown_off']:2d}/{tot['shown']:3d} answered "
                        f"{tot['answered']:3d} (en {en:2d}) refused {tot['refused']}/{tot['offq']} | mixed {mix}"
                    )
        return
    show("shipped model on dev (fitted on dev: optimistic)", shipped(dev, rule), names, args.verbose)
    for variant in variants:
        show(
            f"{variant}, {FOLDS}-fold CV on dev",
            cross_validate(dev, fit_on, variant, rule, args.C),
            names,
            args.verbose,
        )


if __name__ == "__main__":
    main()
